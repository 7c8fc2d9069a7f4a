// POST /v1/k8s/csr (issue 7 item 3): a certificates.k8s.io/v1 CertificateSigningRequest object
// (JSON), answered with the same object as the signer controller would write it back (spec
// §2.3): status.certificate set (base64 of the PEM, as the API server stores it) next to the
// object's Approved condition, or a Failed condition (reason SignerValidationFailure) whose
// message names the profile rule the request broke. The object must already be Approved (the
// approver's decision is not the signer's to make, KEP-1513); a Denied, Failed or already issued
// object, an unknown signerName and a profile outside the caller's grant are refused (4xx, cfssl
// envelope) with nothing issued. spec.usages and spec.expirationSeconds apply, bounded by the
// profile, as in `signet sign --k8s-csr`.
#include <chrono>
#include <string>

#include "signet/core/k8s_csr.h"
#include "signet/core/pem.h"

#include "authorization.h"
#include "cfssl_envelope.h"
#include "issuance_path.h"
#include "metrics.h"
#include "service.h"

namespace signet::serve {
namespace {
constexpr const char* kEndpoint = "/v1/k8s/csr";
}  // namespace

Response k8s_csr(const Service& service, const Request& request) {
  auto caller = mtls_client(service, request, "k8s csr");
  if (!caller) return cfssl_failure(caller.error());
  if (request.body.size() > K8sCsr::kMaxBytes) {
    return cfssl_failure({413, 413,
                          "k8s csr: the object is " + std::to_string(request.body.size()) +
                              " bytes, at most " + std::to_string(K8sCsr::kMaxBytes)});
  }
  auto object = K8sCsr::parse(request.body);
  if (!object) return cfssl_failure({400, 400, "k8s csr: " + object.error().message()});
  if (auto signable = object->check_signable(); !signable) {
    return cfssl_failure({409, kCfsslPolicyInvalidRequest,
                          "k8s csr '" + object->name() + "': " + signable.error().message()});
  }
  const Profile* profile = service.profiles.find_by_signer(object->signer_name());
  if (profile == nullptr) {
    return cfssl_failure({400, kCfsslPolicyUnknownProfile,
                          "k8s csr '" + object->name() + "': no profile serves signerName " +
                              object->signer_name()});
  }
  if (auto limited = rate_limited(service, *caller)) return *limited;
  auto authorized = authorize(*caller, "", profile->name(), service.cas, service.profiles);
  if (!authorized) {
    Refusal r = authorized.error();
    r.message =
        "k8s csr '" + object->name() + "' (signerName " + object->signer_name() + "): " + r.message;
    return cfssl_failure(r);
  }
  RequestOptions options;
  options.usages = object->usages();
  options.expiration = object->expiration();
  auto issued = issue_one(service, *caller, *authorized, object->request(), options, kEndpoint);
  if (!issued) {
    // The request broke the profile (or its CSR is unreadable): the KCM signer's answer is a
    // Failed condition on the object, not an HTTP error. Anything else (signing, recording) is
    // the server's failure and stays one (503: retry).
    if (issued.error().status != 400) return cfssl_failure(issued.error());
    service.metrics.error("policy");
    return Response{200,
                    object->with_failure(issued.error().message, std::chrono::system_clock::now()),
                    "application/json", std::nullopt};
  }
  return Response{200, object->with_certificate(pem_encode("CERTIFICATE", issued->der)),
                  "application/json", std::nullopt};
}

}  // namespace signet::serve
