// rdpfault-driver: one FreeRDP 2.11 connection attempt, bounded in time.
//
// Reads a ConnectRequest (JSON) on stdin; writes {"event":"phase",...} lines as the client
// progresses and one {"event":"result",...} line at the end. FreeRDP state stays in this
// process: a fresh HOME/XDG_CONFIG_HOME per run, so no known_hosts2 entry outlives it.
//
// Two libc functions are interposed for the whole process (the executable's definitions win
// over libc's for libfreerdp's calls): connect(), to count the client's TCP connections and
// remember their sockets so a deadline can shut them down, and getaddrinfo(), to apply the
// request's host map without touching any system file.
#include <dlfcn.h>
#include <arpa/inet.h>
#include <netdb.h>
#include <poll.h>
#include <sys/prctl.h>
#include <unistd.h>
#include <csignal>
#include <sys/socket.h>

#include <atomic>
#include <chrono>
#include <iostream>
#include <iterator>
#include <mutex>
#include <string>

#include <nlohmann/json.hpp>

#include <winpr/synch.h>

#include "driver.hpp"

namespace rdpfault::client::interpose {
std::mutex mu;
std::vector<int> sockets;
std::atomic<int> tcp_connects{0};
std::atomic<int> early_wakes{0};
std::map<std::string, std::string> host_map;
std::function<void()> on_connect;  // set before FreeRDP starts; called on FreeRDP's thread
}  // namespace rdpfault::client::interpose

extern "C" int connect(int fd, const sockaddr* addr, socklen_t len) {
  using fn = int (*)(int, const sockaddr*, socklen_t);
  static fn real = reinterpret_cast<fn>(dlsym(RTLD_NEXT, "connect"));
  namespace ip = rdpfault::client::interpose;
  int type = 0;
  socklen_t tl = sizeof type;
  if (addr && (addr->sa_family == AF_INET || addr->sa_family == AF_INET6) &&
      getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &tl) == 0 && type == SOCK_STREAM) {
    {
      std::lock_guard lock(ip::mu);
      ip::sockets.push_back(fd);
    }
    ++ip::tcp_connects;
    if (ip::on_connect) ip::on_connect();
  }
  return real(fd, addr, len);
}

extern "C" int getaddrinfo(const char* node, const char* service, const addrinfo* hints, addrinfo** res) {
  using fn = int (*)(const char*, const char*, const addrinfo*, addrinfo**);
  static fn real = reinterpret_cast<fn>(dlsym(RTLD_NEXT, "getaddrinfo"));
  namespace ip = rdpfault::client::interpose;
  if (node) {
    auto it = ip::host_map.find(node);
    if (it != ip::host_map.end()) return real(it->second.c_str(), service, hints, res);
    // Names outside the map never reach a resolver: rdpfault sends nothing beyond loopback,
    // and a DNS query would. Addresses and localhost resolve as usual.
    unsigned char buf[sizeof(in6_addr)];
    const std::string_view n(node);
    if (inet_pton(AF_INET, node, buf) != 1 && inet_pton(AF_INET6, node, buf) != 1 && n != "localhost") {
      return EAI_NONAME;
    }
  }
  return real(node, service, hints, res);
}

// FreeRDP 2.11's connect loop (rdp_client_connect) checks its socket, then Sleep(100)s, round
// after round: every protocol round trip costs up to 100 ms, ~0.5 s per connection. This
// Sleep wakes as soon as FreeRDP's current socket is readable, which is what the sleep waits
// for. FreeRDP counts its activation budget (TcpAckTimeout) in iterations of 100 ms, so an
// early wake spends 100 ms of budget in less time: early wakes are capped per run, which
// bounds that drift (20 x 100 ms) while a normal connection needs about 6. Silence, which is
// what the slow scenarios measure, sleeps the full time as before.
extern "C" VOID Sleep(DWORD ms) {
  using fn = VOID (*)(DWORD);
  static fn real = reinterpret_cast<fn>(dlsym(RTLD_NEXT, "Sleep"));
  namespace ip = rdpfault::client::interpose;
  constexpr int kMaxEarlyWakes = 20;
  int fd = -1;
  {
    std::lock_guard lock(ip::mu);
    if (!ip::sockets.empty()) fd = ip::sockets.back();
  }
  if (fd < 0 || ms == 0 || ms > 1000 || ip::early_wakes.load() >= kMaxEarlyWakes) {
    real(ms);
    return;
  }
  const auto start = std::chrono::steady_clock::now();
  pollfd p{fd, POLLIN, 0};
  if (::poll(&p, 1, static_cast<int>(ms)) == 1 && (p.revents & POLLIN) && !(p.revents & (POLLNVAL | POLLERR))) {
    ++ip::early_wakes;
    return;
  }
  const auto spent = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
  if (spent.count() < static_cast<long long>(ms)) real(static_cast<DWORD>(ms - spent.count()));
}

int main() {
  // Never outlive the process that started us (a killed `rdpfault run`): the kernel kills us
  // with it. If it is already gone (we were reparented before this line), leave now.
  const pid_t parent = getppid();
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (getppid() != parent || parent == 1) return 3;
  std::string input((std::istreambuf_iterator<char>(std::cin)), std::istreambuf_iterator<char>());
  rdpfault::ConnectRequest request;
  try {
    request = rdpfault::connect_request_from_json(nlohmann::json::parse(input));
  } catch (const std::exception& e) {
    std::cerr << "rdpfault-driver: bad request: " << e.what() << "\n";
    return 2;
  }
  return rdpfault::client::drive(request);
}
