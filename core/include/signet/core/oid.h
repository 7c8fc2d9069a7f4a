// Object identifiers signet writes and compares, as DER content octets (no tag, no length).
#pragma once

#include <array>
#include <cstdint>

namespace signet::oid {

// Public-key algorithms and curves (RFC 3279 §2.3.1, RFC 5480 §2.1.1, RFC 8410 §3).
inline constexpr std::array<std::uint8_t, 9> kRsaEncryption = {0x2a, 0x86, 0x48, 0x86, 0xf7,
                                                               0x0d, 0x01, 0x01, 0x01};
inline constexpr std::array<std::uint8_t, 7> kEcPublicKey = {0x2a, 0x86, 0x48, 0xce,
                                                             0x3d, 0x02, 0x01};
inline constexpr std::array<std::uint8_t, 8> kP256 = {0x2a, 0x86, 0x48, 0xce,
                                                      0x3d, 0x03, 0x01, 0x07};
inline constexpr std::array<std::uint8_t, 5> kP384 = {0x2b, 0x81, 0x04, 0x00, 0x22};
inline constexpr std::array<std::uint8_t, 3> kEd25519 = {0x2b, 0x65, 0x70};

}  // namespace signet::oid
