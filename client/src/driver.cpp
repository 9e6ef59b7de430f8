#include "driver.hpp"

#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <optional>
#include <thread>

#include <freerdp/error.h>
#include <freerdp/event.h>
#include <freerdp/freerdp.h>
#include <freerdp/gdi/gdi.h>
#include <freerdp/primitives.h>
#include <freerdp/settings.h>
#include <freerdp/update.h>
#include <nlohmann/json.hpp>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <winpr/synch.h>
#include <winpr/wlog.h>

#include "classify.hpp"

namespace rdpfault::client {
namespace {

using Clock = std::chrono::steady_clock;
constexpr std::size_t kMaxLogLines = 50;
constexpr std::size_t kMaxLogLine = 300;

class Driver;
Driver* g_driver = nullptr;  // The WLog callback has no user pointer; one driver per process.

/// The GDI's own handlers for what ours watch; ours notice the update, then call these. Null
/// until gdi_init (PostConnect).
struct GdiHandlers {
  pBeginPaint begin_paint;
  pEndPaint end_paint;
  pBitmapUpdate bitmap_update;
  pSurfaceBits surface_bits;
  pDesktopResize desktop_resize;
};

struct DriverContext {
  rdpContext base;
  Driver* driver;
  GdiHandlers gdi;  // FreeRDP allocates the context zeroed.
  /// FreeRDP's own pointer handlers, set aside until PostConnect (see hold_pointer_updates).
  rdpPointerUpdate freerdp_pointer;
  bool pointer_held;
};

class Driver {
 public:
  explicit Driver(const ConnectRequest& req) : req_(req), start_(Clock::now()) {}

  int run();

  // Called from FreeRDP's threads.
  void on_log(const wLogMessage* msg);
  DWORD on_certificate(DWORD flags);
  void on_error_info(UINT32 code) {
    std::lock_guard lock(mu_);
    error_info_ = code;
  }
  void on_paint() { painted_ = true; }
  void on_tcp_connect() { enter(Phase::tcp_connect, true); }

 private:
  double ms() const { return std::chrono::duration<double, std::milli>(Clock::now() - start_).count(); }
  void enter(Phase p, bool force = false);
  void emit(const nlohmann::json& j) {
    std::lock_guard lock(out_mu_);
    const auto s = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
    std::fwrite(s.data(), 1, s.size(), stdout);
    std::fflush(stdout);
  }
  bool prepare_config_dir();
  bool owns_config_dir_ = true;
  void configure(rdpSettings* s);
  void watchdog();
  ConnectResult finish(bool ok, UINT32 err, std::string tls_error, bool disconnected = false);
  /// Stays in the session for stay_ms; true when the server ended it (after any reconnects).
  bool stay();
  /// Runs FreeRDP's event loop until `until`; false when the connection ended.
  bool pump_until(Clock::time_point until);

  const ConnectRequest& req_;
  Clock::time_point start_;
  std::string config_dir_;
  freerdp* instance_ = nullptr;

  std::mutex out_mu_;
  std::mutex mu_;  // Guards everything below.
  std::optional<Phase> phase_;
  double phase_start_ = 0;
  std::vector<PhaseTiming> phases_;
  std::vector<std::string> log_;
  std::optional<int> verify_code_;
  std::string verify_detail_;
  bool mismatch_ = false;
  std::optional<UINT32> error_info_;
  std::atomic<bool> painted_{false};
  std::atomic<bool> cancelled_{false};
  int reconnects_ = 0;
  Phase cancelled_in_ = Phase::tcp_connect;

