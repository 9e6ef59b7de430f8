#include "rdpfault/acceptor/acceptor.hpp"

#include <algorithm>

#include "rdpfault/acceptor/banner.hpp"
#include "rdpfault/pdu/rdp.hpp"
#include "rdpfault/pdu/x224.hpp"

namespace rdpfault::acceptor {

using pdu::Bytes;
using pdu::ByteView;
using pdu::DecodeError;
using pdu::DecodeResult;
using pdu::PduErrc;

namespace {

DecodeError unexpected(std::string_view pdu, Phase phase, std::string what) {
  DecodeError e;
  e.code = PduErrc::unexpected_type;
  e.pdu = pdu;
  e.field = "type";
  e.reason = what + " in phase " + std::string(to_string(phase));
  return e;
}

}  // namespace

Acceptor::Acceptor(AcceptorConfig config, EventSink& sink, faults::ConnectionFaults* faults)
    : config_(std::move(config)), sink_(sink), faults_(faults) {}

StepResult Acceptor::start() {
  StepResult r;
  r.steps.push_back(Enter{phase_});
  return r;
}

void Acceptor::enter(StepResult& r, Phase p) {
  if (p == phase_ || halted_) return;  // After a fault ends it, the connection stays where it broke.
  phase_ = p;
  r.steps.push_back(Enter{p});
}

void Acceptor::send(StepResult& r, Bytes frame, std::string_view name) {
  if (halted_) return;
  if (faults_ && std::find(spoken_.begin(), spoken_.end(), phase_) == spoken_.end()) {
    spoken_.push_back(phase_);
    for (const auto& due : faults_->take(faults::Hook::server_pdu, phase_)) apply(r, due);
    if (halted_) return;
  }
  r.steps.push_back(Emit{name, std::move(frame)});
}

void Acceptor::apply(StepResult& r, const faults::Due& due) {
  r.steps.push_back(Fire{due});
  for (auto& action : due.fault->unit->actions()) {
    if (const auto* e = std::get_if<faults::SendErrorInfo>(&action)) {
      r.steps.push_back(Emit{"set error info + disconnect provider ultimatum", server_disconnect_bytes(e->code)});
    } else if (std::holds_alternative<faults::SendUltimatum>(action)) {
      r.steps.push_back(Emit{"mcs disconnect provider ultimatum", pdu::encode_disconnect_provider_ultimatum(1)});
    } else if (const auto* l = std::get_if<faults::SendLicenseError>(&action)) {
      pdu::LicenseErrorMessage m;
      m.error_code = l->code;
      m.state_transition = l->state;
      r.steps.push_back(Emit{"license error alert", pdu::encode_send_data_indication(1002, config_.io_channel, m.encode())});
    } else {
      const bool end = faults::is_terminal(action);
      r.steps.push_back(action);
      if (end) {
        halted_ = true;
        finished_ = true;
        return;
      }
    }
  }
}

StepResult Acceptor::at_hook(faults::Hook hook) {
  StepResult r;
  if (!faults_ || halted_) return r;
  for (const auto& due : faults_->take(hook, phase_)) apply(r, due);
  return r;
}

StepResult Acceptor::fire(const faults::Due& due) {
  StepResult r;
  if (halted_) return r;
  if (faults_) faults_->fired(due.index);
  apply(r, due);
  return r;
}

Bytes Acceptor::server_disconnect_bytes(std::uint32_t error_info) const {
  Bytes b;
  if (error_info != 0) {
    b = pdu::encode_send_data_indication(
        1002, config_.io_channel,
        pdu::encode_data_pdu(pdu::PduType2::set_error_info, pdu::set_error_info_body(error_info), share_id_, 1002));
  }
  // Reason 1 = rn-provider-initiated (T.125 Reason): the server ends the domain.
  auto u = pdu::encode_disconnect_provider_ultimatum(1);
  b.insert(b.end(), u.begin(), u.end());
  return b;
}

StepResult Acceptor::server_disconnect(std::uint32_t error_info, std::string reason) {
  StepResult r;
  if (halted_) return r;
  r.steps.push_back(Emit{error_info ? "set error info + disconnect provider ultimatum" : "mcs disconnect provider ultimatum",
                         server_disconnect_bytes(error_info)});
  r.directive = Directive::close;
  r.reason = std::move(reason);
  halted_ = true;
  finished_ = true;
  return r;
}

void Acceptor::send_share(StepResult& r, const Bytes& payload, std::string_view name) {
  send(r, pdu::encode_send_data_indication(1002, config_.io_channel, payload), name);
}

DecodeResult<StepResult> Acceptor::step(ByteView frame) {
  if (finished_) {
    DecodeError e;
    e.code = PduErrc::unexpected_type;
    e.pdu = "connection";
    e.reason = "data after the connection was finished";
    return e;
  }
  auto r = [&]() -> DecodeResult<StepResult> {
    // Fast-path input ([MS-RDPBCGR 2.2.8.1.2]): only meaningful once active; ignored then.
    if (!frame.empty() && (frame[0] & 0x03) == 0) {
      if (phase_ != Phase::active) return unexpected("fast-path input", phase_, "fast-path PDU");
      sink_.event("pdu_in", {{"pdu", "fast-path input"}, {"size", frame.size()}});
      return StepResult{};
    }
    switch (phase_) {
      case Phase::connection_initiation: return on_connection_request(frame);
      case Phase::basic_settings_exchange: return on_connect_initial(frame);
      case Phase::security_upgrade:
      case Phase::credssp:
      case Phase::tcp_connect:
        return unexpected("frame", phase_, "RDP frame before the security layer is up");
      default: return on_domain_pdu(frame);
    }
  }();
  if (!r) {
    finished_ = true;
  } else if (r->directive == Directive::close) {
    finished_ = true;
  }
  return r;
}

DecodeResult<StepResult> Acceptor::on_connection_request(ByteView frame) {
  auto cr = pdu::ConnectionRequest::decode(frame);
  if (!cr) return cr.error();
  sink_.event("pdu_in", {{"pdu", pdu::ConnectionRequest::kName}, {"size", frame.size()}});
  nlohmann::json req = {{"cookie", cr->cookie}, {"neg_req", cr->has_neg_req}};
  if (!cr->routing_token.empty()) req["routing_token"] = cr->routing_token;
  if (cr->has_neg_req) {
    req["requested_protocols"] = cr->requested_protocols;
    req["requested"] = pdu::protocols_to_string(cr->requested_protocols);
    req["flags"] = cr->neg_flags;
  }
  sink_.event("x224_request", std::move(req));

  requested_ = cr->has_neg_req ? cr->requested_protocols : 0;
  pdu::ConnectionConfirm cc;
  // Selection as a Windows server does it ([MS-RDPBCGR 3.3.5.3.1]): the strongest protocol
  // both sides allow; otherwise the failure code that tells the client what is missing.
  const bool offers_hybrid = (requested_ & pdu::Protocols::hybrid) != 0;
  const bool offers_ssl = (requested_ & pdu::Protocols::ssl) != 0;
  std::uint32_t failure = 0;
  if (config_.force_failure) {
    failure = *config_.force_failure;
  } else if (config_.force_selected) {
    selected_ = *config_.force_selected;
  } else if (!config_.has_certificate && (offers_ssl || offers_hybrid) && (config_.allow_tls || config_.allow_nla)) {
    // Windows with no usable certificate cannot start TLS for anyone.
    failure = pdu::FailureCode::ssl_cert_not_on_server;
  } else if (config_.allow_nla && offers_hybrid) {
    selected_ = pdu::Protocols::hybrid;
  } else if (config_.allow_tls && offers_ssl) {
    selected_ = pdu::Protocols::ssl;
  } else if (!config_.allow_rdp && !config_.allow_tls && config_.allow_nla) {
    failure = pdu::FailureCode::hybrid_required_by_server;
  } else if ((offers_ssl || offers_hybrid) && !config_.allow_tls && !config_.allow_nla) {
    failure = pdu::FailureCode::ssl_not_allowed_by_server;
  } else if (config_.allow_rdp) {
    selected_ = pdu::Protocols::rdp;
  } else {
    failure = pdu::FailureCode::ssl_required_by_server;
  }

  StepResult r;
  if (failure != 0) {
    cc.kind = pdu::ConnectionConfirm::Kind::failure;
    cc.failure.value = failure;
    sink_.event("negotiation", {{"result", "failure"}, {"failure_code", failure}, {"failure", cc.failure.name()}});
    send(r, cc.encode(), "x224 connection confirm (rdp_neg_failure)");
    if (halted_) return r;
    r.directive = Directive::close;
    r.reason = "negotiation failure " + std::string(cc.failure.name());
    return r;
  }
  if (!cr->has_neg_req) {
    cc.kind = pdu::ConnectionConfirm::Kind::legacy;
  } else {
    cc.kind = pdu::ConnectionConfirm::Kind::response;
    cc.flags = config_.neg_rsp_flags;
    cc.selected_protocol = selected_;
  }
  sink_.event("negotiation", {{"result", "selected"},
                              {"selected_protocol", selected_},
                              {"selected", pdu::protocols_to_string(selected_)}});
  send(r, cc.encode(), "x224 connection confirm");
  if (halted_) return r;
  if (selected_ == pdu::Protocols::rdp) {
    enter(r, Phase::basic_settings_exchange);
  } else {
    enter(r, Phase::security_upgrade);
    r.directive = Directive::start_tls;
  }
  return r;
}

StepResult Acceptor::security_upgraded() {
  StepResult r;
  if (phase_ == Phase::security_upgrade) {
    enter(r, selected_ == pdu::Protocols::hybrid ? Phase::credssp : Phase::basic_settings_exchange);
  }
  return r;
}

StepResult Acceptor::credssp_completed() {
  StepResult r;
  if (phase_ == Phase::credssp) enter(r, Phase::basic_settings_exchange);
  return r;
}

DecodeResult<StepResult> Acceptor::on_connect_initial(ByteView frame) {
  auto ci = pdu::McsConnectInitial::decode(frame);
  if (!ci) return ci.error();
  sink_.event("pdu_in", {{"pdu", pdu::McsConnectInitial::kName}, {"size", frame.size()}});
  client_ = ci->client;
  const auto& core = *client_.core;
  nlohmann::json channels = nlohmann::json::array();
  for (const auto& ch : client_.channels) channels.push_back(ch.name);
  sink_.event("client_data", {{"client_name", core.client_name},
                              {"client_build", core.client_build},
                              {"desktop", std::to_string(core.desktop_width) + "x" + std::to_string(core.desktop_height)},
                              {"color_depth", core.high_color_depth},
                              {"early_capability_flags", core.early_capability_flags},
                              {"channels", channels},
                              {"unknown_blocks", client_.unknown_blocks}});
  if (core.server_selected_protocol && *core.server_selected_protocol != selected_) {
    // Windows disconnects here; the client is lying about what was negotiated.
    DecodeError e;
    e.code = PduErrc::invalid_field;
    e.pdu = pdu::McsConnectInitial::kName;
    e.field = "CS_CORE.serverSelectedProtocol";
    e.reason = "client says " + pdu::protocols_to_string(*core.server_selected_protocol) + ", negotiated " +
               pdu::protocols_to_string(selected_);
    return e;
  }
  pdu::McsConnectResponse resp;
  resp.client_requested_protocols = requested_;
  resp.io_channel = config_.io_channel;
  channel_ids_.clear();
  for (std::size_t i = 0; i < client_.channels.size(); ++i) {
    // rdesktop ignores SC_NET and assumes 1004, 1005, ... in CS_NET order; so does FreeRDP's joins.
    channel_ids_.push_back(static_cast<std::uint16_t>(config_.io_channel + 1 + i));
  }
  resp.channel_ids = channel_ids_;
  StepResult r;
  send(r, resp.encode(), pdu::McsConnectResponse::kName);
  enter(r, Phase::channel_connection);
  return r;
}

DecodeResult<StepResult> Acceptor::on_domain_pdu(ByteView frame) {
  if (frame.size() >= 7 && frame[0] == 0x03 && (frame[5] & 0xF0) == 0x80) {
    // X.224 Disconnect Request from the client.
    sink_.event("pdu_in", {{"pdu", "x224 disconnect request"}, {"size", frame.size()}});
    StepResult r;
    r.directive = Directive::close;
    r.reason = "client sent x224 disconnect request";
    return r;
  }
  auto choice = pdu::peek_domain_pdu(frame);
  if (!choice) return choice.error();
  StepResult r;
  switch (*choice) {
    case pdu::DomainPdu::erect_domain_request: {
      if (phase_ != Phase::channel_connection) return unexpected("mcs erect domain request", phase_, "erect domain");
      auto e = pdu::ErectDomainRequest::decode(frame);
      if (!e) return e.error();
      sink_.event("pdu_in", {{"pdu", pdu::ErectDomainRequest::kName}, {"size", frame.size()}});
      return r;
    }
    case pdu::DomainPdu::attach_user_request: {
      if (phase_ != Phase::channel_connection) return unexpected("mcs attach user request", phase_, "attach user");
      auto a = pdu::AttachUserRequest::decode(frame);
      if (!a) return a.error();
      sink_.event("pdu_in", {{"pdu", pdu::AttachUserRequest::kName}, {"size", frame.size()}});
      attached_ = true;
      pdu::AttachUserConfirm auc;
      auc.user_id = config_.user_id;
      send(r, auc.encode(), pdu::AttachUserConfirm::kName);
      return r;
    }
    case pdu::DomainPdu::channel_join_request: {
      if (phase_ != Phase::channel_connection || !attached_) {
        return unexpected("mcs channel join request", phase_, "channel join before attach user");
      }
      auto j = pdu::ChannelJoinRequest::decode(frame);
      if (!j) return j.error();
      sink_.event("pdu_in", {{"pdu", pdu::ChannelJoinRequest::kName}, {"size", frame.size()}, {"channel", j->channel_id}});
      const bool known = j->channel_id == config_.user_id || j->channel_id == config_.io_channel ||
                         std::find(channel_ids_.begin(), channel_ids_.end(), j->channel_id) != channel_ids_.end();
      pdu::ChannelJoinConfirm cjc;
      cjc.result = known ? 0 : 3;  // rt-successful / rt-no-such-channel
      cjc.user_id = config_.user_id;
      cjc.requested = j->channel_id;
      cjc.channel_id = j->channel_id;
      send(r, cjc.encode(), pdu::ChannelJoinConfirm::kName);
      if (known) joined_.push_back(j->channel_id);
      if (joined_.size() == channel_ids_.size() + 2) enter(r, Phase::secure_settings_exchange);
      return r;
    }
    case pdu::DomainPdu::send_data_request:
      return on_send_data(frame);
    case pdu::DomainPdu::disconnect_provider_ultimatum:
      sink_.event("pdu_in", {{"pdu", "mcs disconnect provider ultimatum"}, {"size", frame.size()}});
      r.directive = Directive::close;
      r.reason = "client sent disconnect provider ultimatum";
      return r;
    default:
      return unexpected("mcs domain pdu", phase_, "domain PDU choice " + std::to_string(static_cast<int>(*choice)));
  }
}

DecodeResult<StepResult> Acceptor::on_send_data(ByteView frame) {
  auto sd = pdu::SendDataRequest::decode(frame);
  if (!sd) return sd.error();
  if (sd->channel_id != config_.io_channel) {
    // Static virtual channel traffic: counted, not interpreted.
    sink_.event("pdu_in", {{"pdu", "virtual channel data"}, {"size", frame.size()}, {"channel", sd->channel_id}});
    return StepResult{};
  }
  if (phase_ == Phase::secure_settings_exchange) return on_client_info(sd->data);
  if (phase_ == Phase::channel_connection) {
    // [MS-RDPBCGR 1.3.1.1]: the Client Info follows the channel joins; skipping them is a
    // protocol error (Windows drops such a client), not a shortcut to the session.
    return unexpected(pdu::ClientInfo::kName, phase_,
                      attached_ ? "client info before every channel was joined (" + std::to_string(joined_.size()) + " of " +
                                      std::to_string(channel_ids_.size() + 2) + ")"
                                : "client info before erect domain, attach user and the channel joins");
  }
  if (phase_ == Phase::capabilities_exchange || phase_ == Phase::finalization || phase_ == Phase::active) {
    return on_share_control(sd->data);
  }
  return unexpected("mcs send data request", phase_, "send data");
}

DecodeResult<StepResult> Acceptor::on_client_info(ByteView payload) {
  auto info = pdu::ClientInfo::decode(payload);
  if (!info) return info.error();
  StepResult r;
  enter(r, Phase::secure_settings_exchange);
  sink_.event("pdu_in", {{"pdu", pdu::ClientInfo::kName}, {"size", payload.size()}});
  sink_.event("client_info", {{"user", info->user_name},
                              {"domain", info->domain},
                              {"password_present", info->password_present},
                              {"flags", info->flags}});
  enter(r, Phase::licensing);
  if (config_.admit_logon) {
    if (auto refused = config_.admit_logon(info->user_name)) {
      sink_.event("logon", {{"user", info->user_name}, {"result", "refused"}, {"error_info", *refused}});
      auto end = server_disconnect(*refused, "logon refused with error info " + std::to_string(*refused));
      for (auto& st : end.steps) r.steps.push_back(std::move(st));
      r.directive = end.directive;
      r.reason = std::move(end.reason);
      return r;
    }
    sink_.event("logon", {{"user", info->user_name}, {"result", "admitted"}});
  }
  send_share(r, pdu::LicenseErrorMessage{}.encode(), "license error alert (valid client)");
  if (halted_) return r;
  enter(r, Phase::capabilities_exchange);
  pdu::DemandActive da;
  da.share_id = share_id_;
  da.desktop_width = client_.core->desktop_width;
  da.desktop_height = client_.core->desktop_height;
  da.bits_per_pixel = config_.bits_per_pixel;
  send_share(r, da.encode(), pdu::DemandActive::kName);
  return r;
}

DecodeResult<StepResult> Acceptor::on_share_control(ByteView payload) {
  auto pdus = pdu::decode_share_control_pdus(payload);
  if (!pdus) return pdus.error();
  StepResult r;
  bool repaint = false;
  for (const auto& p : *pdus) {
    if (p.pdu_type == pdu::PduType::confirm_active) {
      auto ca = pdu::ConfirmActive::decode(p.body);
      if (!ca) return ca.error();
      sink_.event("pdu_in", {{"pdu", pdu::ConfirmActive::kName},
                             {"size", p.body.size() + 6},
                             {"source_descriptor", ca->source_descriptor},
                             {"capability_sets", ca->capability_types.size()}});
      if (ca->share_id != share_id_) {
        DecodeError e;
        e.code = PduErrc::invalid_field;
        e.pdu = pdu::ConfirmActive::kName;
        e.field = "shareId";
        e.reason = "does not echo the Demand Active shareId";
        return e;
      }
      enter(r, Phase::finalization);
      continue;
    }
    if (p.pdu_type != pdu::PduType::data) {
      return unexpected("share control", phase_, "pduType " + std::to_string(p.pdu_type));
    }
    if (phase_ == Phase::capabilities_exchange) {
      return unexpected("data pdu", phase_, "data PDU before Confirm Active");
    }
    const auto name = pdu::pdu_type2_name(p.pdu_type2);
    sink_.event("pdu_in", {{"pdu", name}, {"size", p.body.size() + 18}});
    switch (p.pdu_type2) {
      case pdu::PduType2::control: {
        auto ctl = pdu::ControlPdu::decode(p.body);
        if (!ctl) return ctl.error();
        if (ctl->action == 1 /* request control */) {
          // Answer right away: rdesktop sends its Font List only after three server PDUs.
          send_share(r, pdu::encode_data_pdu(pdu::PduType2::synchronize, pdu::synchronize_body(config_.user_id), share_id_, 1002),
                     "synchronize");
          send_share(r, pdu::encode_data_pdu(pdu::PduType2::control, pdu::control_body(4, 0, 0), share_id_, 1002),
                     "control (cooperate)");
          send_share(r,
                     pdu::encode_data_pdu(pdu::PduType2::control, pdu::control_body(2, config_.user_id, 1002), share_id_, 1002),
                     "control (granted)");
          granted_ = true;
        }
        break;
      }
      case pdu::PduType2::font_list:
        send_share(r, pdu::encode_data_pdu(pdu::PduType2::font_map, pdu::font_map_body(), share_id_, 1002), "font map");
        if (phase_ != Phase::active) {
          enter(r, Phase::active);
          if (config_.paint) paint(r);
        }
        break;
      case pdu::PduType2::refresh_rect:
        // Painted once after the frame, however many Refresh Rects it carries: one input frame
        // must not turn into megabytes of output.
        repaint = repaint || (phase_ == Phase::active && config_.paint);
        break;
      case pdu::PduType2::shutdown_request:
        // The user closed the client window: log off, as a server with no session to keep does.
        send(r, pdu::encode_disconnect_provider_ultimatum(3), "mcs disconnect provider ultimatum");
        r.directive = Directive::close;
        r.reason = "client requested shutdown";
        return r;
      default:
        break;  // Synchronize, input, suppress output, persistent keys...: nothing to answer.
    }
  }
  if (repaint) paint(r);
  return r;
}

void Acceptor::paint(StepResult& r) {
  for (auto& rects : banner_tiles(client_.core->desktop_width, client_.core->desktop_height)) {
    send_share(r, pdu::encode_data_pdu(pdu::PduType2::update, pdu::bitmap_update_body(rects), share_id_, 1002),
               "bitmap update");
  }
}

}  // namespace rdpfault::acceptor
