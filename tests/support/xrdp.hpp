#pragma once
// A real RDP server for interop tests: Debian's xrdp 0.9.21 in the foreground on an ephemeral
// loopback port, with a private xrdp.ini, certificate, key and log in a mkdtemp directory.
//
// What xrdp touches outside that directory (checked with strace, xrdp 0.9.21.1):
//   reads  /etc/xrdp/rsakeys.ini, /etc/xrdp/km-*.ini (keymaps), /run/xrdp/sockdir (stat);
//   checks whether /var/run/xrdp/xrdp.pid exists (a compiled-in path, no option moves it);
//          with --nodaemon it writes no pid file. Should xrdp refuse to start (a system xrdp
//          running, say), the constructor throws with xrdp's log.
// Nothing is written outside the directory. The session manager is not needed to reach the
// login screen; clients must not send a password (FreeRDP's autologon), or xrdp would try to
// log on through xrdp-sesman (127.0.0.1:3350, from /etc/xrdp/sesman.ini).
//
// The private ini (our own, after the parts of /etc/xrdp/xrdp.ini that matter here):
// fork=false (one process, threads per connection, so one SIGTERM ends it), listen on
// tcp://127.0.0.1:PORT, security_layer=negotiate (TLS and Standard RDP Security; xrdp has no
// CredSSP), channels allowed (FreeRDP fails the channel join when xrdp grants none), a
// run-time RSA leaf signed by a test CA the driver can trust (ca_file()), log to the directory.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>

#include "process.hpp"
#include "rdpfault/certs/certs.hpp"
#include "rdpfault/scenario/connect.hpp"

namespace rdpfault::test {

class XrdpServer {
 public:
  static constexpr const char* kBinary = "/usr/sbin/xrdp";

  /// Whether xrdp is installed (ci/install-deps.sh installs it).
  static bool available() { return ::access(kBinary, X_OK) == 0; }

  /// Starts xrdp and returns once it accepts connections (bounded: 10 s per attempt). Throws
  /// std::runtime_error with xrdp's log if it exits or never listens.
  XrdpServer() {
    char tmpl[] = "/tmp/rdpfault-xrdp-XXXXXX";
    if (!mkdtemp(tmpl)) throw std::runtime_error("mkdtemp failed");
    dir_ = tmpl;
    try {
      write_certificates();
      // The port is free when we look; another process could take it before xrdp binds,
      // and then xrdp exits: try again with another port.
      std::string why;
      for (int attempt = 0; attempt < 3; ++attempt) {
        port_ = free_loopback_port();
        write_ini();
        if (start(why)) return;
      }
      throw std::runtime_error("xrdp did not start: " + why + "\n" + log());
    } catch (...) {
      cleanup();
      throw;
    }
  }

  ~XrdpServer() { cleanup(); }
  XrdpServer(const XrdpServer&) = delete;
  XrdpServer& operator=(const XrdpServer&) = delete;

  std::uint16_t port() const noexcept { return port_; }
  const std::string& dir() const noexcept { return dir_; }
  /// PEM of the CA that signed xrdp's certificate (for localhost and 127.0.0.1).
  const std::string& ca_file() const noexcept { return ca_file_; }
  /// A request that reaches xrdp's active session (its login screen) on `port` (0: xrdp's own;
  /// a proxy's otherwise): our test CA, FreeRDP asking for ssl|hybrid (xrdp selects ssl), and no
  /// password: a password would make FreeRDP ask for autologon, and xrdp would try xrdp-sesman
  /// instead of showing its login screen.
  ConnectRequest request(std::uint16_t port = 0) const {
    ConnectRequest r;
    r.host = "127.0.0.1";
    r.port = port != 0 ? port : port_;
    r.security = {SecurityProtocol::tls, SecurityProtocol::nla};
    r.cert_policy = CertPolicy::trust_ca;
    r.ca_file = ca_file_;
    r.username = "tester";
    r.timeout_ms = 20000;
    r.activation_timeout_ms = 15000;
    return r;
  }
  /// xrdp's own log (xrdp.log: negotiation answers, TLS versions, errors) and its stdout.
  std::string log() const { return read_file(dir_ + "/xrdp.log") + read_file(dir_ + "/xrdp.out"); }
  /// Whether xrdp is still running (it has not exited or crashed).
  bool running() {
    if (!child_ || exit_status_) return false;
    exit_status_ = child_->wait_for(std::chrono::milliseconds(0));  // Reaps it if it exited.
    return !exit_status_;
  }

 private:
  static std::string read_file(const std::string& path) {
    std::ifstream in(path);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  }

  static sockaddr_in loopback(std::uint16_t port) {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return a;
  }

  /// Binds 127.0.0.1:0, reads the port the kernel chose and closes the socket.
  static std::uint16_t free_loopback_port() {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) throw std::runtime_error("socket failed");
    auto a = loopback(0);
    socklen_t len = sizeof a;
    const bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
                    ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0;
    ::close(fd);
    if (!ok) throw std::runtime_error("cannot bind 127.0.0.1:0");
    return ntohs(a.sin_port);
  }

