// rdpfault explain CODE: what an RDP error code means, which scenarios produce it, their fixes.
#include <algorithm>
#include <cstdio>
#include <iostream>

#include "commands.hpp"
#include "errors.hpp"
#include "options.hpp"
#include "rdpfault/scenario/codes.hpp"
#include "rdpfault/scenario/scenario.hpp"

namespace rdpfault::cli {
namespace {

using codes::hex;

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

bool mentions(const scenario::Scenario& s, std::string_view name) {
  if (name.size() < 6) return false;
  const auto needle = lower(std::string(name));
  for (const auto* text : {&s.summary, &s.cause, &s.fix}) {
    if (lower(*text).find(needle) != std::string::npos) return true;
  }
  return false;
}

/// Whether scenario `s` produces the code `c` (in its broken run).
bool produces(const scenario::Scenario& s, const codes::CodeInfo& c, const codes::Query& q) {
  using codes::Kind;
  const auto& e = s.expect;
  switch (c.kind) {
    case Kind::mstsc_disconnect:
      if (!e.mstsc || e.mstsc->code != c.value) return mentions(s, c.name);
      return !q.extended || e.mstsc->extended == *q.extended || e.error_info.value_or(0) == *q.extended;
    case Kind::mstsc_extended:
    case Kind::errinfo:
      return e.error_info.value_or(0) == c.value && c.value != 0 ? true
             : (e.mstsc && e.mstsc->extended == c.value && c.value != 0) || mentions(s, c.name);
    case Kind::neg_failure:
      return s.server.negotiation_failure == c.value || mentions(s, c.name);
    case Kind::freerdp_error:
      return (e.freerdp_error && lower(*e.freerdp_error) == lower(std::string(c.name))) || mentions(s, c.name);
    case Kind::license_error:
      for (const auto& f : s.server.faults) {
        for (const auto& a : f.unit->actions()) {
          const auto* l = std::get_if<faults::SendLicenseError>(&a);
          if (l && l->code == c.value) return true;
        }
      }
      return mentions(s, c.name);
    case Kind::ntstatus:
      return mentions(s, c.name);
  }
  return false;
}

bool looks_like_a_name(const std::string& t) {
  if (t.empty() || !std::isalpha(static_cast<unsigned char>(t[0]))) return false;
  return std::all_of(t.begin(), t.end(), [](unsigned char c) { return std::isalnum(c) || c == '_'; });
}

int run_explain(const std::string& text, const std::vector<std::string>& catalogs) {
  const auto q = codes::parse_query(text);
  if (!q.error.empty() && looks_like_a_name(text)) {
    // A name, just not one of ours: no match (1), with the closest name we know.
    std::vector<std::string> names;
    for (const auto& c : codes::all()) names.emplace_back(c.name);
    auto upper = text;
    std::transform(upper.begin(), upper.end(), upper.begin(), [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    std::cout << "No RDP code known to rdpfault is named '" << text << "'" << did_you_mean(upper, names) << ".\n";
    return kFindings;
  }
  if (!q.error.empty()) {
    std::cerr << "rdpfault: " << q.error << "\n";
    return kUsage;
  }
  if (q.matches.empty()) {
    std::cout << "No RDP code known to rdpfault matches '" << text << "'.\n";
    return kFindings;
  }
  scenario::Catalog catalog;
  try {
    catalog = scenario::load_catalogs(catalog_dirs(catalogs));
  } catch (const UsageError&) {
    throw;
  } catch (const std::exception& e) {
    std::cerr << "rdpfault: note: " << e.what() << "; the codes are explained without the scenarios\n";
  }
  for (const auto* c : q.matches) {
    // The extended part of "0x904/0x7" is explained alongside the disconnect code.
    std::cout << codes::to_string(c->kind) << " " << hex(c->value, c->kind == codes::Kind::freerdp_error) << "  "
              << c->name << "\n";
    std::cout << "  meaning:  " << c->meaning << "\n";
    if (!c->message.empty()) std::cout << "  the user sees: \"" << c->message << "\"\n";
    std::vector<const scenario::Scenario*> hits;
    for (const auto& s : catalog.scenarios) {
      if (produces(s, *c, q)) hits.push_back(&s);
    }
    if (hits.empty()) {
      std::cout << "  no catalog scenario produces it\n";
    } else {
      std::cout << "  produced by:\n";
      for (const auto* s : hits) {
        std::cout << "    " << s->name << " (" << to_string(s->phase) << "): " << s->cause << "\n"
                  << "      fix: " << s->fix << "\n";
      }
    }
    std::cout << "\n";
  }
  if (!catalog.diagnostics.empty()) {
    std::cerr << "rdpfault: note: the catalog has " << catalog.diagnostics.size()
              << " problem(s); `rdpfault validate` lists them\n";
  }
  return 0;
}

}  // namespace

Subcommand add_explain(CLI::App& app) {
  struct E {
    std::vector<std::string> words;
    std::vector<std::string> catalogs;
  };
  auto o = std::make_shared<E>();
  auto* sub = app.add_subcommand("explain", "What an RDP error code means, which scenarios produce it, their fixes");
  sub->add_option("code", o->words,
                  "mstsc code (0x904, 0x904/0x7), ERRINFO value, RDP_NEG_FAILURE code, NTSTATUS or FreeRDP error name")
      ->required();
  add_catalog_option(sub, o->catalogs);
  sub->footer("Examples:\n  rdpfault explain 0x904/0x7           mstsc's \"0x904, extended 0x7\"\n"
              "  rdpfault explain ERRCONNECT_TLS_CONNECT_FAILED\n"
              "  rdpfault explain HYBRID_REQUIRED_BY_SERVER\n  rdpfault explain 0xC000006D           an NTSTATUS from NLA");
  return {sub, [o] {
            std::string text;
            for (const auto& w : o->words) text += (text.empty() ? "" : " ") + w;
            return run_explain(text, o->catalogs);
          }};
}

}  // namespace rdpfault::cli