  std::mutex wd_mu_;
  std::condition_variable wd_cv_;
  bool done_ = false;
};

void Driver::enter(Phase p, bool force) {
  double now = ms();
  {
    std::lock_guard lock(mu_);
    if (phase_ && *phase_ == p && !force) return;
    if (!phases_.empty()) phases_.back().ms = now - phase_start_;
    phases_.push_back({p, 0});
    phase_ = p;
    phase_start_ = now;
  }
  emit({{"event", "phase"}, {"phase", to_string(p)}, {"ms", now}});
}

void Driver::on_log(const wLogMessage* msg) {
  if (!msg || !msg->TextString) return;
  const std::string_view module = msg->PrefixString ? msg->PrefixString : "";
  const std::string_view text = msg->TextString;
  if (module.find("com.freerdp.core.connection") != std::string_view::npos) {
    auto arrow = text.find("--> ");
    if (text.find("rdp_client_transition_to_state") != std::string_view::npos && arrow != std::string_view::npos) {
      if (auto p = phase_from_state_name(text.substr(arrow + 4))) enter(*p);
    }
  } else if (module.find("com.freerdp.core.nego") != std::string_view::npos) {
    if (auto p = phase_from_nego_log(text)) enter(*p);
  }
  if (auto v = parse_verify_failure(text)) {
    std::lock_guard lock(mu_);
    if (!verify_code_) {
      verify_code_ = v->first;
      verify_detail_ = v->second;
    }
  }
  if (msg->Level >= WLOG_WARN) {
    std::lock_guard lock(mu_);
    if (log_.size() < kMaxLogLines) {
      std::string line = std::string(module) + ": " + std::string(text.substr(0, kMaxLogLine));
      while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.pop_back();
      log_.push_back(std::move(line));
    }
  }
}

DWORD Driver::on_certificate(DWORD flags) {
  {
    std::lock_guard lock(mu_);
    if (flags & 0x80) mismatch_ = true;  // VERIFY_CERT_FLAG_MISMATCH
  }
  // 2 = accept for this session only: nothing is stored in known_hosts2.
  return req_.cert_policy == CertPolicy::accept_any ? 2 : 0;
}

bool Driver::prepare_config_dir() {
  if (!req_.config_dir.empty()) {
    config_dir_ = req_.config_dir;  // The parent made it and removes it, whatever happens here.
    owns_config_dir_ = false;
  } else {
    char tmpl[] = "/tmp/rdpfault-driver-XXXXXX";
    if (mkdtemp(tmpl) == nullptr) return false;
    config_dir_ = tmpl;
  }
  setenv("HOME", config_dir_.c_str(), 1);
  setenv("XDG_CONFIG_HOME", config_dir_.c_str(), 1);
  if (req_.cert_policy != CertPolicy::trust_ca) return true;
  // FreeRDP trusts PEM files named <subject hash>.0 in <ConfigPath>/certs.
  FILE* f = std::fopen(req_.ca_file.c_str(), "r");
  if (!f) return false;
  X509* ca = PEM_read_X509(f, nullptr, nullptr, nullptr);
  std::fclose(f);
  if (!ca) return false;
  char name[16];
  std::snprintf(name, sizeof name, "%08lx.0", X509_subject_name_hash(ca));
  X509_free(ca);
  const auto dir = std::filesystem::path(config_dir_) / "freerdp" / "certs";
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  std::filesystem::copy_file(req_.ca_file, dir / name, ec);
  return !ec;
}

void Driver::configure(rdpSettings* s) {
  freerdp_settings_set_string(s, FreeRDP_ServerHostname, req_.host.c_str());
  freerdp_settings_set_uint32(s, FreeRDP_ServerPort, req_.port);
  if (!req_.username.empty()) freerdp_settings_set_string(s, FreeRDP_Username, req_.username.c_str());
  if (!req_.password.empty()) freerdp_settings_set_string(s, FreeRDP_Password, req_.password.c_str());
  if (!req_.domain.empty()) freerdp_settings_set_string(s, FreeRDP_Domain, req_.domain.c_str());
  auto has = [&](SecurityProtocol p) {
    return std::find(req_.security.begin(), req_.security.end(), p) != req_.security.end();
  };
  freerdp_settings_set_bool(s, FreeRDP_RdpSecurity, has(SecurityProtocol::rdp));
  freerdp_settings_set_bool(s, FreeRDP_TlsSecurity, has(SecurityProtocol::tls));
  freerdp_settings_set_bool(s, FreeRDP_NlaSecurity, has(SecurityProtocol::nla));
  freerdp_settings_set_bool(s, FreeRDP_ExtSecurity, FALSE);
  freerdp_settings_set_bool(s, FreeRDP_NegotiateSecurityLayer, TRUE);  // FALSE never connects in 2.11.7
  freerdp_settings_set_uint32(s, FreeRDP_TcpConnectTimeout, static_cast<UINT32>(req_.tcp_connect_timeout_ms));
  freerdp_settings_set_uint32(s, FreeRDP_TcpAckTimeout, static_cast<UINT32>(req_.activation_timeout_ms));
  freerdp_settings_set_bool(s, FreeRDP_AutoReconnectionEnabled, FALSE);
  freerdp_settings_set_bool(s, FreeRDP_IgnoreCertificate, FALSE);
  freerdp_settings_set_bool(s, FreeRDP_AutoAcceptCertificate, FALSE);
  freerdp_settings_set_bool(s, FreeRDP_AutoDenyCertificate, FALSE);
  freerdp_settings_set_bool(s, FreeRDP_SoftwareGdi, FALSE);
  freerdp_settings_set_uint32(s, FreeRDP_DesktopWidth, 1024);
  freerdp_settings_set_uint32(s, FreeRDP_DesktopHeight, 768);
  freerdp_settings_set_uint32(s, FreeRDP_ColorDepth, 32);
  if (!req_.cert_name.empty()) freerdp_settings_set_string(s, FreeRDP_CertificateName, req_.cert_name.c_str());
}

void Driver::watchdog() {
  std::unique_lock lock(wd_mu_);
  const auto deadline = start_ + std::chrono::milliseconds(req_.timeout_ms);
  if (wd_cv_.wait_until(lock, deadline, [&] { return done_; })) return;
  // FreeRDP 2.11 has no timeout in the X.224 wait or the TLS handshake, and abort alone does
  // not wake them: abort first (fixes the error, stops the reconnect), then shut the sockets.
  {
    std::lock_guard g(mu_);
    cancelled_in_ = phase_.value_or(Phase::tcp_connect);
  }
  cancelled_ = true;
  freerdp_abort_connect(instance_);
  {
    std::lock_guard g(interpose::mu);
    for (int fd : interpose::sockets) ::shutdown(fd, SHUT_RDWR);
  }
  if (wd_cv_.wait_for(lock, std::chrono::milliseconds(1500), [&] { return done_; })) return;
  // FreeRDP did not come back: report and leave without it.
  auto r = finish(false, 0, "");
  r.detail = "deadline reached in " + std::string(to_string(r.phase_reached)) + "; FreeRDP did not return after cancel";
  auto j = to_json(r);
  j["event"] = "result";
  emit(j);
  std::error_code ec;
  if (owns_config_dir_) std::filesystem::remove_all(config_dir_, ec);
  _exit(0);
}

bool Driver::pump_until(Clock::time_point until) {
  for (;;) {
    // Check first: what FreeRDP already read into its TLS buffer signals no event.
    if (!freerdp_check_event_handles(instance_->context)) return false;
    if (freerdp_shall_disconnect(instance_) || cancelled_) return false;
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - Clock::now()).count();
    if (left <= 0) return true;
    HANDLE handles[64];
    const DWORD n = freerdp_get_event_handles(instance_->context, handles, 64);
    if (n == 0) return false;
    WaitForMultipleObjects(n, handles, FALSE, static_cast<DWORD>(std::min<long long>(left, 100)));
  }
}

bool Driver::stay() {
  const auto deadline = start_ + std::chrono::milliseconds(req_.timeout_ms);
  const auto until = std::min(Clock::now() + std::chrono::milliseconds(req_.stay_ms), deadline);
  for (;;) {
    if (pump_until(until)) return false;
    if (cancelled_) return false;
    bool by_error_info;
    {
      std::lock_guard lock(mu_);
      by_error_info = error_info_.has_value();
    }
    // A server that says why it ended the session meant it; a dropped connection is worth
    // another try when auto-reconnect is on (as mstsc's and FreeRDP's clients do).
    if (!req_.auto_reconnect || by_error_info || reconnects_ >= 3 || Clock::now() >= until) return true;
    emit({{"event", "reconnecting"}, {"ms", ms()}});
    if (!freerdp_reconnect(instance_)) return true;
    ++reconnects_;
  }
}

ConnectResult Driver::finish(bool ok, UINT32 err, std::string tls_error, bool disconnected) {
  ConnectResult r;
  std::lock_guard lock(mu_);
  if (!phases_.empty()) phases_.back().ms = ms() - phase_start_;
  r.phases = phases_;
  // freerdp_connect() returning TRUE wins over a deadline that fired while we waited for paint.
  const bool timed_out = cancelled_ && !ok;
  r.phase_reached = timed_out ? cancelled_in_ : phase_.value_or(Phase::tcp_connect);
  r.freerdp_error = err;
  r.freerdp_error_name = freerdp_get_last_error_name(err) ? freerdp_get_last_error_name(err) : "";
  r.freerdp_error_string = freerdp_get_last_error_string(err) ? freerdp_get_last_error_string(err) : "";
  if (!error_info_ && (err & 0xFFFF0000u) == 0x00010000u) error_info_ = err & 0xFFFFu;
  if (error_info_) {
    r.server_error_info = *error_info_;
    const char* n = freerdp_get_error_info_name(*error_info_);
    r.server_error_info_name = n ? n : "";
  }
  if (verify_code_) {
    r.cert_reason = cert_reason_from_verify_code(*verify_code_);
    r.cert_detail = verify_detail_;
  } else if (mismatch_) {
    r.cert_reason = CertReason::name_mismatch;
    r.cert_detail = "the certificate does not name " + (req_.cert_name.empty() ? req_.host : req_.cert_name);
  }
  r.tls_error = std::move(tls_error);
  r.tcp_connections = interpose::tcp_connects.load();
  r.painted = painted_;
  r.client = "freerdp-lib";
  r.client_version = freerdp_get_version_string();
  r.elapsed_ms = ms();
  r.log = log_;
  r.reconnects = reconnects_;
  if (timed_out) {
    r.outcome = Outcome::timed_out;
    r.detail = "deadline of " + std::to_string(req_.timeout_ms) + " ms reached in " +
               std::string(to_string(r.phase_reached)) + "; the driver cancelled FreeRDP";
  } else if (ok && disconnected) {
    r.outcome = Outcome::disconnected;
    r.phase_reached = Phase::active;
    r.detail = "the server ended the active session" +
               (error_info_ ? " with " + r.server_error_info_name : std::string(" without an error info"));
  } else if (ok) {
    r.outcome = Outcome::connected;
    r.detail = painted_ ? "active session; the server's first update arrived" : "active session";
    if (req_.stay_ms > 0) r.detail += "; stayed " + std::to_string(req_.stay_ms) + " ms";
    if (reconnects_ > 0) r.detail += " after " + std::to_string(reconnects_) + " automatic reconnection(s)";
  } else {
    r.outcome = Outcome::failed;
    r.detail = err == 0 ? "FreeRDP gave up waiting for activation (TcpAckTimeout " +
                              std::to_string(req_.activation_timeout_ms) + " ms) with no error set"
                        : "FreeRDP reported " + r.freerdp_error_name;
  }
  if (r.outcome == Outcome::connected) {
    // A stay that ended well leaves no error behind; an earlier dropped connection that was
    // reconnected is history.
    r.freerdp_error = 0;
    r.freerdp_error_name.clear();
    r.freerdp_error_string.clear();
  }
  std::tie(r.mstsc_code, r.mstsc_extended) = mstsc_equivalent(r);
  return r;
}

BOOL log_callback(const wLogMessage* msg) {
  if (g_driver) g_driver->on_log(msg);
  return TRUE;
}

DWORD verify_certificate(freerdp* instance, const char*, UINT16, const char*, const char*, const char*, const char*,
                         DWORD flags) {
  return reinterpret_cast<DriverContext*>(instance->context)->driver->on_certificate(flags);
}

DWORD verify_changed_certificate(freerdp* instance, const char*, UINT16, const char*, const char*, const char*,
                                 const char*, const char*, const char*, const char*, DWORD flags) {
  return reinterpret_cast<DriverContext*>(instance->context)->driver->on_certificate(flags);
}

BOOL authenticate(freerdp*, char**, char**, char**) { return FALSE; }  // No one to ask.

DriverContext* driver_context(rdpContext* context) { return reinterpret_cast<DriverContext*>(context); }

/// The GDI's screen: what drawing since BeginPaint touched is its invalid region. Null before
/// gdi_init.
HGDI_WND screen(rdpContext* context) {
  const rdpGdi* gdi = context->gdi;
  if (!gdi || !gdi->primary || !gdi->primary->hdc || !gdi->primary->hdc->hwnd) return nullptr;
  HGDI_WND w = gdi->primary->hdc->hwnd;
  return w->invalid ? w : nullptr;
}

/// Nothing shows the screen: forget what was drawn, so the next EndPaint sees only its own.
void clear_invalid(rdpContext* context) {
  if (HGDI_WND w = screen(context)) {
    w->invalid->null = TRUE;
    w->ninvalid = 0;
  }
}

/// FreeRDP's update_end_paint() reports failure when EndPaint is unset, which would drop the
/// connection at the first update; 2.11's GDI sets no Begin/EndPaint (a client's window does).
BOOL begin_paint(rdpContext* context) {
  auto* c = driver_context(context);
  if (c->gdi.begin_paint) return c->gdi.begin_paint(context);
  clear_invalid(context);
  return TRUE;
}

/// The server drew something (an order, a cached bitmap, a glyph...): the session is painted.
BOOL end_paint(rdpContext* context) {
  auto* c = driver_context(context);
  if (HGDI_WND w = screen(context); w && !w->invalid->null) c->driver->on_paint();
  if (c->gdi.end_paint) return c->gdi.end_paint(context);
  clear_invalid(context);
  return TRUE;
}

BOOL bitmap_update(rdpContext* context, const BITMAP_UPDATE* update) {
  auto* c = driver_context(context);
  c->driver->on_paint();
  return c->gdi.bitmap_update ? c->gdi.bitmap_update(context, update) : TRUE;
}

BOOL surface_bits(rdpContext* context, const SURFACE_BITS_COMMAND* cmd) {
  auto* c = driver_context(context);
  c->driver->on_paint();
  return c->gdi.surface_bits ? c->gdi.surface_bits(context, cmd) : TRUE;
}

/// The server changed the desktop size (a Deactivate-Reactivate, or a reconnection): the GDI's
/// screen follows, or later updates would be clipped to the old one.
BOOL desktop_resize(rdpContext* context) {
  auto* c = driver_context(context);
  if (c->gdi.desktop_resize) return c->gdi.desktop_resize(context);
  if (!context->gdi) return TRUE;
  return gdi_resize(context->gdi, freerdp_settings_get_uint32(context->settings, FreeRDP_DesktopWidth),
                    freerdp_settings_get_uint32(context->settings, FreeRDP_DesktopHeight));
}

/// An update nobody here draws or shows (a sound, keyboard LEDs, RAIL windows...) is accepted:
/// FreeRDP 2.11 fails the PDU, and with it the connection, when a callback it calls is unset.
template <typename... Args>
void accept_if_unset(BOOL (*&slot)(rdpContext*, Args...)) {
  if (!slot) slot = [](rdpContext*, Args...) -> BOOL { return TRUE; };
}

/// Ours for what the driver watches, chained to the GDI's once gdi_init has set them. Set
/// before connecting and again in PostConnect (FreeRDP may reset the callbacks while it
/// connects); a handler is saved only when it is not ours, so ours never call themselves.
void set_update_callbacks(rdpUpdate* update) {
  auto* c = driver_context(update->context);
  auto save = [](auto& saved, auto current, auto ours) {
    if (current && current != ours) saved = current;
  };
  save(c->gdi.begin_paint, update->BeginPaint, &begin_paint);
  save(c->gdi.end_paint, update->EndPaint, &end_paint);
  save(c->gdi.bitmap_update, update->BitmapUpdate, &bitmap_update);
  save(c->gdi.surface_bits, update->SurfaceBits, &surface_bits);
  save(c->gdi.desktop_resize, update->DesktopResize, &desktop_resize);
  update->BeginPaint = begin_paint;
  update->EndPaint = end_paint;
  update->BitmapUpdate = bitmap_update;
  update->SurfaceBits = surface_bits;
  update->DesktopResize = desktop_resize;
}

/// Every update callback FreeRDP 2.11 calls for what a server sends: whatever the GDI (and the
/// caches gdi_init registers) left unset accepts the update. gdi_init unsets some itself
/// (MultiDstBlt, SaveBitmap...), so this runs again after it. The *OrderInfo hooks are left
/// alone: they are FreeRDP's debugging hooks, and xfreerdp sets none either.
void accept_unhandled_updates(rdpUpdate* u) {
  accept_if_unset(u->SetBounds);
  accept_if_unset(u->Synchronize);
  accept_if_unset(u->Palette);
  accept_if_unset(u->PlaySound);
  accept_if_unset(u->SetKeyboardIndicators);
  accept_if_unset(u->SetKeyboardImeStatus);
  accept_if_unset(u->SurfaceFrameMarker);
  accept_if_unset(u->SaveSessionInfo);
  accept_if_unset(u->ServerStatusInfo);
  rdpPointerUpdate* p = u->pointer;
  accept_if_unset(p->PointerPosition);
  accept_if_unset(p->PointerSystem);
  accept_if_unset(p->PointerColor);
  accept_if_unset(p->PointerNew);
  accept_if_unset(p->PointerCached);
  accept_if_unset(p->PointerLarge);
  rdpPrimaryUpdate* o = u->primary;
  accept_if_unset(o->DstBlt);
  accept_if_unset(o->PatBlt);
  accept_if_unset(o->ScrBlt);
  accept_if_unset(o->OpaqueRect);
  accept_if_unset(o->DrawNineGrid);
  accept_if_unset(o->MultiDstBlt);
  accept_if_unset(o->MultiPatBlt);
  accept_if_unset(o->MultiScrBlt);
  accept_if_unset(o->MultiOpaqueRect);
  accept_if_unset(o->MultiDrawNineGrid);
  accept_if_unset(o->LineTo);
  accept_if_unset(o->Polyline);
  accept_if_unset(o->MemBlt);
  accept_if_unset(o->Mem3Blt);
  accept_if_unset(o->SaveBitmap);
  accept_if_unset(o->GlyphIndex);
  accept_if_unset(o->FastIndex);
  accept_if_unset(o->FastGlyph);
  accept_if_unset(o->PolygonSC);
  accept_if_unset(o->PolygonCB);
  accept_if_unset(o->EllipseSC);
  accept_if_unset(o->EllipseCB);
  rdpSecondaryUpdate* c = u->secondary;
  accept_if_unset(c->CacheBitmap);
  accept_if_unset(c->CacheBitmapV2);
  accept_if_unset(c->CacheBitmapV3);
  accept_if_unset(c->CacheColorTable);
  accept_if_unset(c->CacheGlyph);
  accept_if_unset(c->CacheGlyphV2);
  accept_if_unset(c->CacheBrush);
  rdpAltSecUpdate* a = u->altsec;
  accept_if_unset(a->CreateOffscreenBitmap);
  accept_if_unset(a->SwitchSurface);
  accept_if_unset(a->CreateNineGridBitmap);
  accept_if_unset(a->FrameMarker);
  accept_if_unset(a->StreamBitmapFirst);
  accept_if_unset(a->StreamBitmapNext);
  accept_if_unset(a->DrawGdiPlusFirst);
  accept_if_unset(a->DrawGdiPlusNext);
  accept_if_unset(a->DrawGdiPlusEnd);
  accept_if_unset(a->DrawGdiPlusCacheFirst);
  accept_if_unset(a->DrawGdiPlusCacheNext);
  accept_if_unset(a->DrawGdiPlusCacheEnd);
  rdpWindowUpdate* w = u->window;
  accept_if_unset(w->WindowCreate);
  accept_if_unset(w->WindowUpdate);
  accept_if_unset(w->WindowIcon);
  accept_if_unset(w->WindowCachedIcon);
  accept_if_unset(w->WindowDelete);
  accept_if_unset(w->NotifyIconCreate);
  accept_if_unset(w->NotifyIconUpdate);
  accept_if_unset(w->NotifyIconDelete);
  accept_if_unset(w->MonitoredDesktop);
  accept_if_unset(w->NonMonitoredDesktop);
}

/// FreeRDP's pointer handlers keep every pointer in context->cache, which gdi_init makes in
/// PostConnect; a pointer update read with the Font Map, before PostConnect, would find no
/// cache. Until then pointer updates are accepted and dropped.
void hold_pointer_updates(rdpUpdate* update) {
  auto* c = driver_context(update->context);
  if (c->pointer_held) return;
  c->freerdp_pointer = *update->pointer;
  c->pointer_held = true;
  rdpPointerUpdate* p = update->pointer;
  p->PointerPosition = nullptr;
  p->PointerSystem = nullptr;
  p->PointerColor = nullptr;
  p->PointerNew = nullptr;
  p->PointerCached = nullptr;
  p->PointerLarge = nullptr;
  accept_unhandled_updates(update);
}

void release_pointer_updates(rdpUpdate* update) {
  auto* c = driver_context(update->context);
  if (!c->pointer_held || !update->context->cache) return;
  *update->pointer = c->freerdp_pointer;
  c->pointer_held = false;
}

/// The session is active: a GDI draws what the server sends (32 bpp, into memory). FreeRDP 2.11
/// keeps its caches (pointers, bitmaps, glyphs, brushes...) in context->cache, which gdi_init
/// makes; without it xrdp's first New Pointer update made FreeRDP's pointer handler dereference
/// a null cache (SIGSEGV in libfreerdp2 under freerdp_check_fds). freerdp_reconnect() does not
/// call PostConnect; should it run again, the GDI it made is kept (gdi_free is in run()).
BOOL post_connect(freerdp* instance) {
  if (!instance->context->gdi && !gdi_init(instance, PIXEL_FORMAT_BGRX32)) return FALSE;
  release_pointer_updates(instance->update);
  set_update_callbacks(instance->update);
  accept_unhandled_updates(instance->update);
  return TRUE;
}

void error_info_handler(void* context, ErrorInfoEventArgs* e) {
  reinterpret_cast<DriverContext*>(context)->driver->on_error_info(e->code);
}

std::string drain_openssl_errors() {
  std::string s;
  while (unsigned long e = ERR_get_error()) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    if (!s.empty()) s += "; ";
    s += buf;
  }
  return s;
}

