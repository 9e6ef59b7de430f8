#pragma once
/// CredSSP messages ([MS-CSSP] 2.2.1), DER on the TLS channel after PROTOCOL_HYBRID is selected.
///
///   TSRequest ::= SEQUENCE {
///     version    [0] INTEGER,
///     negoTokens [1] NegoData OPTIONAL,      -- SEQUENCE OF SEQUENCE { negoToken [0] OCTET STRING }
///     authInfo   [2] OCTET STRING OPTIONAL,  -- sealed TSCredentials
///     pubKeyAuth [3] OCTET STRING OPTIONAL,
///     errorCode  [4] INTEGER OPTIONAL,       -- NTSTATUS, versions 3 and later
///     clientNonce [5] OCTET STRING OPTIONAL  -- 32 bytes, versions 5 and later
///   }
///
/// Encoding follows what FreeRDP 2.11's BER reader accepts (docs/connection-sequence.md,
/// "Encoding FreeRDP's reader accepts"): fields in tag order, constructed context tags A0..A5,
/// and errorCode always as a 4-byte two's-complement INTEGER (a 5-byte strict-DER form is
/// rejected by FreeRDP).
#include <optional>
#include <string>
#include <vector>

#include "rdpfault/pdu/cursor.hpp"

namespace rdpfault::pdu {

struct TsRequest {
  static constexpr std::string_view kName = "credssp tsrequest";
  std::uint32_t version = 6;
  std::vector<Bytes> nego_tokens;
  std::optional<Bytes> auth_info;
  std::optional<Bytes> pub_key_auth;
  std::optional<std::uint32_t> error_code;
  std::optional<Bytes> client_nonce;

  static DecodeResult<TsRequest> decode(ByteView frame);
  Bytes encode() const;
  bool operator==(const TsRequest&) const = default;
};

/// [MS-CSSP 2.2.1.2] TSCredentials with [2.2.1.2.1] TSPasswordCreds (credType 1). The
/// password is never kept: only whether one was sent.
struct TsCredentials {
  static constexpr std::string_view kName = "credssp tscredentials";
  std::uint32_t cred_type = 1;
  std::string domain;  ///< From UTF-16LE; non-ASCII code units become '?'.
  std::string user;
  bool password_present = false;

  static DecodeResult<TsCredentials> decode(ByteView data);
};

/// Size of the DER SEQUENCE at the start of `data` (a whole TSRequest): 0 when more bytes are
/// needed, an error when it is not a SEQUENCE or claims more than 64 KiB.
DecodeResult<std::size_t> der_frame_size(ByteView data);

/// TSPasswordCreds for tests and the client side of our own tools: UTF-16LE strings inside.
Bytes encode_ts_credentials(std::string_view domain, std::string_view user, std::string_view password);

}  // namespace rdpfault::pdu
