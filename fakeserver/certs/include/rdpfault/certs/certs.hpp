#pragma once
/// Test certificates made at run time with the OpenSSL 3 API: a CA and leaves it signs (or
/// self-signed leaves), with a chosen validity window, subject, DNS/IP names, key and digest.
/// Nothing is ever committed, so nothing can expire in the repository.
///
/// Keys stay in memory. `write_key_file` is the only way a private key reaches the disk, and
/// it creates the file with mode 0600 (O_EXCL, never widening an existing file's mode).
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <openssl/evp.h>
#include <openssl/x509.h>

namespace rdpfault::certs {

enum class KeyType { rsa, ecdsa_p256, ecdsa_p384, ed25519 };
enum class Digest { sha256, sha384, sha512, sha1 };

struct EvpPkeyFree { void operator()(EVP_PKEY* k) const noexcept { EVP_PKEY_free(k); } };
struct X509Free { void operator()(X509* x) const noexcept { X509_free(x); } };
using KeyPtr = std::unique_ptr<EVP_PKEY, EvpPkeyFree>;
using CertPtr = std::unique_ptr<X509, X509Free>;

/// What to put into a certificate. Validity is relative to `now` so tests can make
/// "expired yesterday" or "valid from tomorrow" without a clock of their own.
struct CertSpec {
  std::string common_name = "localhost";
  std::string organization = "rdpfault test";
  std::vector<std::string> dns_names = {"localhost"};
  std::vector<std::string> ip_addresses;  ///< e.g. "127.0.0.1", "::1".
  KeyType key_type = KeyType::rsa;
  int rsa_bits = 2048;
  Digest digest = Digest::sha256;
  std::chrono::seconds not_before_offset = std::chrono::hours(-1);     ///< Relative to now.
  std::chrono::seconds not_after_offset = std::chrono::hours(24 * 30); ///< Relative to now.
  bool is_ca = false;
};

/// A certificate with its private key. Movable, not copyable.
struct Identity {
  CertPtr cert;
  KeyPtr key;

  std::string cert_pem() const;
  std::string key_pem() const;  ///< Unencrypted PKCS#8 PEM; keep it in memory.
  /// SHA-256 fingerprint as FreeRDP prints it: lower-case hex bytes joined by ':'.
  std::string sha256_fingerprint() const;
  /// Subject public key as the client hands it to CredSSP (i2d_PublicKey: PKCS#1 for RSA).
  std::vector<std::uint8_t> public_key_der() const;
};

/// Errors are thrown as std::runtime_error with OpenSSL's queued reason appended: making a
/// certificate can only fail through a bug or an impossible spec (e.g. rsa_bits = 17).
KeyPtr generate_key(KeyType type, int rsa_bits = 2048);
Identity make_ca(const CertSpec& spec);
/// A leaf signed by `issuer`.
Identity make_leaf(const CertSpec& spec, const Identity& issuer);
/// A self-signed leaf (not a CA).
Identity make_self_signed(const CertSpec& spec);

/// Writes PEM data to `path` with mode 0600; fails if the file exists. Throws on error.
void write_key_file(const std::string& path, const Identity& id);
/// Writes the certificate PEM (mode 0644). Throws on error.
void write_cert_file(const std::string& path, const Identity& id);

/// Parses a PEM certificate (for tests and for reading a user's CA back).
CertPtr parse_cert_pem(const std::string& pem);

}  // namespace rdpfault::certs
