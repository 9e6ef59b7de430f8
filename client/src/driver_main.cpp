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
#include <sys/socket.h>

#include <atomic>
#include <iostream>
#include <iterator>
#include <mutex>
#include <string>

#include <nlohmann/json.hpp>

#include "driver.hpp"

namespace rdpfault::client::interpose {
std::mutex mu;
std::vector<int> sockets;
std::atomic<int> tcp_connects{0};
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

int main() {
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
