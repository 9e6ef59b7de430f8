#include "rdpfault/faults/params.hpp"

#include <algorithm>
#include <charconv>
#include <vector>

#include "rdpfault/scenario/spelling.hpp"

namespace rdpfault::faults {

std::optional<std::int64_t> Params::required_integer(std::string_view key, std::int64_t lo, std::int64_t hi) {
  if (!has(key)) {
    std::string hint;
    for (const auto& u : unused()) {
      if (edit_distance(u, key) <= 2) hint = " ('" + u + "' is not a key: did you mean '" + std::string(key) + "'?)";
    }
    error("", "missing '" + std::string(key) + "'" + hint);
    return std::nullopt;
  }
  return integer(key, lo, hi);
}

std::optional<std::string> Params::choice(std::string_view key, const std::vector<std::string_view>& choices) {
  auto v = text(key);
  if (!v) return std::nullopt;
  if (std::find(choices.begin(), choices.end(), *v) != choices.end()) return v;
  std::string list;
  for (auto c : choices) list += (list.empty() ? "" : ", ") + std::string(c);
  error(key, "unknown value '" + *v + "' (expected one of: " + list + ")");
  return std::nullopt;
}

void Params::forbid(const std::vector<std::string_view>& keys, std::string_view why) {
  for (auto k : keys) {
    if (has(k)) {
      touch(k);  // The problem is reported here, not again as an unknown key.
      error(k, std::string(k) + " is only for " + std::string(why));
    }
  }
}

std::string SpecProblem::to_string() const { return key.empty() ? message : key + ": " + message; }

KeyValueParams::KeyValueParams(std::string_view text) {
  while (!text.empty()) {
    const auto comma = text.find(',');
    const auto item = text.substr(0, comma);
    text = comma == std::string_view::npos ? std::string_view{} : text.substr(comma + 1);
    if (item.empty()) continue;
    const auto eq = item.find('=');
    if (eq == std::string_view::npos || eq == 0) {
      problems_.push_back({"", "'" + std::string(item) + "' is not key=value"});
      continue;
    }
    set(std::string(item.substr(0, eq)), std::string(item.substr(eq + 1)));
  }
}

void KeyValueParams::set(std::string key, std::string value) {
  if (find(key)) {
    problems_.push_back({key, "given twice"});
    return;
  }
  pairs_.push_back({std::move(key), std::move(value), false});
}

KeyValueParams::Pair* KeyValueParams::find(std::string_view key) {
  for (auto& p : pairs_) {
    if (p.key == key) return &p;
  }
  return nullptr;
}
const KeyValueParams::Pair* KeyValueParams::find(std::string_view key) const {
  for (const auto& p : pairs_) {
    if (p.key == key) return &p;
  }
  return nullptr;
}

bool KeyValueParams::has(std::string_view key) const { return find(key) != nullptr; }

std::optional<std::int64_t> KeyValueParams::integer(std::string_view key, std::int64_t lo, std::int64_t hi) {
  auto* p = find(key);
  if (!p) return std::nullopt;
  p->used = true;
  std::int64_t v = 0;
  std::string_view s = p->value;
  int base = 10;
  if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
    s.remove_prefix(2);
    base = 16;
  }
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v, base);
  if (ec != std::errc{} || end != s.data() + s.size() || s.empty()) {
    error(key, "expected an integer, found '" + p->value + "'");
    return std::nullopt;
  }
  if (v < lo || v > hi) {
    error(key, std::to_string(v) + " is out of range [" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
    return std::nullopt;
  }
  return v;
}

std::optional<std::string> KeyValueParams::text(std::string_view key) {
  auto* p = find(key);
  if (!p) return std::nullopt;
  p->used = true;
  return p->value;
}

std::optional<std::vector<std::string>> KeyValueParams::texts(std::string_view key) {
  auto* p = find(key);
  if (!p) return std::nullopt;
  p->used = true;
  std::vector<std::string> out;
  std::string_view s = p->value;
  while (!s.empty()) {
    const auto plus = s.find('+');
    out.emplace_back(s.substr(0, plus));
    s = plus == std::string_view::npos ? std::string_view{} : s.substr(plus + 1);
  }
  return out;
}

void KeyValueParams::error(std::string_view key, std::string message) {
  problems_.push_back({std::string(key), std::move(message)});
}

std::vector<std::string> KeyValueParams::unused() const {
  std::vector<std::string> out;
  for (const auto& p : pairs_) {
    if (!p.used) out.push_back(p.key);
  }
  return out;
}

}  // namespace rdpfault::faults
