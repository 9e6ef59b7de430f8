// What the FreeRDP client reports for each kind of bad certificate, with the driver's
// certificate policies. Certificates are made here, at run time.
#include <functional>

#include <gtest/gtest.h>

#include "../support/server_fixture.hpp"

namespace rdpfault {
namespace {

std::shared_ptr<fakeserver::ServerCertificates> with_leaf(const std::function<certs::Identity(const certs::Identity&)>& make) {
  auto sc = std::make_shared<fakeserver::ServerCertificates>();
  certs::CertSpec ca;
  ca.common_name = "rdpfault cert-test CA";
  ca.dns_names = {};
  sc->ca = certs::make_ca(ca);
  sc->leaf = make(sc->ca);
  return sc;
}

certs::CertSpec good_leaf() {
  certs::CertSpec s;
  s.common_name = "localhost";
  s.dns_names = {"localhost", "127.0.0.1"};
  s.key_type = certs::KeyType::ecdsa_p256;
  return s;
}

struct CertCase {
  const char* name;
  std::function<certs::Identity(const certs::Identity&)> make;
  CertPolicy policy;
  CertReason expected;
};

void PrintTo(const CertCase& c, std::ostream* os) { *os << c.name; }

class Certificates : public ::testing::TestWithParam<CertCase> {};

TEST_P(Certificates, RejectedWithTheReason) {
  fakeserver::ServerConfig cfg;
  cfg.certificates = with_leaf(GetParam().make);
  test::RunningServer s(cfg);
  auto req = s.request();
  req.cert_policy = GetParam().policy;
  if (req.cert_policy != CertPolicy::trust_ca) req.ca_file.clear();
  auto r = client::run_driver(req);
  EXPECT_EQ(r.outcome, Outcome::failed) << client::describe(r);
  EXPECT_EQ(r.phase_reached, Phase::security_upgrade) << client::describe(r);
  EXPECT_EQ(r.freerdp_error_name, "ERRCONNECT_TLS_CONNECT_FAILED") << client::describe(r);
  EXPECT_EQ(r.cert_reason, GetParam().expected) << client::describe(r);
  EXPECT_EQ(r.tcp_connections, 1);
}

INSTANTIATE_TEST_SUITE_P(
    Bad, Certificates,
    ::testing::Values(
        CertCase{"expired",
                 [](const certs::Identity& ca) {
                   auto s = good_leaf();
                   s.not_before_offset = -std::chrono::hours(72);
                   s.not_after_offset = -std::chrono::hours(24);
                   return certs::make_leaf(s, ca);
                 },
                 CertPolicy::trust_ca, CertReason::expired},
        CertCase{"not_yet_valid",
                 [](const certs::Identity& ca) {
                   auto s = good_leaf();
                   s.not_before_offset = std::chrono::hours(24);
                   s.not_after_offset = std::chrono::hours(72);
                   return certs::make_leaf(s, ca);
                 },
                 CertPolicy::trust_ca, CertReason::not_yet_valid},
        CertCase{"name_mismatch",
                 [](const certs::Identity& ca) {
                   auto s = good_leaf();
                   s.common_name = "wrong.example";
                   s.dns_names = {"wrong.example"};
                   return certs::make_leaf(s, ca);
                 },
                 CertPolicy::trust_ca, CertReason::name_mismatch},
        CertCase{"self_signed", [](const certs::Identity&) { return certs::make_self_signed(good_leaf()); },
                 CertPolicy::reject_untrusted, CertReason::self_signed},
        CertCase{"unknown_ca", [](const certs::Identity& ca) { return certs::make_leaf(good_leaf(), ca); },
                 CertPolicy::reject_untrusted, CertReason::unknown_ca}),
    [](const auto& p) { return std::string(p.param.name); });

TEST(Certificates, AcceptAnyStillReportsWhy) {
  fakeserver::ServerConfig cfg;
  cfg.certificates = with_leaf([](const certs::Identity&) { return certs::make_self_signed(good_leaf()); });
  test::RunningServer s(cfg);
  auto req = s.request();
  req.cert_policy = CertPolicy::accept_any;
  auto r = client::run_driver(req);
  EXPECT_EQ(r.outcome, Outcome::connected) << client::describe(r);
  EXPECT_EQ(r.cert_reason, CertReason::self_signed) << client::describe(r);
}

}  // namespace
}  // namespace rdpfault
