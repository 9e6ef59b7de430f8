#pragma once
/// Where a fault's keys come from. A kind reads its own keys through `Params` and never
/// sees the format: a scenario file's [[server.faults]] table (scenarios/src/loader.cpp,
/// diagnostics as file:line:col) or a command line's `KIND:key=value,...`
/// (`parse_fault_spec`, diagnostics naming the key).
///
/// Every read marks its key as used; `unused()` lists the keys nobody read, which the caller
/// reports as unknown. A read of a key that is present but wrong (type, range, value)
/// reports the problem itself and returns nullopt.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace rdpfault::faults {

class Params {
 public:
  virtual ~Params() = default;
  virtual bool has(std::string_view key) const = 0;
  virtual std::optional<std::int64_t> integer(std::string_view key, std::int64_t lo, std::int64_t hi) = 0;
  virtual std::optional<std::string> text(std::string_view key) = 0;
  /// An array of strings in TOML; `a+b+c` on a command line.
  virtual std::optional<std::vector<std::string>> texts(std::string_view key) = 0;
  /// Marks `key` used without reading it (its problem is reported some other way).
  virtual void touch(std::string_view key) = 0;
  /// Reports a problem at `key` (empty: the fault as a whole), worded without the location.
  virtual void error(std::string_view key, std::string message) = 0;
  /// Keys present that no read asked for.
  virtual std::vector<std::string> unused() const = 0;
  /// Whether any problem was reported.
  virtual bool failed() const = 0;

  /// Helpers on top of the reads above. A missing required key names the unused key that
  /// looks like a misspelling of it, if there is one.
  std::optional<std::int64_t> required_integer(std::string_view key, std::int64_t lo, std::int64_t hi);
  /// One of `choices`; reports the valid ones otherwise.
  std::optional<std::string> choice(std::string_view key, const std::vector<std::string_view>& choices);
  /// An error for each key of `keys` that is present: "key is only for ..." (`why`).
  void forbid(const std::vector<std::string_view>& keys, std::string_view why);
};

/// A problem in a command-line fault spec: which key (may be empty) and what.
struct SpecProblem {
  std::string key;
  std::string message;
  std::string to_string() const;  ///< "latency_ms: 5000000 is out of range [0, 600000]"
};

/// `Params` over "key=value,key=value" (the part after "KIND:").
class KeyValueParams final : public Params {
 public:
  /// Splits `text`; malformed pairs become problems.
  explicit KeyValueParams(std::string_view text);
  bool has(std::string_view key) const override;
  std::optional<std::int64_t> integer(std::string_view key, std::int64_t lo, std::int64_t hi) override;
  std::optional<std::string> text(std::string_view key) override;
  std::optional<std::vector<std::string>> texts(std::string_view key) override;
  void touch(std::string_view key) override {
    if (auto* p = find(key)) p->used = true;
  }
  void error(std::string_view key, std::string message) override;
  std::vector<std::string> unused() const override;
  bool failed() const override { return !problems_.empty(); }

  /// Adds a pair (used for the kind, which the spec names before ':').
  void set(std::string key, std::string value);
  const std::vector<SpecProblem>& problems() const { return problems_; }

 private:
  struct Pair {
    std::string key, value;
    bool used = false;
  };
  Pair* find(std::string_view key);
  const Pair* find(std::string_view key) const;
  std::vector<Pair> pairs_;
  std::vector<SpecProblem> problems_;
};

}  // namespace rdpfault::faults