  static bool accepts(std::uint16_t port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return false;
    auto a = loopback(port);
    const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
    ::close(fd);  // xrdp logs a failed Connection Request for this probe; harmless.
    return ok;
  }

  /// One certificate pair per test binary (RSA key generation is the slow part). An RSA leaf,
  /// the key type of the pair Debian's package points xrdp at (the snakeoil certificate).
  void write_certificates() {
    struct Pair {
      certs::Identity ca, leaf;
    };
    static const Pair pair = [] {
      certs::CertSpec ca_spec;
      ca_spec.common_name = "rdpfault xrdp test CA";
      ca_spec.dns_names = {};
      ca_spec.key_type = certs::KeyType::ecdsa_p256;
      ca_spec.is_ca = true;
      auto ca = certs::make_ca(ca_spec);
      certs::CertSpec leaf_spec;
      leaf_spec.common_name = "localhost";
      leaf_spec.dns_names = {"localhost", "127.0.0.1"};  // FreeRDP compares the host with DNS names.
      leaf_spec.ip_addresses = {"127.0.0.1"};
      leaf_spec.key_type = certs::KeyType::rsa;
      auto leaf = certs::make_leaf(leaf_spec, ca);
      return Pair{std::move(ca), std::move(leaf)};
    }();
    ca_file_ = dir_ + "/ca.pem";
    certs::write_cert_file(ca_file_, pair.ca);
    certs::write_cert_file(dir_ + "/cert.pem", pair.leaf);
    certs::write_key_file(dir_ + "/key.pem", pair.leaf);
  }

  void write_ini() const {
    std::ofstream ini(dir_ + "/xrdp.ini", std::ios::trunc);
    ini << "[Globals]\n"
        << "ini_version=1\n"
        << "fork=false\n"
        << "port=tcp://127.0.0.1:" << port_ << "\n"
        << "tcp_nodelay=true\n"
        << "tcp_keepalive=false\n"
        << "security_layer=negotiate\n"
        << "crypt_level=high\n"
        << "certificate=" << dir_ << "/cert.pem\n"
        << "key_file=" << dir_ << "/key.pem\n"
        << "ssl_protocols=TLSv1.2, TLSv1.3\n"
        << "allow_channels=true\n"
        << "allow_multimon=true\n"
        << "bitmap_cache=true\n"
        << "bitmap_compression=true\n"
        << "bulk_compression=true\n"
        << "max_bpp=32\n"
        << "new_cursors=true\n"
        << "use_fastpath=both\n"
        << "\n[Logging]\n"
        << "LogFile=" << dir_ << "/xrdp.log\n"
        << "LogLevel=INFO\n"
        << "EnableSyslog=false\n"
        << "\n[Channels]\n"
        << "rdpdr=true\nrdpsnd=true\ndrdynvc=true\ncliprdr=true\nrail=true\nxrdpvr=true\ntcutils=true\n"
        // The login screen lists the session types; none is ever started (no sesman).
        << "\n[Xorg]\n"
        << "name=Xorg\nlib=libxup.so\nusername=ask\npassword=ask\nip=127.0.0.1\nport=-1\ncode=20\n";
    if (!ini) throw std::runtime_error("cannot write " + dir_ + "/xrdp.ini");
  }

  /// Starts xrdp on port_ and waits until it accepts; false (with `why`) if it exited first.
  bool start(std::string& why) {
    exit_status_.reset();
    child_ = std::make_unique<ChildProcess>(
        std::vector<std::string>{kBinary, "--nodaemon", "--config", dir_ + "/xrdp.ini"}, dir_ + "/xrdp.out");
    if (!child_->started()) throw std::runtime_error(std::string("cannot run ") + kBinary);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::chrono::steady_clock::now() < deadline) {
      const bool accepted = accepts(port_);
      if (!running()) break;  // Exited: if the probe was accepted, a stranger holds the port.
      if (accepted) return true;
      // The poll interval, spent waiting for xrdp to exit (which ends the wait at once).
      exit_status_ = child_->wait_for(std::chrono::milliseconds(20));
      if (exit_status_) break;
    }
    if (exit_status_) {
      why = "xrdp exited (wait status " + std::to_string(*exit_status_) + ") before accepting on 127.0.0.1:" +
            std::to_string(port_);
      child_.reset();
      return false;
    }
    why = "xrdp did not accept on 127.0.0.1:" + std::to_string(port_) + " within 10 s";
    stop();
    return false;
  }

  /// SIGTERM, then SIGKILL if xrdp has not exited within 3 s.
  void stop() {
    if (!child_) return;
    if (running()) {
      ::kill(-child_->pid(), SIGTERM);
      child_->wait_for(std::chrono::seconds(3));
    }
    child_->kill_and_reap();  // Nothing to do if it exited; otherwise SIGKILL to its group.
    child_.reset();
  }

  void cleanup() {
    stop();
    if (!dir_.empty()) {
      std::error_code ec;
      std::filesystem::remove_all(dir_, ec);
    }
  }

  std::string dir_;
  std::string ca_file_;
  std::uint16_t port_ = 0;
  std::unique_ptr<ChildProcess> child_;
  std::optional<int> exit_status_;  ///< Set once xrdp has exited (and been reaped).
};

}  // namespace rdpfault::test
