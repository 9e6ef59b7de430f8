#include "rdpfault/certs/certs.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <regex>

#include <gtest/gtest.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

namespace rdpfault::certs {
namespace {

std::string name_field(X509_NAME* n, int nid) {
  char buf[256] = {};
  X509_NAME_get_text_by_NID(n, nid, buf, sizeof buf);
  return buf;
}

/// X509_verify_cert result code of `leaf` against a store holding only `ca` (if any).
int verify(const Identity& leaf, const Identity* ca) {
  X509_STORE* store = X509_STORE_new();
  if (ca) X509_STORE_add_cert(store, ca->cert.get());
  X509_STORE_CTX* ctx = X509_STORE_CTX_new();
  X509_STORE_CTX_init(ctx, store, leaf.cert.get(), nullptr);
  X509_verify_cert(ctx);
  int code = X509_STORE_CTX_get_error(ctx);
  X509_STORE_CTX_free(ctx);
  X509_STORE_free(store);
  return code;
}

const Identity& test_ca() {
  static Identity ca = [] {
    CertSpec s;
    s.common_name = "unit CA";
    s.dns_names = {};
    return make_ca(s);
  }();
  return ca;
}

TEST(Certs, LeafCarriesSubjectIssuerAndNames) {
  CertSpec s;
  s.common_name = "rdp.example";
  s.dns_names = {"rdp.example", "127.0.0.1"};
  s.ip_addresses = {"127.0.0.1", "::1"};
  auto leaf = make_leaf(s, test_ca());
  EXPECT_EQ(name_field(X509_get_subject_name(leaf.cert.get()), NID_commonName), "rdp.example");
  EXPECT_EQ(name_field(X509_get_subject_name(leaf.cert.get()), NID_organizationName), "rdpfault test");
  EXPECT_EQ(name_field(X509_get_issuer_name(leaf.cert.get()), NID_commonName), "unit CA");
  EXPECT_EQ(X509_check_host(leaf.cert.get(), "rdp.example", 0, 0, nullptr), 1);
  EXPECT_EQ(X509_check_host(leaf.cert.get(), "other.example", 0, 0, nullptr), 0);
  EXPECT_EQ(X509_check_ip_asc(leaf.cert.get(), "127.0.0.1", 0), 1);
  EXPECT_EQ(X509_check_ip_asc(leaf.cert.get(), "::1", 0), 1);
  EXPECT_EQ(verify(leaf, &test_ca()), X509_V_OK);
  EXPECT_EQ(X509_check_ca(leaf.cert.get()), 0);
  EXPECT_EQ(X509_check_ca(test_ca().cert.get()), 1);
}

TEST(Certs, ValidityWindowGivesTheVerifierReasons) {
  CertSpec expired;
  expired.not_before_offset = -std::chrono::hours(48);
  expired.not_after_offset = -std::chrono::hours(24);
  auto e = make_leaf(expired, test_ca());
  EXPECT_LT(X509_cmp_current_time(X509_get0_notAfter(e.cert.get())), 0);
  EXPECT_EQ(verify(e, &test_ca()), X509_V_ERR_CERT_HAS_EXPIRED);

  CertSpec future;
  future.not_before_offset = std::chrono::hours(24);
  future.not_after_offset = std::chrono::hours(48);
  auto f = make_leaf(future, test_ca());
  EXPECT_GT(X509_cmp_current_time(X509_get0_notBefore(f.cert.get())), 0);
  EXPECT_EQ(verify(f, &test_ca()), X509_V_ERR_CERT_NOT_YET_VALID);

  auto self = make_self_signed(CertSpec{});
  EXPECT_EQ(verify(self, nullptr), X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT);
  EXPECT_EQ(X509_NAME_cmp(X509_get_subject_name(self.cert.get()), X509_get_issuer_name(self.cert.get())), 0);

  CertSpec other_ca;
  other_ca.common_name = "someone else's CA";
  auto foreign = make_leaf(CertSpec{}, make_ca(other_ca));
  EXPECT_EQ(verify(foreign, &test_ca()), X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY);
}

TEST(Certs, KeyTypesSizesAndDigests) {
  for (int bits : {1024, 3072}) {
    CertSpec s;
    s.rsa_bits = bits;
    auto id = make_self_signed(s);
    EXPECT_EQ(EVP_PKEY_get_base_id(id.key.get()), EVP_PKEY_RSA);
    EXPECT_EQ(EVP_PKEY_get_bits(id.key.get()), bits);
  }
  CertSpec ec;
  ec.key_type = KeyType::ecdsa_p256;
  ec.digest = Digest::sha384;
  auto e = make_leaf(ec, test_ca());
  EXPECT_EQ(EVP_PKEY_get_base_id(e.key.get()), EVP_PKEY_EC);
  char group[64] = {};
  EVP_PKEY_get_group_name(e.key.get(), group, sizeof group, nullptr);
  EXPECT_STREQ(group, "prime256v1");
  // Signed by the RSA CA with SHA-384.
  EXPECT_EQ(X509_get_signature_nid(e.cert.get()), NID_sha384WithRSAEncryption);

  CertSpec ed;
  ed.key_type = KeyType::ed25519;
  auto d = make_self_signed(ed);
  EXPECT_EQ(EVP_PKEY_get_base_id(d.key.get()), EVP_PKEY_ED25519);
  EXPECT_EQ(X509_get_signature_nid(d.cert.get()), NID_ED25519);

  CertSpec weak;
  weak.digest = Digest::sha1;
  EXPECT_EQ(X509_get_signature_nid(make_leaf(weak, test_ca()).cert.get()), NID_sha1WithRSAEncryption);
}

TEST(Certs, ServesInATlsContextAndRoundTripsPem) {
  auto leaf = make_leaf(CertSpec{}, test_ca());
  SSL_CTX* ctx = SSL_CTX_new(TLS_server_method());
  EXPECT_EQ(SSL_CTX_use_certificate(ctx, leaf.cert.get()), 1);
  EXPECT_EQ(SSL_CTX_use_PrivateKey(ctx, leaf.key.get()), 1);
  EXPECT_EQ(SSL_CTX_check_private_key(ctx), 1);
  SSL_CTX_free(ctx);

  auto back = parse_cert_pem(leaf.cert_pem());
  EXPECT_EQ(X509_cmp(back.get(), leaf.cert.get()), 0);
  const auto key_pem = leaf.key_pem();
  BIO* b = BIO_new_mem_buf(key_pem.data(), static_cast<int>(key_pem.size()));
  EVP_PKEY* k = PEM_read_bio_PrivateKey(b, nullptr, nullptr, nullptr);
  BIO_free(b);
  ASSERT_NE(k, nullptr);
  EXPECT_EQ(EVP_PKEY_eq(k, leaf.key.get()), 1);
  EVP_PKEY_free(k);

  EXPECT_TRUE(std::regex_match(leaf.sha256_fingerprint(), std::regex("^([0-9a-f]{2}:){31}[0-9a-f]{2}$")));
  auto der = leaf.public_key_der();
  ASSERT_FALSE(der.empty());
  EXPECT_EQ(der[0], 0x30);
  const unsigned char* p = der.data();
  EVP_PKEY* pub = d2i_PublicKey(EVP_PKEY_RSA, nullptr, &p, static_cast<long>(der.size()));  // PKCS#1 RSAPublicKey
  ASSERT_NE(pub, nullptr);
  EXPECT_EQ(EVP_PKEY_eq(pub, leaf.key.get()), 1);
  EVP_PKEY_free(pub);
}

TEST(Certs, KeyFilesAreOwnerOnlyAndNeverOverwritten) {
  char tmpl[] = "/tmp/rdpfault-certs-XXXXXX";
  const std::string dir = mkdtemp(tmpl);
  auto id = make_self_signed(CertSpec{});
  const std::string key = dir + "/key.pem";
  write_key_file(key, id);
  struct stat st{};
  ASSERT_EQ(stat(key.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_THROW(write_key_file(key, id), std::runtime_error);
  write_cert_file(dir + "/cert.pem", id);
  ASSERT_EQ(stat((dir + "/cert.pem").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0644u);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace rdpfault::certs