int Driver::run() {
  if (!prepare_config_dir()) {
    ConnectResult r;
    r.outcome = Outcome::failed;
    r.detail = "cannot prepare the client's configuration (CA file '" + req_.ca_file + "')";
    auto j = to_json(r);
    j["event"] = "result";
    emit(j);
    return 0;
  }
  interpose::host_map = req_.host_map;
  interpose::on_connect = [this] { on_tcp_connect(); };

  // All of FreeRDP's logging goes to on_log, at DEBUG: the phase lines are DEBUG messages.
  wLog* root = WLog_GetRoot();
  WLog_SetLogAppenderType(root, WLOG_APPENDER_CALLBACK);
  wLogCallbacks callbacks{};
  callbacks.message = log_callback;
  WLog_ConfigureAppender(WLog_GetLogAppender(root), "callbacks", &callbacks);
  WLog_Layout_SetPrefixFormat(root, WLog_GetLogLayout(root), "%mn");
  WLog_SetLogLevel(root, WLOG_DEBUG);
  WLog_OpenAppender(root);

  // The default (AUTODETECT, OpenCL in Debian's build) benchmarks every primitive set on first
  // use: ~0.3 s per process. The CPU routines are what a client without a GPU context uses.
  primitives_set_hints(PRIMITIVES_ONLY_CPU);
  instance_ = freerdp_new();
  instance_->ContextSize = sizeof(DriverContext);
  instance_->VerifyCertificateEx = verify_certificate;
  instance_->VerifyChangedCertificateEx = verify_changed_certificate;
  instance_->Authenticate = authenticate;
  instance_->PostConnect = post_connect;
  if (!freerdp_context_new(instance_)) {
    freerdp_free(instance_);
    return 3;
  }
  auto* ctx = reinterpret_cast<DriverContext*>(instance_->context);
  ctx->driver = this;
  configure(instance_->settings);
  // Updates may arrive in the same read as the Font Map, before PostConnect: set them now.
  set_update_callbacks(instance_->update);
  hold_pointer_updates(instance_->update);
  PubSub_SubscribeErrorInfo(instance_->context->pubSub, error_info_handler);

  std::thread wd([this] { watchdog(); });
  const BOOL ok = freerdp_connect(instance_);
  const UINT32 err = freerdp_get_last_error(instance_->context);
  std::string tls_error = drain_openssl_errors();
  bool disconnected = false;
  UINT32 final_err = err;
  if (ok && !cancelled_) {
    const auto until = std::min(Clock::now() + std::chrono::milliseconds(req_.wait_for_paint_ms),
                                start_ + std::chrono::milliseconds(req_.timeout_ms));
    while (!painted_ && Clock::now() < until) {
      if (!pump_until(std::min(until, Clock::now() + std::chrono::milliseconds(100)))) break;
    }
    // A connection dropped while the first update was awaited is handled as one dropped in
    // the stay: stay() sees it at once and reconnects when auto-reconnect is on.
    if (req_.stay_ms > 0) disconnected = stay();
    if (disconnected) final_err = freerdp_get_last_error(instance_->context);
  }
  auto result = finish(ok, final_err, std::move(tls_error), disconnected);
  if (ok) freerdp_disconnect(instance_);
  gdi_free(instance_);  // Also frees context->cache; does nothing when PostConnect never ran.
  {
    std::lock_guard lock(wd_mu_);
    done_ = true;
  }
  wd_cv_.notify_all();
  wd.join();
  auto j = to_json(result);
  j["event"] = "result";
  emit(j);
  g_driver = nullptr;
  freerdp_context_free(instance_);
  freerdp_free(instance_);
  std::error_code ec;
  if (owns_config_dir_) std::filesystem::remove_all(config_dir_, ec);
  return 0;
}

}  // namespace

int drive(const ConnectRequest& request) {
  Driver d(request);
  g_driver = &d;
  return d.run();
}

}  // namespace rdpfault::client
