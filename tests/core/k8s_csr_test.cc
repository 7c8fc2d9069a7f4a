// CertificateSigningRequest objects (certificates.k8s.io/v1): strict parsing, the approval
// rules of the KCM signer, and the objects written back.
#include "signet/core/k8s_csr.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "signet/core/base64.h"
#include "signet/core/pem.h"

#include "test_csr.h"

namespace signet {
namespace {

using nlohmann::json;

json object(const json& conditions = json::array({{{"type", "Approved"}, {"status", "True"}}})) {
  const std::string pem = pem_encode("CERTIFICATE REQUEST", testing::make_csr_der({}));
  json j = {{"apiVersion", "certificates.k8s.io/v1"},
            {"kind", "CertificateSigningRequest"},
            {"metadata", {{"name", "node-csr-1"}, {"uid", "0f0e"}}},
            {"spec",
             {{"request", base64_encode(as_bytes(pem))},
              {"signerName", "kubernetes.io/kube-apiserver-client-kubelet"},
              {"usages", {"digital signature", "client auth"}},
              {"username", "system:node:n1"},
              {"groups", {"system:nodes", "system:authenticated"}}}}};
  if (!conditions.empty()) j["status"]["conditions"] = conditions;
  return j;
}

TEST(K8sCsrTest, ApprovedObjectIsSignableAndKeepsEveryField) {
  json j = object();
  j["spec"]["expirationSeconds"] = 3600;
  const auto csr = K8sCsr::parse(j.dump());
  ASSERT_TRUE(csr) << csr.error().message();
  EXPECT_EQ(csr->name(), "node-csr-1");
  EXPECT_EQ(csr->signer_name(), "kubernetes.io/kube-apiserver-client-kubelet");
  EXPECT_EQ(csr->usages(), (std::vector<std::string>{"digital signature", "client auth"}));
  EXPECT_EQ(csr->expiration(), std::chrono::seconds(3600));
  EXPECT_EQ(as_text(csr->request()).rfind("-----BEGIN CERTIFICATE REQUEST-----", 0), 0U);
  EXPECT_TRUE(csr->check_signable());

  const json signed_object = json::parse(csr->with_certificate("PEM"));
  EXPECT_EQ(signed_object["status"]["certificate"], base64_encode(as_bytes("PEM")));
  json expected = j;
  expected["status"]["certificate"] = base64_encode(as_bytes("PEM"));
  EXPECT_EQ(signed_object, expected);

  const json failed = json::parse(csr->with_failure(
      "kubelet-client: usage 'server auth' is not allowed", std::chrono::system_clock::now()));
  ASSERT_EQ(failed["status"]["conditions"].size(), 2U);
  const json& c = failed["status"]["conditions"][1];
  EXPECT_EQ(c["type"], "Failed");
  EXPECT_EQ(c["status"], "True");
  EXPECT_EQ(c["reason"], "SignerValidationFailure");
  EXPECT_EQ(c["message"], "kubelet-client: usage 'server auth' is not allowed");
  EXPECT_TRUE(c.contains("lastUpdateTime"));
  EXPECT_FALSE(failed["status"].contains("certificate"));
}

TEST(K8sCsrTest, OnlyApprovedUnissuedObjectsAreSignable) {
  const std::vector<std::pair<json, std::string>> cases = {
      {json::array(),
       "CertificateSigningRequest 'node-csr-1' is not signed: it has no Approved "
       "condition"},
      {json::array(
           {{{"type", "Denied"}, {"status", "True"}, {"reason", "Nope"}, {"message", "no"}}}),
       "CertificateSigningRequest 'node-csr-1' is not signed: Denied (Nope): no"},
      {json::array(
           {{{"type", "Approved"}, {"status", "True"}},
            {{"type", "Failed"}, {"status", "True"}, {"reason", "SignerValidationFailure"}}}),
       "CertificateSigningRequest 'node-csr-1' is not signed: Failed (SignerValidationFailure)"},
  };
  for (const auto& [conditions, message] : cases) {
    const auto csr = K8sCsr::parse(object(conditions).dump());
    ASSERT_TRUE(csr) << csr.error().message();
    const auto status = csr->check_signable();
    ASSERT_FALSE(status);
    EXPECT_EQ(status.error().message().rfind(message, 0), 0U) << status.error().message();
    EXPECT_EQ(status.error().code(), ErrorCode::kFailedPrecondition);
  }
  json issued = object();
  issued["status"]["certificate"] = "LS0t";
  const auto csr = K8sCsr::parse(issued.dump());
  ASSERT_TRUE(csr);
  EXPECT_EQ(csr->check_signable().error().message(),
            "CertificateSigningRequest 'node-csr-1' already has status.certificate (immutable "
            "once set)");
}

TEST(K8sCsrTest, MalformedObjectsAreRefusedNamingThePath) {
  const auto with = [](const std::function<void(json&)>& edit) {
    json j = object();
    edit(j);
    return j.dump();
  };
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"not json", "CertificateSigningRequest object: is not valid JSON"},
      {with([](json& j) { j["apiVersion"] = "certificates.k8s.io/v1beta1"; }),
       "CertificateSigningRequest .apiVersion: must be certificates.k8s.io/v1, got "
       "'certificates.k8s.io/v1beta1'"},
      {with([](json& j) { j["kind"] = "Pod"; }),
       "CertificateSigningRequest .kind: must be CertificateSigningRequest, got 'Pod'"},
      {with([](json& j) { j["spec"].erase("request"); }),
       "CertificateSigningRequest .spec.request: is required"},
      {with([](json& j) { j["spec"]["request"] = "***"; }),
       "CertificateSigningRequest .spec.request is not valid base64: length is not a multiple of "
       "4"},
      {with([](json& j) { j["spec"]["signerName"] = "kubelet"; }),
       "CertificateSigningRequest .spec.signerName: must be <dns-subdomain>/<path>"},
      {with([](json& j) { j["spec"]["signerName"] = "kubernetes.io/legacy-unknown"; }),
       "CertificateSigningRequest .spec.signerName: kubernetes.io/legacy-unknown is refused"},
      {with([](json& j) { j["spec"]["usages"] = json::array(); }),
       "CertificateSigningRequest .spec.usages: is required and must be a non-empty array"},
      {with([](json& j) {
         j["spec"]["usages"] = {"client auth", "flying"};
       }),
       "CertificateSigningRequest .spec.usages[1]: unknown usage 'flying'"},
      {with([](json& j) {
         j["spec"]["usages"] = {"client auth", "client auth"};
       }),
       "CertificateSigningRequest .spec.usages[1]: usage 'client auth' is listed twice"},
      {with([](json& j) { j["spec"]["expirationSeconds"] = 599; }),
       "CertificateSigningRequest .spec.expirationSeconds: must be 600 to 2147483647"},
      {with([](json& j) { j["spec"]["expirationSeconds"] = "3600"; }),
       "CertificateSigningRequest .spec.expirationSeconds: must be an integer"},
      {with([](json& j) { j["spec"]["isCA"] = true; }),
       "CertificateSigningRequest .spec.isCA: unknown field"},
      {with([](json& j) {
         j["status"]["conditions"].push_back({{"type", "Denied"}, {"status", "True"}});
       }),
       "CertificateSigningRequest .status.conditions: Approved and Denied are mutually exclusive"},
      {with([](json& j) {
         j["status"]["conditions"].push_back({{"type", "Approved"}, {"status", "True"}});
       }),
       "CertificateSigningRequest .status.conditions[1].type: condition Approved appears twice"},
      {with([](json& j) { j["status"]["conditions"][0]["status"] = "False"; }),
       "CertificateSigningRequest .status.conditions[0].status: Approved conditions must be "
       "\"True\""},
  };
  for (const auto& [text, message] : cases) {
    const auto csr = K8sCsr::parse(text);
    ASSERT_FALSE(csr) << message;
    EXPECT_EQ(csr.error().message().rfind(message, 0), 0U)
        << "got: " << csr.error().message() << "\nwant prefix: " << message;
    EXPECT_EQ(csr.error().code(), ErrorCode::kInvalidArgument);
  }
  const auto huge = K8sCsr::parse(std::string(K8sCsr::kMaxBytes + 1, ' '));
  ASSERT_FALSE(huge);
  EXPECT_EQ(huge.error().message(),
            "CertificateSigningRequest object: is 262145 bytes; the limit is 262144");
}

TEST(Base64Test, RoundTripsAndRefusesNonCanonicalText) {
  for (const std::string s : {"", "f", "fo", "foo", "foob", "fooba", "foobar"}) {
    const auto back = base64_decode(base64_encode(as_bytes(s)), "x");
    ASSERT_TRUE(back);
    EXPECT_EQ(as_text(*back), s);
  }
  EXPECT_EQ(base64_encode(as_bytes("foobar")), "Zm9vYmFy");
  EXPECT_EQ(base64_decode("Zm9=", "x").error().message(),
            "x is not valid base64: non-canonical padding bits");
  EXPECT_EQ(base64_decode("Zm=v", "x").error().message(),
            "x is not valid base64: data after padding");
  EXPECT_EQ(base64_decode("Zm9v\n", "x").error().message(),
            "x is not valid base64: length is not a multiple of 4");
}

}  // namespace
}  // namespace signet
