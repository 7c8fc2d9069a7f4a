// The baseline of `signet bench hsm`: plain PKCS#11, no signet code (no pool, no wrappers, no
// Result), so the ratio measures exactly what the engine adds on top of the token.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include <p11-kit/pkcs11.h>

namespace signet::hsm {

struct RawLoopSpec {
  CK_FUNCTION_LIST* fn = nullptr;
  CK_SLOT_ID slot = 0;
  std::vector<CK_BYTE> label;  // CKA_LABEL of the private key
  std::vector<CK_BYTE> id;     // CKA_ID, empty if none
  CK_MECHANISM_TYPE mechanism = CKM_ECDSA;
  std::size_t input_size = 32;  // 32 for a SHA-256 digest; 51 for DigestInfo (RSA)
  std::size_t signature_size = 64;
  // The user PIN: each thread logs in on its session (CKR_USER_ALREADY_LOGGED_IN is fine), so
  // the loop needs no session of the engine's to stay logged in.
  std::string_view pin;
};

// Signatures per second over `duration` with `threads` threads, one session each; -1 when a
// call failed (the message in `error`, its CK_RV in `failed_rv`: CKR_OK when the key was absent).
double raw_sign_rate(const RawLoopSpec& spec, std::size_t threads,
                     std::chrono::milliseconds duration, std::string& error, CK_RV& failed_rv);

}  // namespace signet::hsm
