// The pipeline issuing real certificates from CSRs: the order holds, bad requests get their own
// errors, and every certificate verifies under the CA with OpenSSL (a verifier we did not write).
#include "signet/scheduler/issue_work.h"

#include <atomic>
#include <vector>

#include <gtest/gtest.h>

#include "signet/core/issuer.h"
#include "signet/core/software_signer.h"

#include "test_csr.h"

namespace signet::scheduler {
namespace {

using testing::CsrSpec;
using testing::make_csr_der;
using testing::openssl_verifies;

TEST(IssueWorkTest, APipelineOfCsrsBecomesCertificatesInOrder) {
  auto signer = SoftwareSigner::generate({KeyType::kEcP256, 0});
  ASSERT_TRUE(signer);
  const auto now = std::chrono::system_clock::now();
  const auto ca_der = create_self_signed_ca({{NameAttributeType::kCommonName, "kubernetes"}},
                                            std::chrono::hours(24 * 365), now, **signer);
  ASSERT_TRUE(ca_der);
  const auto ca = CaCertificate::parse(*ca_der);
  ASSERT_TRUE(ca);
  const Profile* profile = builtin_profiles().find("kubelet-client");
  ASSERT_NE(profile, nullptr);

  constexpr int kItems = 120;
  std::vector<Bytes> csrs;
  for (int i = 0; i < kItems; ++i) {
    CsrSpec spec;
    spec.subject = {{"O", i % 10 == 3 ? "system:masters" : "system:nodes"},
                    {"CN", "system:node:n" + std::to_string(i)}};
    Bytes der = make_csr_der(spec);
    if (i % 10 == 7) der.back() ^= 0x01;  // the signature no longer verifies
    csrs.push_back(std::move(der));
  }
  const IssueContext context{&*ca, (*signer)->algorithm(), now};
  int next = 0;
  ItemSource source = [&]() -> std::optional<PipelineItem> {
    if (next == kItems) return std::nullopt;
    const int i = next++;
    return PipelineItem{"n" + std::to_string(i), make_csr_work(context, csrs[i], *profile)};
  };
  std::vector<ItemResult> results;
  ItemSink sink = [&](ItemResult&& r) -> Status {
    results.push_back(std::move(r));
    return {};
  };
  PipelineOptions options;
  options.max_in_flight = 16;
  options.cpu_threads = 2;
  const auto stats = run_pipeline(source, **signer, sink, options);
  ASSERT_TRUE(stats) << stats.error().message();
  ASSERT_EQ(results.size(), static_cast<std::size_t>(kItems));
  EXPECT_EQ(stats->errors, 24U);
  for (int i = 0; i < kItems; ++i) {
    const auto& r = results[static_cast<std::size_t>(i)];
    EXPECT_EQ(r.id, "n" + std::to_string(i));
    if (i % 10 == 3) {
      ASSERT_FALSE(r.output);
      EXPECT_EQ(r.output.error().message(),
                "kubelet-client: subject O must be exactly system:nodes, got [system:masters]")
          << r.output.error().message();
    } else if (i % 10 == 7) {
      ASSERT_FALSE(r.output);
      EXPECT_NE(r.output.error().message().find("signature"), std::string::npos)
          << r.output.error().message();
    } else {
      ASSERT_TRUE(r.output) << i << ": " << r.output.error().message();
      EXPECT_TRUE(openssl_verifies(*r.output, ca->public_key_der())) << i;
    }
  }
}

// Recertify through the same pipeline (and so under TSan, this binary's label): OLD's leaves are
// re-signed under NEW in order; a leaf of another CA and a tampered one are refused per item; the
// ledger source accepts the tampered bytes (their signature is not its check) but not the
// foreign CA's.
TEST(IssueWorkTest, APipelineOfOldCertificatesIsRecertifiedInOrder) {
  const auto now = std::chrono::system_clock::now();
  const auto make_ca = [&](const char* cn) {
    auto signer = SoftwareSigner::generate({KeyType::kEcP256, 0});
    EXPECT_TRUE(signer);
    const auto der = create_self_signed_ca({{NameAttributeType::kCommonName, cn}},
                                           std::chrono::hours(24 * 365), now, **signer);
    EXPECT_TRUE(der);
    auto ca = CaCertificate::parse(*der);
    EXPECT_TRUE(ca);
    return std::make_pair(std::move(*signer), std::move(*ca));
  };
  auto [old_signer, old_ca] = make_ca("kubernetes");
  auto [other_signer, other_ca] = make_ca("etcd-ca");
  auto [new_signer, new_ca] = make_ca("kubernetes-2027");
  const Profile* profile = builtin_profiles().find("kubelet-client");
  ASSERT_NE(profile, nullptr);

  constexpr int kItems = 120;
  std::vector<Bytes> old_certificates;
  for (int i = 0; i < kItems; ++i) {
    CsrSpec spec;
    spec.subject = {{"O", "system:nodes"}, {"CN", "system:node:n" + std::to_string(i)}};
    const auto csr = Csr::parse(make_csr_der(spec));
    ASSERT_TRUE(csr);
    const bool foreign = i % 10 == 3;
    const auto issued = issue_certificate(
        foreign ? other_ca : old_ca, foreign ? *other_signer : *old_signer, *profile, *csr, now);
    ASSERT_TRUE(issued);
    Bytes der = issued->der;
    if (i % 10 == 7) der.back() ^= 0x01;  // OLD's signature no longer verifies
    old_certificates.push_back(std::move(der));
  }
  const IssueContext context{&new_ca, new_signer->algorithm(), now};
  for (const RecertifySource from :
       {RecertifySource::kCertificate, RecertifySource::kLedgerRecord}) {
    int next = 0;
    ItemSource source = [&]() -> std::optional<PipelineItem> {
      if (next == kItems) return std::nullopt;
      const int i = next++;
      return PipelineItem{
          "n" + std::to_string(i),
          make_recertify_work(context, old_ca, old_certificates[i], *profile, {}, from)};
    };
    std::vector<ItemResult> results;
    ItemSink sink = [&](ItemResult&& r) -> Status {
      results.push_back(std::move(r));
      return {};
    };
    PipelineOptions options;
    options.max_in_flight = 16;
    options.cpu_threads = 2;
    const auto stats = run_pipeline(source, *new_signer, sink, options);
    ASSERT_TRUE(stats) << stats.error().message();
    ASSERT_EQ(results.size(), static_cast<std::size_t>(kItems));
    const bool ledger = from == RecertifySource::kLedgerRecord;
    EXPECT_EQ(stats->errors, ledger ? 12U : 24U);
    for (int i = 0; i < kItems; ++i) {
      const auto& r = results[static_cast<std::size_t>(i)];
      EXPECT_EQ(r.id, "n" + std::to_string(i));
      if (i % 10 == 3) {
        ASSERT_FALSE(r.output);
        EXPECT_NE(r.output.error().message().find("its issuer is 'CN=etcd-ca'"), std::string::npos)
            << r.output.error().message();
      } else if (i % 10 == 7 && !ledger) {
        ASSERT_FALSE(r.output);
        EXPECT_NE(r.output.error().message().find("does not verify"), std::string::npos)
            << r.output.error().message();
      } else {
        ASSERT_TRUE(r.output) << i << ": " << r.output.error().message();
        EXPECT_TRUE(openssl_verifies(*r.output, new_ca.public_key_der())) << i;
        EXPECT_FALSE(openssl_verifies(*r.output, old_ca.public_key_der())) << i;
      }
    }
  }
}

}  // namespace
}  // namespace signet::scheduler
