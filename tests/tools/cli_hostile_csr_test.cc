// The hostile-input suite through `signet sign` (signet issue 4, item 6): each bad request fails
// with exit code 1 and its specific message, and nothing is issued — no output file and the
// state directory unchanged. The requests are assembled with signet's DER writer and signed with
// OpenSSL (tests/core/csr_builder.h), so each fails for its own reason.
#include <fstream>

#include <gtest/gtest.h>

#include "signet/core/pem.h"

#include "cert_lint.h"
#include "cli_runner.h"
#include "csr_builder.h"
#include "test_csr.h"

namespace signet::testing {
namespace {

class CliHostileCsrTest : public CliTest {
 protected:
  void SetUp() override {
    CliTest::SetUp();
    if (!ready_) return;
    make_ca("kubernetes", "ecdsa-p256");
    key_ = make_key("EC");
    spki_ = spki_of(key_.get());
    good_ = sign_request(key_.get(), request_info(node_subject(), spki_, {}));
    before_ = snapshot_state();
  }

  Bytes with_extensions(const std::vector<Bytes>& extensions) const {
    return sign_request(key_.get(),
                        request_info(node_subject(), spki_, extension_request(extensions)));
  }

  void write_bytes(const std::string& name, ByteView bytes) const {
    std::ofstream(dir_ / name, std::ios::binary)
        .write(reinterpret_cast<const char*>(bytes.data()),  // NOLINT
               static_cast<std::streamsize>(bytes.size()));
  }

  // Writes `csr` to a file, signs it, expects refusal with `message` and nothing written.
  void expect_refused(ByteView csr, const std::string& message) {
    write_bytes("hostile.csr", csr);
    const auto r = signet({"sign", "--ca", "kubernetes", "--profile", "kubelet-client", "--csr",
                           "hostile.csr", "--out", "out.crt"});
    EXPECT_EQ(r.exit_code, 1) << r.err;
    EXPECT_NE(r.err.find("hostile.csr"), std::string::npos) << r.err;  // the file is named
    EXPECT_NE(r.err.find(message), std::string::npos)
        << "stderr: " << r.err << "\nexpected: " << message;
    EXPECT_FALSE(std::filesystem::exists(dir_ / "out.crt"));
    EXPECT_EQ(snapshot_state(), before_);
  }

  ossl::EvpPkeyPtr key_;
  Bytes spki_;
  Bytes good_;
  std::string before_;
};

TEST_F(CliHostileCsrTest, TheCraftedGoodRequestIsIssued) {
  ASSERT_TRUE(ready_);
  write_bytes("good.der", good_);
  const auto r = signet({"sign", "--ca", "kubernetes", "--profile", "kubelet-client", "--csr",
                         "good.der", "--out", "out.crt"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(std::filesystem::exists(dir_ / "out.crt"));
  EXPECT_EQ(lint_pem_file(dir_ / "out.crt"), "");
}

TEST_F(CliHostileCsrTest, TruncatedAndOverLongDer) {
  ASSERT_TRUE(ready_);
  expect_refused(ByteView(good_).first(good_.size() - 1),
                 "CSR is not a valid PKCS#10 request: CertificationRequest: DER: value of");
  Bytes longer = good_;
  ++longer[2];
  expect_refused(longer, "runs past the end of data");
  expect_refused(Bytes{0x30, 0x85, 0x01, 0x00, 0x00, 0x00, 0x00}, "length of more than 4 octets");
}

TEST_F(CliHostileCsrTest, IndefiniteLengthAndDeepNesting) {
  ASSERT_TRUE(ready_);
  Bytes indefinite = {0x30, 0x80};
  indefinite.insert(indefinite.end(), good_.begin() + 3, good_.end());
  indefinite.insert(indefinite.end(), {0x00, 0x00});
  expect_refused(indefinite, "indefinite length is not allowed (X.690 §10.1)");
  Bytes nested = {0x05, 0x00};
  for (int i = 0; i < 40; ++i) nested = seq({nested});
  const Bytes attribute = seq({tlv(der::kOid, Bytes{0x2a, 0x03}), tlv(der::kSet, nested)});
  expect_refused(sign_request(key_.get(), request_info(node_subject(), spki_, attribute)),
                 "values nested deeper than 16 levels");
}

TEST_F(CliHostileCsrTest, WrongProofOfPossession) {
  ASSERT_TRUE(ready_);
  const auto other = make_key("EC");
  expect_refused(sign_request(other.get(), request_info(node_subject(), spki_, {})),
                 "CSR signature (ecdsa-with-SHA256) does not verify with its own public key");
}

TEST_F(CliHostileCsrTest, DuplicateCaTrueAndNameConstraintsRequests) {
  ASSERT_TRUE(ready_);
  const Bytes eku =
      extension({0x55, 0x1d, 0x25}, false, seq({tlv(der::kOid, Bytes{0x2b, 6, 1, 5, 5, 7, 3, 2})}));
  expect_refused(with_extensions({eku, eku}), "CSR requests extension 2.5.29.37 twice");
  expect_refused(
      with_extensions({extension(kBasicConstraintsOid, true, seq({Bytes{0x01, 0x01, 0xff}}))}),
      "CSR requests basicConstraints CA:TRUE");
  expect_refused(
      with_extensions({extension(
          kNameConstraintsOid, true,
          seq({tlv(der::context_constructed(0), seq({tlv(0x82, as_bytes("example.com"))}))}))}),
      "CSR requests nameConstraints (2.5.29.30)");
}

TEST_F(CliHostileCsrTest, NulBytesInNames) {
  ASSERT_TRUE(ready_);
  using namespace std::string_literals;
  const Bytes subject = seq({rdn(0x0a, der::kUtf8String, "system:nodes"),
                             rdn(0x03, der::kUtf8String, "system:node:n1\0evil"s)});
  expect_refused(sign_request(key_.get(), request_info(subject, spki_, {})),
                 "CSR subject CN contains a NUL byte");
}

TEST_F(CliHostileCsrTest, OversizedCsr) {
  ASSERT_TRUE(ready_);
  const Bytes attribute = seq({tlv(der::kOid, Bytes{0x2a, 0x03}),
                               tlv(der::kSet, tlv(der::kOctetString, Bytes(70000, 0x41)))});
  expect_refused(sign_request(key_.get(), request_info(node_subject(), spki_, attribute)),
                 "CSR hostile.csr is larger than 65536 bytes");
}

TEST_F(CliHostileCsrTest, PemLabelTwoRequestsAndTrailingGarbage) {
  ASSERT_TRUE(ready_);
  expect_refused(as_bytes(pem_encode("NEW CERTIFICATE REQUEST", good_)),
                 "expected a PEM 'CERTIFICATE REQUEST' block, found '-----BEGIN NEW CERTIFICATE "
                 "REQUEST-----'");
  const std::string pem = pem_encode("CERTIFICATE REQUEST", good_);
  expect_refused(as_bytes(pem + pem), "data after the PEM block (exactly one block expected)");
  Bytes trailing = good_;
  trailing.push_back(0x00);
  expect_refused(trailing, "CSR has 1 bytes of trailing data after the DER request");
}

}  // namespace
}  // namespace signet::testing
