#pragma once
// The driver process's body: one FreeRDP connection attempt, results on stdout.
#include <atomic>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "rdpfault/scenario/connect.hpp"

namespace rdpfault::client {

namespace interpose {
extern std::mutex mu;
extern std::vector<int> sockets;
extern std::atomic<int> tcp_connects;
extern std::atomic<int> early_wakes;  // Early returns of the interposed Sleep (driver_main.cpp).
extern std::map<std::string, std::string> host_map;
extern std::function<void()> on_connect;
}  // namespace interpose

/// Runs the attempt and prints phase lines and the result line. Returns the exit status.
int drive(const ConnectRequest& request);

}  // namespace rdpfault::client
