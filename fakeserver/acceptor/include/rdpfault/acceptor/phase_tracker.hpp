#pragma once
/// The acceptor's passive counterpart, for a proxy: its view of an RDP connection it does not terminate, from the bytes alone: the
/// X.224 exchange in clear, then the TLS record framing (5-byte headers; nothing is
/// decrypted). No I/O, no clock.
///
///   connection_initiation  until the server's X.224 Connection Confirm has passed
///   security_upgrade       the TLS handshake: until the client's Finished (TLS 1.3: its first
///                          encrypted record, since the server already sent encrypted
///                          records) or its first application record (TLS 1.2)
///   credssp..active        after the handshake with NLA selected (inside TLS: not told apart)
///   basic_settings_exchange..active   after the handshake with TLS, or after the Confirm
///                          with Standard RDP Security
///
/// `observe` splits each chunk where the phase changes, so a stream fault scoped to
/// security_upgrade never touches a byte of the X.224 exchange.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "rdpfault/faults/phase_source.hpp"

namespace rdpfault::acceptor {

class PhaseTracker final : public faults::PhaseSource {
 public:
  /// Receives what the tracker learns: x224_request, negotiation, phase, protocol_error.
  using Events = std::function<void(std::string kind, nlohmann::json data)>;
  explicit PhaseTracker(Events events = {});

  std::vector<Piece> observe(faults::Direction dir, std::span<const std::uint8_t> bytes) override;
  faults::PhaseRange current() const override { return phase_; }

 private:
  struct Framer {               // One direction's parsing state.
    std::vector<std::uint8_t> head;  // X.224: the TPKT so far; TLS: the record header so far.
    std::size_t skip = 0;            // TLS: record body bytes still to pass.
    std::uint8_t type = 0;           // TLS: type of the record being passed.
    std::uint64_t records = 0;
    std::uint64_t app_records = 0;   // Records of type 23 (application_data).
  };
  /// Consumes bytes of `dir` up to the next phase change; returns how many.
  std::size_t step(faults::Direction dir, std::span<const std::uint8_t> bytes);
  void set_phase(faults::PhaseRange p);
  void on_request(std::span<const std::uint8_t> frame);
  void on_confirm(std::span<const std::uint8_t> frame);

  Events events_;
  faults::PhaseRange phase_ = faults::PhaseRange::exactly(Phase::connection_initiation);
  faults::PhaseRange after_tls_ = {Phase::basic_settings_exchange, Phase::active};
  Framer dir_[2];
  bool tls13_ = false;        // The server sent encrypted records before the client did.
  bool finish_after_record_ = false;  // The client's current record is its TLS 1.3 Finished.
};

}  // namespace rdpfault::acceptor
