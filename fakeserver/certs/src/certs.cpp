#include "rdpfault/certs/certs.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <stdexcept>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>

namespace rdpfault::certs {
namespace {

[[noreturn]] void fail(const std::string& what) {
  std::string s = "certs: " + what;
  while (unsigned long e = ERR_get_error()) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    s += ": ";
    s += buf;
  }
  throw std::runtime_error(s);
}

struct BioFree {
  void operator()(BIO* b) const noexcept { BIO_free(b); }
};
using BioPtr = std::unique_ptr<BIO, BioFree>;

std::string bio_string(BIO* b) {
  char* data = nullptr;
  long n = BIO_get_mem_data(b, &data);
  return std::string(data, static_cast<std::size_t>(n));
}

const EVP_MD* digest_of(Digest d) {
  switch (d) {
    case Digest::sha256: return EVP_sha256();
    case Digest::sha384: return EVP_sha384();
    case Digest::sha512: return EVP_sha512();
    case Digest::sha1: return EVP_sha1();
  }
  return EVP_sha256();
}

void add_ext(X509* cert, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
  if (ext == nullptr) fail("extension " + std::string(OBJ_nid2sn(nid)) + "=" + value);
  X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
}

void set_name(X509_NAME* name, const CertSpec& spec) {
  auto add = [&](const char* field, const std::string& v) {
    if (v.empty()) return;
    if (!X509_NAME_add_entry_by_txt(name, field, MBSTRING_UTF8, reinterpret_cast<const unsigned char*>(v.c_str()), -1, -1,
                                    0)) {
      fail(std::string("subject ") + field);
    }
  };
  add("O", spec.organization);
  add("CN", spec.common_name);
}

/// Builds and signs a certificate for `key`; `issuer` null means self-signed.
CertPtr build(const CertSpec& spec, EVP_PKEY* key, X509* issuer_cert, EVP_PKEY* issuer_key) {
  CertPtr cert(X509_new());
  if (!cert) fail("X509_new");
  X509_set_version(cert.get(), 2);
  unsigned char serial[16];
  RAND_bytes(serial, sizeof serial);
  serial[0] &= 0x7F;  // Positive.
  BIGNUM* bn = BN_bin2bn(serial, sizeof serial, nullptr);
  BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert.get()));
  BN_free(bn);
  X509_time_adj_ex(X509_getm_notBefore(cert.get()), 0, static_cast<long>(spec.not_before_offset.count()), nullptr);
  X509_time_adj_ex(X509_getm_notAfter(cert.get()), 0, static_cast<long>(spec.not_after_offset.count()), nullptr);
  X509_set_pubkey(cert.get(), key);
  set_name(X509_get_subject_name(cert.get()), spec);
  X509* issuer = issuer_cert ? issuer_cert : cert.get();
  X509_set_issuer_name(cert.get(), X509_get_subject_name(issuer));

  const bool rsa = EVP_PKEY_get_base_id(key) == EVP_PKEY_RSA;
  add_ext(cert.get(), issuer, NID_basic_constraints, spec.is_ca ? "critical,CA:TRUE" : "critical,CA:FALSE");
  add_ext(cert.get(), issuer, NID_key_usage,
          spec.is_ca ? "critical,keyCertSign,cRLSign"
                     : (rsa ? "critical,digitalSignature,keyEncipherment" : "critical,digitalSignature"));
  if (!spec.is_ca) add_ext(cert.get(), issuer, NID_ext_key_usage, "serverAuth");
  add_ext(cert.get(), issuer, NID_subject_key_identifier, "hash");
  if (issuer_cert) add_ext(cert.get(), issuer, NID_authority_key_identifier, "keyid:always");
  std::string san;
  for (const auto& d : spec.dns_names) san += (san.empty() ? "" : ",") + std::string("DNS:") + d;
  for (const auto& ip : spec.ip_addresses) san += (san.empty() ? "" : ",") + std::string("IP:") + ip;
  if (!san.empty()) add_ext(cert.get(), issuer, NID_subject_alt_name, san);

  EVP_PKEY* signer = issuer_key ? issuer_key : key;
  const int signer_id = EVP_PKEY_get_base_id(signer);
  const EVP_MD* md = (signer_id == EVP_PKEY_ED25519 || signer_id == EVP_PKEY_ED448) ? nullptr : digest_of(spec.digest);
  if (X509_sign(cert.get(), signer, md) == 0) fail("X509_sign");
  return cert;
}

}  // namespace

