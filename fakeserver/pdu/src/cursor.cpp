#include "rdpfault/pdu/cursor.hpp"

#include <cstdio>

namespace rdpfault::pdu {

std::string_view to_string(PduErrc e) noexcept {
  switch (e) {
    case PduErrc::not_enough_bytes: return "not enough bytes";
    case PduErrc::invalid_field: return "invalid field";
    case PduErrc::unexpected_type: return "unexpected type";
    case PduErrc::trailing_bytes: return "trailing bytes";
    case PduErrc::unsupported: return "unsupported";
  }
  return "unknown error";
}

std::string DecodeError::message() const {
  std::string m(pdu);
  m += ": ";
  m += to_string(code);
  if (!field.empty()) {
    m += code == PduErrc::not_enough_bytes ? " for " : " ";
    m += field;
  }
  m += " (offset " + std::to_string(offset);
  if (code == PduErrc::not_enough_bytes) {
    m += ", need " + std::to_string(needed) + ", have " + std::to_string(available);
  }
  m += ")";
  if (!reason.empty()) m += ": " + reason;
  return m;
}

bool ReadCursor::ensure(std::size_t n, std::string_view field) {
  if (failed()) return false;
  if (data_.size() - pos_ >= n) return true;
  DecodeError e;
  e.code = PduErrc::not_enough_bytes;
  e.pdu = pdu_;
  e.field = field;
  e.offset = pos_;
  e.needed = n;
  e.available = data_.size() - pos_;
  error_ = std::move(e);
  return false;
}

std::uint8_t ReadCursor::u8(std::string_view field) {
  if (!ensure(1, field)) return 0;
  return data_[pos_++];
}
std::uint16_t ReadCursor::u16le(std::string_view field) {
  if (!ensure(2, field)) return 0;
  auto v = static_cast<std::uint16_t>(data_[pos_] | (data_[pos_ + 1] << 8));
  pos_ += 2;
  return v;
}
std::uint16_t ReadCursor::u16be(std::string_view field) {
  if (!ensure(2, field)) return 0;
  auto v = static_cast<std::uint16_t>((data_[pos_] << 8) | data_[pos_ + 1]);
  pos_ += 2;
  return v;
}
std::uint32_t ReadCursor::u32le(std::string_view field) {
  if (!ensure(4, field)) return 0;
  std::uint32_t v = static_cast<std::uint32_t>(data_[pos_]) | (static_cast<std::uint32_t>(data_[pos_ + 1]) << 8) |
                    (static_cast<std::uint32_t>(data_[pos_ + 2]) << 16) |
                    (static_cast<std::uint32_t>(data_[pos_ + 3]) << 24);
  pos_ += 4;
  return v;
}
std::uint32_t ReadCursor::u32be(std::string_view field) {
  if (!ensure(4, field)) return 0;
  std::uint32_t v = (static_cast<std::uint32_t>(data_[pos_]) << 24) | (static_cast<std::uint32_t>(data_[pos_ + 1]) << 16) |
                    (static_cast<std::uint32_t>(data_[pos_ + 2]) << 8) | static_cast<std::uint32_t>(data_[pos_ + 3]);
  pos_ += 4;
  return v;
}
ByteView ReadCursor::bytes(std::size_t n, std::string_view field) {
  if (!ensure(n, field)) return {};
  auto v = data_.subspan(pos_, n);
  pos_ += n;
  return v;
}

bool ReadCursor::check(bool ok, std::string_view field, std::string reason) {
  if (failed()) return false;
  if (!ok) fail(PduErrc::invalid_field, field, std::move(reason));
  return ok;
}

void ReadCursor::fail(PduErrc code, std::string_view field, std::string reason) {
  if (failed()) return;
  DecodeError e;
  e.code = code;
  e.pdu = pdu_;
  e.field = field;
  e.offset = pos_;
  e.reason = std::move(reason);
  error_ = std::move(e);
}

bool ReadCursor::expect_end() {
  if (failed()) return false;
  if (pos_ == data_.size()) return true;
  fail(PduErrc::trailing_bytes, "", std::to_string(data_.size() - pos_) + " byte(s) after the end");
  return false;
}

std::string to_hex(ByteView b, std::size_t max_bytes) {
  std::string s;
  char buf[4];
  for (std::size_t i = 0; i < b.size() && i < max_bytes; ++i) {
    std::snprintf(buf, sizeof buf, "%02x", b[i]);
    if (i) s += ' ';
    s += buf;
  }
  if (b.size() > max_bytes) s += " ...";
  return s;
}

}  // namespace rdpfault::pdu
