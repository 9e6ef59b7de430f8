#pragma once
// The server's shared state, seen by the listener (server.cpp) and the sessions
// (session.cpp). Everything here is touched on the I/O thread only, except the atomics.
#include <time.h>

#include <atomic>
#include <future>
#include <map>
#include <memory>
#include <thread>
#include <unordered_map>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>

#include "rdpfault/fakeserver/server.hpp"

namespace rdpfault::fakeserver {

class Session;

struct Server::Impl {
  ServerConfig config;
  std::shared_ptr<const ServerCertificates> certs;
  std::unique_ptr<boost::asio::ssl::context> tls;
  boost::asio::io_context io{1};
  boost::asio::ip::tcp::acceptor listener{io};
  std::thread thread;
  std::future<void> thread_exited;
  std::uint16_t port = 0;
  std::atomic<std::uint64_t> accepted{0};
  std::atomic<std::size_t> open{0};
  std::atomic<std::size_t> pending{0};  // Open sessions not yet active.
  clockid_t thread_clock{};
  std::atomic<bool> have_clock{false};
  std::unordered_map<std::uint64_t, std::weak_ptr<Session>> sessions;
  std::shared_ptr<TraceSink> trace;
  bool started = false;
  std::map<std::uint64_t, std::string> logons;  // Session id -> user.
  std::vector<std::uint8_t> public_key;          // The leaf's SubjectPublicKey, for CredSSP.
  std::atomic<std::size_t> logged_on{0};

  boost::asio::awaitable<void> accept_loop();
  /// Starts the session (and, when the connection has stream faults, its link).
  void serve(boost::asio::ip::tcp::socket socket, std::uint64_t id);
  /// Session `id` logs on as `user`: nullopt admits it, an ERRINFO code refuses it.
  std::optional<std::uint32_t> admit(std::uint64_t id, const std::string& user);
  void logoff(std::uint64_t id) {
    logons.erase(id);
    logged_on = logons.size();
  }
  void record(TraceEvent e) { trace->record(e); }
};

}  // namespace rdpfault::fakeserver
