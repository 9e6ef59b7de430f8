#pragma once
// A small, strict XML reader for tests that parse our own reports back (JUnit). Elements,
// attributes, text and the five predefined entities; anything else is an error (throws).
#include <map>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace rdpfault::test {

struct XmlNode {
  std::string name;
  std::map<std::string, std::string> attrs;
  std::string text;
  std::vector<XmlNode> children;

  std::vector<const XmlNode*> all(std::string_view child) const {
    std::vector<const XmlNode*> out;
    for (const auto& c : children) {
      if (c.name == child) out.push_back(&c);
    }
    return out;
  }
};

class XmlReader {
 public:
  explicit XmlReader(std::string_view s) : s_(s) {}

  XmlNode document() {
    skip_space();
    if (s_.substr(i_, 5) == "<?xml") {
      const auto end = s_.find("?>", i_);
      if (end == std::string_view::npos) fail("unterminated XML declaration");
      i_ = end + 2;
    }
    skip_space();
    XmlNode root = element();
    skip_space();
    if (i_ != s_.size()) fail("content after the root element");
    return root;
  }

 private:
  [[noreturn]] void fail(const std::string& what) const {
    throw std::runtime_error("xml: " + what + " at offset " + std::to_string(i_));
  }
  void skip_space() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\n' || s_[i_] == '\t' || s_[i_] == '\r')) ++i_;
  }
  std::string name() {
    const std::size_t start = i_;
    while (i_ < s_.size() && (std::isalnum(static_cast<unsigned char>(s_[i_])) || s_[i_] == '-' || s_[i_] == '_' ||
                              s_[i_] == ':' || s_[i_] == '.')) {
      ++i_;
    }
    if (i_ == start) fail("expected a name");
    return std::string(s_.substr(start, i_ - start));
  }
  std::string unescape(std::string_view raw) const {
    std::string out;
    for (std::size_t k = 0; k < raw.size(); ++k) {
      if (raw[k] != '&') {
        out += raw[k];
        continue;
      }
      const auto semi = raw.find(';', k);
      if (semi == std::string_view::npos) throw std::runtime_error("xml: bare '&'");
      const auto ent = raw.substr(k + 1, semi - k - 1);
      if (ent == "amp") out += '&';
      else if (ent == "lt") out += '<';
      else if (ent == "gt") out += '>';
      else if (ent == "quot") out += '"';
      else if (ent == "apos") out += '\'';
      else throw std::runtime_error("xml: unknown entity &" + std::string(ent) + ";");
      k = semi;
    }
    return out;
  }
  XmlNode element() {
    if (i_ >= s_.size() || s_[i_] != '<') fail("expected '<'");
    ++i_;
    XmlNode n;
    n.name = name();
    for (;;) {
      skip_space();
      if (i_ >= s_.size()) fail("unterminated start tag");
      if (s_.substr(i_, 2) == "/>") {
        i_ += 2;
        return n;
      }
      if (s_[i_] == '>') {
        ++i_;
        break;
      }
      const auto key = name();
      skip_space();
      if (i_ >= s_.size() || s_[i_] != '=') fail("expected '=' after attribute " + key);
      ++i_;
      skip_space();
      if (i_ >= s_.size() || s_[i_] != '"') fail("expected '\"'");
      const auto end = s_.find('"', i_ + 1);
      if (end == std::string_view::npos) fail("unterminated attribute value");
      const auto raw = s_.substr(i_ + 1, end - i_ - 1);
      if (raw.find('<') != std::string_view::npos) fail("'<' in an attribute value");
      if (!n.attrs.emplace(key, unescape(raw)).second) fail("duplicate attribute " + key);
      i_ = end + 1;
    }
    for (;;) {
      const auto lt = s_.find('<', i_);
      if (lt == std::string_view::npos) fail("unterminated element " + n.name);
      const auto raw = s_.substr(i_, lt - i_);
      n.text += unescape(raw);
      i_ = lt;
      if (s_.substr(i_, 2) == "</") {
        i_ += 2;
        if (name() != n.name) fail("mismatched end tag for " + n.name);
        skip_space();
        if (i_ >= s_.size() || s_[i_] != '>') fail("expected '>'");
        ++i_;
        return n;
      }
      n.children.push_back(element());
    }
  }

  std::string_view s_;
  std::size_t i_ = 0;
};

inline XmlNode parse_xml(std::string_view s) { return XmlReader(s).document(); }

}  // namespace rdpfault::test
