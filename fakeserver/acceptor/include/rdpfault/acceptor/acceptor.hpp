#pragma once
/// The server side of the RDP connection sequence as a state machine with no I/O.
///
/// The session feeds it one complete frame at a time (see pdu::frame_size) and carries out
/// the steps `step` returns, in order: enter a phase (trace it), a fault fires (trace it),
/// write a PDU (trace it when it leaves), or a fault's action (wait, close, stall). TLS is
/// the session's job: when `step` answers Directive::start_tls the session runs the
/// handshake and then calls `security_upgraded()`.
///
/// Faults at the server's PDUs: before the first PDU the server sends in a phase, every
/// fault of the connection placed there (faults::Hook::server_pdu) fires in file order; its
/// actions become steps, with the PDUs they send encoded here (Set Error Info, Disconnect
/// Provider Ultimatum, Licensing Error). After an action that ends the connection nothing
/// more is emitted.
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
///   (credssp, between security_upgrade and basic_settings_exchange, is the session's: it
///   needs WinPR; the acceptor is told when it is done)
///
/// Invariant: nothing here does I/O, reads a clock, or includes Asio or OpenSSL.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "rdpfault/faults/connection.hpp"
#include "rdpfault/pdu/cursor.hpp"
#include "rdpfault/pdu/mcs.hpp"
#include "rdpfault/scenario/phase.hpp"

namespace rdpfault::acceptor {

/// Receives what the acceptor observes, for the trace. Called synchronously from `step`.
class EventSink {
 public:
  virtual ~EventSink() = default;
  /// `kind` is one of: pdu_in, x224_request, negotiation, client_data, client_info, logon.
  /// (Phases, faults and pdu_out are steps: the session traces them when they happen.)
  /// `data` never contains a password.
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
  bool allow_nla = false;  ///< PROTOCOL_HYBRID (CredSSP, run by the session).
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
  /// Asked when a client logs on (Client Info); an ERRINFO code refuses the logon with a
  /// Set Error Info PDU and a disconnect. Null: every logon is admitted.
  std::function<std::optional<std::uint32_t>(const std::string& user)> admit_logon;
};

enum class Directive {
  none,       ///< Carry out the steps and read the next frame.
  start_tls,  ///< Carry out the steps, then run the TLS server handshake, then call security_upgraded().
  close,      ///< Carry out the steps, then close the connection (FIN); `reason` says why.
};

/// The server now waits in `phase` (the trace's `phase` event; a proxy-less link's scope).
struct Enter {
  Phase phase;
};
/// A fault fires here (the trace's `fault` event); its actions follow as further steps.
struct Fire {
  faults::Due due;
};
/// Bytes to write: one PDU (or what a fault sends), named for the trace's `pdu_out`.
struct Emit {
  std::string_view name;
  pdu::Bytes bytes;
};
/// One thing for the session to do. faults::Action carries Wait, Close, Stall, SendTlsAlert
/// (the PDU-sending actions are already Emit steps).
using Step = std::variant<Enter, Fire, Emit, faults::Action>;

struct StepResult {
  std::vector<Step> steps;
  Directive directive = Directive::none;
  std::string reason;
};

class Acceptor {
 public:
  /// `faults` (may be null: no faults) must outlive the acceptor.
  Acceptor(AcceptorConfig config, EventSink& sink, faults::ConnectionFaults* faults = nullptr);

  Phase phase() const noexcept { return phase_; }
  /// The protocol chosen in the X.224 exchange (pdu::Protocols), once chosen.
  std::uint32_t selected_protocol() const noexcept { return selected_; }

  /// Consumes one complete frame. A malformed or unexpected PDU is an error naming the PDU
  /// and the field; the acceptor is then finished and must not be stepped again.
  pdu::DecodeResult<StepResult> step(pdu::ByteView frame);

  /// The TLS handshake the last step asked for has completed. With PROTOCOL_HYBRID the
  /// acceptor is then in credssp, which the session runs (it needs WinPR), and reports with
  /// credssp_completed().
  StepResult security_upgraded();
  /// CredSSP authenticated the client: on to the MCS Connect-Initial.
  StepResult credssp_completed();

  /// Called once when the connection begins (the first phase).
  StepResult start();

  /// The faults waiting at `hook` in the current phase (the session's own hooks: the TLS
  /// handshake and the CredSSP reply), fired now, as steps.
  StepResult at_hook(faults::Hook hook);
  /// One fault fired by the session's clock (the active session's schedule), as steps.
  StepResult fire(const faults::Due& due);

  /// The server ends an active session on its own (replaced by another logon of the same
  /// user): Set Error Info `error_info` (none when 0), then Disconnect Provider Ultimatum,
  /// then close. The acceptor is finished afterwards.
  StepResult server_disconnect(std::uint32_t error_info, std::string reason);

 private:
  pdu::DecodeResult<StepResult> on_connection_request(pdu::ByteView frame);
  pdu::DecodeResult<StepResult> on_connect_initial(pdu::ByteView frame);
  pdu::DecodeResult<StepResult> on_domain_pdu(pdu::ByteView frame);
  pdu::DecodeResult<StepResult> on_send_data(pdu::ByteView frame);
  pdu::DecodeResult<StepResult> on_client_info(pdu::ByteView payload);
  pdu::DecodeResult<StepResult> on_share_control(pdu::ByteView payload);
  void enter(StepResult& r, Phase p);
  void send(StepResult& r, pdu::Bytes frame, std::string_view name);
  void send_share(StepResult& r, const pdu::Bytes& payload, std::string_view name);
  void paint(StepResult& r);
  /// Turns a due fault into steps (PDU-sending actions encoded here); halts on an end.
  void apply(StepResult& r, const faults::Due& due);
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
  faults::ConnectionFaults* faults_ = nullptr;
  std::vector<Phase> spoken_;  ///< Phases in which the server has sent a PDU (faults fire before the first).
  bool halted_ = false;        ///< A fault ended the connection: nothing more is emitted.
};

}  // namespace rdpfault::acceptor
