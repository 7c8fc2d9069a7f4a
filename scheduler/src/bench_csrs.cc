// The request corpus of `signet bench pipeline`: distinct kubelet client CSRs (KEP-4193 style
// node identities), generated once outside any clock.
#include <string>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "signet/core/ossl.h"
#include "signet/scheduler/pipeline_bench.h"

namespace signet::scheduler {

Result<std::vector<Bytes>> make_node_csrs(std::size_t count) {
  if (count == 0 || count > kMaxBenchCsrs) {
    return fail(ErrorCode::kInvalidArgument, "bench corpus: the CSR count must be 1 to " +
                                                 std::to_string(kMaxBenchCsrs) + ", got " +
                                                 std::to_string(count));
  }
  std::vector<Bytes> out;
  out.reserve(count);
  for (std::size_t i = 0; i < count; ++i) {
    const auto failed = [&](const char* step) {
      return fail(ErrorCode::kInternal, std::string("bench corpus: ") + step + " failed for CSR " +
                                            std::to_string(i) + ": " + ossl::drain_errors());
    };
    const ossl::EvpPkeyPtr key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
    const ossl::X509ReqPtr req(X509_REQ_new());
    if (!key || !req) return failed("key generation");
    // The subject the kubelet-client profile requires (O=system:nodes, CN=system:node:<name>).
    const std::string cn = "system:node:bench-" + std::to_string(i);
    X509_NAME* name = X509_REQ_get_subject_name(req.get());  // get0: owned by req
    const auto add = [&](const char* field, const std::string& value) {
      return X509_NAME_add_entry_by_txt(name, field, MBSTRING_UTF8,
                                        reinterpret_cast<const unsigned char*>(value.c_str()), -1,
                                        -1, 0) == 1;
    };
    if (!add("O", "system:nodes") || !add("CN", cn)) return failed("X509_NAME_add_entry");
    if (X509_REQ_set_pubkey(req.get(), key.get()) != 1 ||
        X509_REQ_sign(req.get(), key.get(), EVP_sha256()) <= 0) {
      return failed("X509_REQ_sign");
    }
    unsigned char* der = nullptr;
    const int len = i2d_X509_REQ(req.get(), &der);
    const ossl::BufferPtr owner(der);
    if (len <= 0) return failed("i2d_X509_REQ");
    out.emplace_back(der, der + len);
  }
  return out;
}

}  // namespace signet::scheduler
