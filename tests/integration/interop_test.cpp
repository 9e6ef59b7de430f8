// Independent RDP clients from Debian against the fake server: xfreerdp (FreeRDP's own X11
// client) and rdesktop 1.9, each under Xvfb. A server only our driver accepts is not done.
#include <fstream>

#include <gtest/gtest.h>

#include "../support/process.hpp"
#include "../support/server_fixture.hpp"

namespace rdpfault {
namespace {

using test::ChildProcess;

bool reached_active(const fakeserver::MemoryTrace& trace) {
  for (const auto& e : trace.events()) {
    if (e.event == "phase" && e.data["phase"] == "active") return true;
  }
  return false;
}

std::string log_of(const std::string& path) {
  std::ifstream in(path);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

TEST(Interop, XfreerdpReachesTheActiveSession) {
  // ci/install-deps.sh installs both; a missing one is a set-up failure, not a skip.
  ASSERT_TRUE(test::have_program("xfreerdp") && test::have_program("xvfb-run"));
  test::RunningServer s;
  const std::string log = s.dir + "/xfreerdp.log";
  ChildProcess p({"xvfb-run", "-a", "xfreerdp", "/v:127.0.0.1:" + std::to_string(s.server->port()), "/u:tester",
                  "/p:", "/sec:tls", "/cert:ignore", "/size:800x600", "-clipboard", "/log-level:WARN"},
                 log);
  ASSERT_TRUE(p.started());
  const bool active = s.wait_for_pdu_out("bitmap update", std::chrono::seconds(30));
  EXPECT_TRUE(active) << log_of(log);
  EXPECT_TRUE(reached_active(*s.trace));
  p.kill_and_reap();
  EXPECT_TRUE(s.wait_for_event("closed", 1, std::chrono::seconds(5)));
}

TEST(Interop, RdesktopReachesTheActiveSession) {
  ASSERT_TRUE(test::have_program("rdesktop") && test::have_program("xvfb-run"));
  test::RunningServer s;
  const std::string log = s.dir + "/rdesktop.log";
  // rdesktop asks on stdin whether to trust the certificate; HOME keeps its store private.
  const std::string cmd = "echo yes | HOME=" + s.dir + " rdesktop -u tester -g 800x600 127.0.0.1:" +
                          std::to_string(s.server->port());
  ChildProcess p({"xvfb-run", "-a", "sh", "-c", cmd}, log);
  ASSERT_TRUE(p.started());
  const bool painted = s.wait_for_pdu_out("bitmap update", std::chrono::seconds(30));
  EXPECT_TRUE(painted) << log_of(log);
  EXPECT_TRUE(reached_active(*s.trace));
  p.kill_and_reap();
  EXPECT_TRUE(s.wait_for_event("closed", 1, std::chrono::seconds(5)));
}

}  // namespace
}  // namespace rdpfault
