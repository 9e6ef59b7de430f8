#pragma once
/// The server side of the RDP connection sequence as a state machine with no I/O.
///
/// The session feeds it one complete frame at a time (see pdu::frame_size) and writes out
/// whatever `step` returns. TLS is the session's job: when `step` answers
/// Directive::start_tls the session runs the handshake and then calls `security_upgraded()`.
///
///   connection_initiation  X.224 CR            -> CC (RDP_NEG_RSP / RDP_NEG_FAILURE)
///   security_upgrade       (TLS, by the session)
///   basic_settings_exchange MCS Connect-Initial -> Connect-Response
///   channel_connection     Erect Domain, Attach User -> Confirm, Channel Join -> Confirm (each)
///   secure_settings_exchange Client Info
///   licensing              -> License Error "valid client"
///   capabilities_exchange  -> Demand Active;  Confirm Active
///   finalization           Sync, Cooperate, RequestControl -> Sync, Cooperate, Granted;
///                          Font List -> Font Map
///   active                 -> a bitmap update; input is read and ignored; refresh rect repaints
///
/// Invariant: nothing here does I/O, reads a clock, or includes Asio or OpenSSL.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "rdpfault/pdu/cursor.hpp"
#include "rdpfault/pdu/mcs.hpp"
#include "rdpfault/scenario/phase.hpp"
#include "rdpfault/scenario/scenario.hpp"

namespace rdpfault::acceptor {

/// Receives what the acceptor observes, for the trace. Called synchronously from `step`.
class EventSink {
 public:
  virtual ~EventSink() = default;
  /// `kind` is one of: phase, pdu_in, pdu_out, x224_request, negotiation, client_data,
  /// client_info, note. `data` never contains a password.
  virtual void event(std::string_view kind, nlohmann::json data) = 0;
};

/// A sink that drops everything (tests, fuzzing).
class NullSink final : public EventSink {
 public:
  void event(std::string_view, nlohmann::json) override {}
};

struct AcceptorConfig {
  bool allow_rdp = true;   ///< Standard RDP Security, with encryption level NONE (FreeRDP accepts this).
  bool allow_tls = true;   ///< PROTOCOL_SSL.
  bool allow_nla = false;  ///< PROTOCOL_HYBRID (CredSSP); not implemented yet.
  std::uint8_t neg_rsp_flags = 0x01;  ///< EXTENDED_CLIENT_DATA_SUPPORTED.
  std::uint16_t user_id = 1007;
  std::uint16_t io_channel = 1003;
  std::uint16_t bits_per_pixel = 16;
  bool paint = true;  ///< Send a bitmap update once the session is active.

  /// A server without a certificate answers TLS requests with SSL_CERT_NOT_ON_SERVER.
  bool has_certificate = true;
  /// Answers every Connection Request with RDP_NEG_FAILURE of this code.
  std::optional<std::uint32_t> force_failure;
  /// Selects this protocol (pdu::Protocols), whatever the client offered.
  std::optional<std::uint32_t> force_selected;
  /// Faults at the server's PDUs (see scenario::Fault). The acceptor acts on those of the
  /// phases it speaks in; security_upgrade and active faults belong to the session.
  std::vector<scenario::Fault> faults;
  /// Asked when a client logs on (Client Info); an ERRINFO code refuses the logon with a
  /// Set Error Info PDU and a disconnect. Null: every logon is admitted.
  std::function<std::optional<std::uint32_t>(const std::string& user)> admit_logon;
};

enum class Directive {
  none,       ///< Write `out` (if any) and read the next frame.
  start_tls,  ///< Write `out`, then run the TLS server handshake, then call security_upgraded().
  close,      ///< Write `out`, then close the connection (FIN); `reason` says why.
  reset,      ///< Write `out`, then reset the connection (RST); `reason` says why.
  stall,      ///< Write `out`, then answer nothing more: read and discard until the client leaves.
};

/// Output that a delay fault holds back: wait `delay_ms`, then write `bytes`.
struct DelayedOutput {
  int delay_ms = 0;
  pdu::Bytes bytes;
};

struct StepResult {
  pdu::Bytes out;                    ///< Written first, at once.
  std::vector<DelayedOutput> later;  ///< Then each of these, in order, after its delay.
  Directive directive = Directive::none;
  std::string reason;
};

class Acceptor {
 public:
  Acceptor(AcceptorConfig config, EventSink& sink);

  Phase phase() const noexcept { return phase_; }
  /// The protocol chosen in the X.224 exchange (pdu::Protocols), once chosen.
  std::uint32_t selected_protocol() const noexcept { return selected_; }

  /// Consumes one complete frame. A malformed or unexpected PDU is an error naming the PDU
  /// and the field; the acceptor is then finished and must not be stepped again.
  pdu::DecodeResult<StepResult> step(pdu::ByteView frame);

  /// The TLS handshake the last step asked for has completed. With PROTOCOL_HYBRID the
  /// acceptor is then in credssp, which the session runs (it needs WinPR), and reports with
  /// credssp_completed().
  void security_upgraded();
  /// CredSSP authenticated the client: on to the MCS Connect-Initial.
  void credssp_completed();

  /// Called once when the connection begins (emits the first phase event).
  void start();

  /// The server ends an active session on its own (idle timeout, replaced by another
  /// logon, admin action): Set Error Info `error_info` (none when 0), then Disconnect Provider
  /// Ultimatum. The acceptor is finished afterwards.
  pdu::Bytes server_disconnect(std::uint32_t error_info);

 private:
  pdu::DecodeResult<StepResult> on_connection_request(pdu::ByteView frame);
  pdu::DecodeResult<StepResult> on_connect_initial(pdu::ByteView frame);
  pdu::DecodeResult<StepResult> on_domain_pdu(pdu::ByteView frame);
  pdu::DecodeResult<StepResult> on_send_data(pdu::ByteView frame);
  pdu::DecodeResult<StepResult> on_client_info(pdu::ByteView payload);
  pdu::DecodeResult<StepResult> on_share_control(pdu::ByteView payload);
  void enter(Phase p);
  void send(StepResult& r, pdu::Bytes frame, std::string_view name);
  void send_share(StepResult& r, const pdu::Bytes& payload, std::string_view name);
  void paint(StepResult& r);
  /// Applies the first unfired fault of the current phase to `r`; false when output must stop.
  bool apply_fault(StepResult& r);
  pdu::Bytes server_disconnect_bytes(std::uint32_t error_info) const;

  AcceptorConfig config_;
  EventSink& sink_;
  Phase phase_ = Phase::connection_initiation;
  std::uint32_t requested_ = 0;
  std::uint32_t selected_ = 0;
  pdu::ClientData client_;
  std::vector<std::uint16_t> channel_ids_;   ///< Static channel ids, in CS_NET order.
  std::vector<std::uint16_t> joined_;
  bool attached_ = false;
  std::uint32_t share_id_ = 0x000103EA;
  bool granted_ = false;
  bool finished_ = false;
  std::vector<bool> fired_;  ///< Per config_.faults entry.
  bool halted_ = false;      ///< A fault ended this step's output.
};

}  // namespace rdpfault::acceptor
