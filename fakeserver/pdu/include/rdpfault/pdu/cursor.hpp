#pragma once
/// Byte cursors for the PDU codecs, and the decode error every codec reports.
///
/// ReadCursor uses a *sticky error*: the first failed read or check records which PDU and
/// field broke and at which offset, and every later read returns zero without touching
/// memory. A codec reads all its fields straight through and checks `error()` once at the
/// end, so no decoder can read out of bounds however malformed its input is.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace rdpfault::pdu {

using Bytes = std::vector<std::uint8_t>;
using ByteView = std::span<const std::uint8_t>;

enum class PduErrc {
  not_enough_bytes,     ///< The buffer ends before the field does.
  invalid_field,        ///< The field holds a value the spec (or this server) does not allow.
  unexpected_type,      ///< A PDU of another type arrived where this one was expected.
  trailing_bytes,       ///< Bytes remain after the PDU ended.
  unsupported,          ///< Valid per spec, but not something the fake server implements.
};

std::string_view to_string(PduErrc) noexcept;

/// Which PDU, which field, where, and why. `message()` composes IronRDP-style text:
/// "mcs connect-initial: not enough bytes for userData (offset 42, need 312, have 17)".
struct DecodeError {
  PduErrc code = PduErrc::invalid_field;
  std::string_view pdu;
  std::string_view field;
  std::size_t offset = 0;
  std::size_t needed = 0;    ///< For not_enough_bytes: bytes the field needs.
  std::size_t available = 0; ///< For not_enough_bytes: bytes that were left.
  std::string reason;        ///< Free text for invalid_field, e.g. "expected 0xe0, got 0xd0".

  std::string message() const;
};

/// A value or the DecodeError that prevented it.
template <class T>
class DecodeResult {
 public:
  DecodeResult(T v) : v_(std::move(v)) {}                // NOLINT: implicit by design
  DecodeResult(DecodeError e) : v_(std::move(e)) {}      // NOLINT: implicit by design
  bool has_value() const noexcept { return v_.index() == 0; }
  explicit operator bool() const noexcept { return has_value(); }
  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  const DecodeError& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, DecodeError> v_;
};

class ReadCursor {
 public:
  ReadCursor(ByteView data, std::string_view pdu) : data_(data), pdu_(pdu) {}

  std::string_view pdu() const noexcept { return pdu_; }
  /// Name the PDU for errors from here on (e.g. once a type byte told us what it is).
  void set_pdu(std::string_view pdu) noexcept { pdu_ = pdu; }
  std::size_t pos() const noexcept { return pos_; }
  std::size_t remaining() const noexcept { return failed() ? 0 : data_.size() - pos_; }
  bool failed() const noexcept { return error_.has_value(); }
  const std::optional<DecodeError>& error() const noexcept { return error_; }
  DecodeError take_error() const { return *error_; }

  /// True when `n` bytes are left; otherwise records not_enough_bytes for `field`.
  bool ensure(std::size_t n, std::string_view field);

  std::uint8_t u8(std::string_view field);
  std::uint16_t u16le(std::string_view field);
  std::uint16_t u16be(std::string_view field);
  std::uint32_t u32le(std::string_view field);
  std::uint32_t u32be(std::string_view field);
  /// `n` bytes as a view into the input (empty on failure).
  ByteView bytes(std::size_t n, std::string_view field);
  void skip(std::size_t n, std::string_view field) { (void)bytes(n, field); }
  std::uint8_t peek_u8() const noexcept { return remaining() ? data_[pos_] : 0; }
  ByteView rest() const noexcept { return failed() ? ByteView{} : data_.subspan(pos_); }

  /// Records invalid_field unless `ok`. Returns `ok` (false also when already failed).
  bool check(bool ok, std::string_view field, std::string reason);
  /// Records `code` for `field` (first error wins).
  void fail(PduErrc code, std::string_view field, std::string reason = {});
  /// Records trailing_bytes unless the input is used up.
  bool expect_end();

 private:
  ByteView data_;
  std::size_t pos_ = 0;
  std::string_view pdu_;
  std::optional<DecodeError> error_;
};

/// Appends to a byte vector. Lengths that precede their content are patched afterwards
/// (`mark` + `patch_*`) or built by encoding the content first.
class WriteCursor {
 public:
  explicit WriteCursor(Bytes& out) : out_(out) {}
  void u8(std::uint8_t v) { out_.push_back(v); }
  void u16le(std::uint16_t v) { u8(static_cast<std::uint8_t>(v)); u8(static_cast<std::uint8_t>(v >> 8)); }
  void u16be(std::uint16_t v) { u8(static_cast<std::uint8_t>(v >> 8)); u8(static_cast<std::uint8_t>(v)); }
  void u32le(std::uint32_t v) { u16le(static_cast<std::uint16_t>(v)); u16le(static_cast<std::uint16_t>(v >> 16)); }
  void u32be(std::uint32_t v) { u16be(static_cast<std::uint16_t>(v >> 16)); u16be(static_cast<std::uint16_t>(v)); }
  void bytes(ByteView b) { out_.insert(out_.end(), b.begin(), b.end()); }
  void zeros(std::size_t n) { out_.insert(out_.end(), n, 0); }
  std::size_t mark() const noexcept { return out_.size(); }
  void patch_u16be(std::size_t at, std::uint16_t v) {
    out_[at] = static_cast<std::uint8_t>(v >> 8);
    out_[at + 1] = static_cast<std::uint8_t>(v);
  }
  void patch_u16le(std::size_t at, std::uint16_t v) {
    out_[at] = static_cast<std::uint8_t>(v);
    out_[at + 1] = static_cast<std::uint8_t>(v >> 8);
  }
  Bytes& buffer() noexcept { return out_; }

 private:
  Bytes& out_;
};

/// Hex dump "03 00 00 13 ..." for traces and test failure messages.
std::string to_hex(ByteView b, std::size_t max_bytes = 64);

}  // namespace rdpfault::pdu
