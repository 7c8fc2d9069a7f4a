// The pipeline issuing real certificates from CSRs: the order holds, bad requests get their own
// errors, and every certificate verifies under the CA with OpenSSL (a verifier we did not write).
#include "signet/scheduler/issue_work.h"

#include <atomic>
#include <vector>

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace signet::scheduler
