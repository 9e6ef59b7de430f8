#pragma once
// A light RDP client for the concurrency benchmark: it speaks just enough of the client side
// (X.224, TLS, MCS, Client Info, Confirm Active, finalization) to bring a session to active,
// then holds it open. Built on Asio + OpenSSL, thousands of sessions in one thread.
#include <cstdint>
#include <string>

namespace rdpfault::bench {

struct LightClientResult {
  int active = 0;   ///< Sessions that reached active (the server's Font Map and paint arrived).
  int failed = 0;
  std::string first_error;
};

/// Opens `sessions` connections to 127.0.0.1:`port`, `parallel` handshakes at a time, brings each
/// to active, then calls `while_idle()` with all of them open, then closes them.
LightClientResult run_light_clients(std::uint16_t port, int sessions, int parallel, void (*while_idle)(void*), void* arg);

}  // namespace rdpfault::bench
