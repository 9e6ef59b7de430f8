// The NTLM AUTHENTICATE and CHALLENGE readers the fake server runs on client input before
// WinPR does: every field bounded and inside the message, whatever the bytes.
#include <cstdint>
#include <cstdlib>

#include "rdpfault/pdu/ntlm.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const rdpfault::pdu::ByteView in(data, size);
  if (auto m = rdpfault::pdu::NtlmAuthenticate::decode(in)) {
    // Every view lies inside the input.
    for (auto v : {m->lm_response, m->nt_response, m->domain, m->user, m->workstation, m->session_key}) {
      if (!v.empty() && (v.data() < data || v.data() + v.size() > data + size)) std::abort();
    }
    (void)rdpfault::pdu::utf16le_to_utf8(m->user);
  }
  (void)rdpfault::pdu::ntlm_server_challenge(in);
  return 0;
}