KeyPtr generate_key(KeyType type, int rsa_bits) {
  EVP_PKEY* k = nullptr;
  switch (type) {
    case KeyType::rsa: k = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<std::size_t>(rsa_bits)); break;
    case KeyType::ecdsa_p256: k = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"); break;
    case KeyType::ecdsa_p384: k = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-384"); break;
    case KeyType::ed25519: k = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"); break;
  }
  if (k == nullptr) fail("key generation");
  return KeyPtr(k);
}

Identity make_ca(const CertSpec& spec) {
  CertSpec s = spec;
  s.is_ca = true;
  Identity id;
  id.key = generate_key(s.key_type, s.rsa_bits);
  id.cert = build(s, id.key.get(), nullptr, nullptr);
  return id;
}

Identity make_leaf(const CertSpec& spec, const Identity& issuer) {
  Identity id;
  id.key = generate_key(spec.key_type, spec.rsa_bits);
  id.cert = build(spec, id.key.get(), issuer.cert.get(), issuer.key.get());
  return id;
}

Identity make_self_signed(const CertSpec& spec) {
  Identity id;
  id.key = generate_key(spec.key_type, spec.rsa_bits);
  id.cert = build(spec, id.key.get(), nullptr, nullptr);
  return id;
}

std::string Identity::cert_pem() const {
  BioPtr b(BIO_new(BIO_s_mem()));
  if (!PEM_write_bio_X509(b.get(), cert.get())) fail("PEM_write_bio_X509");
  return bio_string(b.get());
}

std::string Identity::key_pem() const {
  BioPtr b(BIO_new(BIO_s_mem()));
  if (!PEM_write_bio_PrivateKey(b.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr)) fail("PEM_write_bio_PrivateKey");
  return bio_string(b.get());
}

std::string Identity::sha256_fingerprint() const {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  if (!X509_digest(cert.get(), EVP_sha256(), md, &n)) fail("X509_digest");
  std::string s;
  char buf[4];
  for (unsigned i = 0; i < n; ++i) {
    std::snprintf(buf, sizeof buf, i ? ":%02x" : "%02x", md[i]);
    s += buf;
  }
  return s;
}

std::vector<std::uint8_t> Identity::public_key_der() const {
  EVP_PKEY* pub = X509_get0_pubkey(cert.get());
  unsigned char* der = nullptr;
  int n = i2d_PublicKey(pub, &der);
  if (n <= 0) fail("i2d_PublicKey");
  std::vector<std::uint8_t> out(der, der + n);
  OPENSSL_free(der);
  return out;
}

namespace {
void write_file(const std::string& path, const std::string& data, int flags, mode_t mode) {
  int fd = ::open(path.c_str(), flags | O_WRONLY | O_CLOEXEC, mode);
  if (fd < 0) throw std::runtime_error("certs: cannot create " + path + ": " + std::strerror(errno));
  std::size_t off = 0;
  while (off < data.size()) {
    ssize_t n = ::write(fd, data.data() + off, data.size() - off);
    if (n <= 0) {
      ::close(fd);
      throw std::runtime_error("certs: cannot write " + path);
    }
    off += static_cast<std::size_t>(n);
  }
  ::close(fd);
}
}  // namespace

void write_key_file(const std::string& path, const Identity& id) {
  write_file(path, id.key_pem(), O_CREAT | O_EXCL, 0600);
}

void write_cert_file(const std::string& path, const Identity& id) {
  write_file(path, id.cert_pem(), O_CREAT | O_TRUNC, 0644);
}

CertPtr parse_cert_pem(const std::string& pem) {
  BioPtr b(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  CertPtr c(PEM_read_bio_X509(b.get(), nullptr, nullptr, nullptr));
  if (!c) fail("PEM_read_bio_X509");
  return c;
}

}  // namespace rdpfault::certs
