// EC_KEY, EC_POINT and ECDSA_verify are deprecated in OpenSSL 3.0 in favour of EVP, but remain
// its supported implementation underneath; the EVP wrappers are what cost the time here
// (ecdsa_verify.h). The deprecation attributes are silenced for this file only.
#define OPENSSL_SUPPRESS_DEPRECATED 1

#include "ecdsa_verify.h"

#include <limits>
#include <memory>

#include <openssl/ec.h>
#include <openssl/ecdsa.h>
#include <openssl/obj_mac.h>

#include "signet/core/ossl.h"

namespace signet {
namespace {

struct GroupFree {
  void operator()(EC_GROUP* g) const noexcept { EC_GROUP_free(g); }
};
struct KeyFree {
  void operator()(EC_KEY* k) const noexcept { EC_KEY_free(k); }
};
struct PointFree {
  void operator()(EC_POINT* p) const noexcept { EC_POINT_free(p); }
};

// One per thread and curve: EC_KEY and EC_POINT are mutable, so they are never shared.
class CurveVerifier {
 public:
  explicit CurveVerifier(int nid)
      : group_(EC_GROUP_new_by_curve_name(nid)),
        key_(EC_KEY_new()),
        point_(group_ ? EC_POINT_new(group_.get()) : nullptr) {
    ready_ = group_ && key_ && point_ && EC_KEY_set_group(key_.get(), group_.get()) == 1;
  }

  Result<bool> verify(ByteView point, ByteView digest, ByteView der_signature) {
    if (!ready_) return fail(ErrorCode::kInternal, "EC verifier setup: " + ossl::drain_errors());
    if (der_signature.size() > static_cast<std::size_t>(std::numeric_limits<int>::max()) ||
        digest.size() > static_cast<std::size_t>(std::numeric_limits<int>::max())) {
      return false;
    }
    // oct2point refuses encodings of the wrong length and points off the curve; the point at
    // infinity (a lone 0x00 octet) is refused explicitly.
    if (EC_POINT_oct2point(group_.get(), point_.get(), point.data(), point.size(), nullptr) != 1 ||
        EC_POINT_is_at_infinity(group_.get(), point_.get()) == 1 ||
        EC_KEY_set_public_key(key_.get(), point_.get()) != 1) {
      ossl::drain_errors();
      return fail(ErrorCode::kInvalidArgument,
                  "the point is not on the curve or not encoded as SEC 1 §2.3.3 says");
    }
    const int rc =
        ECDSA_verify(0, digest.data(), static_cast<int>(digest.size()), der_signature.data(),
                     static_cast<int>(der_signature.size()), key_.get());
    if (rc != 1) ossl::drain_errors();
    return rc == 1;
  }

 private:
  std::unique_ptr<EC_GROUP, GroupFree> group_;
  std::unique_ptr<EC_KEY, KeyFree> key_;
  std::unique_ptr<EC_POINT, PointFree> point_;
  bool ready_ = false;
};

}  // namespace

Result<bool> ecdsa_verify_digest(KeyType curve, ByteView point, ByteView digest,
                                 ByteView der_signature) {
  switch (curve) {
    case KeyType::kEcP256: {
      thread_local CurveVerifier verifier(NID_X9_62_prime256v1);
      return verifier.verify(point, digest, der_signature);
    }
    case KeyType::kEcP384: {
      thread_local CurveVerifier verifier(NID_secp384r1);
      return verifier.verify(point, digest, der_signature);
    }
    case KeyType::kRsa:
    case KeyType::kEd25519:
      break;
  }
  return fail(ErrorCode::kInternal, "ecdsa_verify_digest: not an EC key type");
}

}  // namespace signet
