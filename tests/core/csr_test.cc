#include "signet/core/csr.h"

#include <filesystem>
#include <fstream>
#include <iterator>

#include <gtest/gtest.h>

#include "signet/core/pem.h"

#include "test_csr.h"

namespace signet {
namespace {

using testing::CsrSpec;
using testing::make_csr_der;

void expect_refused(ByteView input, const std::string& message) {
  const auto csr = Csr::parse(input);
  ASSERT_FALSE(csr) << message;
  EXPECT_NE(csr.error().message().find(message), std::string::npos) << csr.error().message();
  EXPECT_EQ(csr.error().retry(), Retry::kNever);
}

TEST(CsrTest, ParsesPemAndDerAndKeepsTheKeyBytes) {
  const Bytes der = make_csr_der({});
  const auto from_der = Csr::parse(der);
  ASSERT_TRUE(from_der) << from_der.error().message();
  EXPECT_EQ(from_der->key().type, KeyType::kEcP256);
  EXPECT_EQ(format_name(from_der->subject()), "O=system:nodes, CN=system:node:n1");
  EXPECT_TRUE(from_der->requested_names().empty());
  const std::string pem = pem_encode("CERTIFICATE REQUEST", der);
  const auto from_pem = Csr::parse(as_bytes(pem));
  ASSERT_TRUE(from_pem);
  EXPECT_TRUE(std::equal(from_pem->public_key_der().begin(), from_pem->public_key_der().end(),
                         from_der->public_key_der().begin(), from_der->public_key_der().end()));
}

TEST(CsrTest, ReportsRequestedNamesAndExtensions) {
  CsrSpec spec;
  spec.san = "DNS:n1.example,IP:10.0.0.1";
  const auto csr = Csr::parse(make_csr_der(spec));
  ASSERT_TRUE(csr);
  EXPECT_EQ(csr->requested_names().dns, std::vector<std::string>{"n1.example"});
  EXPECT_EQ(csr->requested_names().ip, std::vector<std::string>{"10.0.0.1"});
  EXPECT_EQ(csr->requested_extensions(), std::vector<std::string>{"2.5.29.17"});
}

TEST(CsrTest, RefusesMalformedHostileAndUnprovenRequests) {
  expect_refused(as_bytes(""), "empty");
  expect_refused(as_bytes("hello"), "not a valid PKCS#10 request");
  Bytes der = make_csr_der({});
  expect_refused(ByteView(der).first(der.size() / 2), "not a valid PKCS#10 request");
  Bytes trailing = der;
  trailing.push_back(0);
  expect_refused(trailing, "trailing data");
  Bytes tampered = der;
  tampered[tampered.size() - 5] ^= 0x01U;  // inside the signature
  expect_refused(tampered, "does not verify");
  expect_refused(Bytes(Csr::kMaxBytes + 1, 0x30), "the limit is");
  const std::string pem = pem_encode("CERTIFICATE REQUEST", der);
  expect_refused(as_bytes(pem + pem), "exactly one block");
  expect_refused(as_bytes(pem_encode("CERTIFICATE", der)), "expected a PEM 'CERTIFICATE REQUEST'");
  std::string bad_b64 = pem;
  bad_b64[40] = '*';
  expect_refused(as_bytes(bad_b64), "base64");
  CsrSpec sha1;
  sha1.digest = "SHA1";
  expect_refused(make_csr_der(sha1), "SHA-1 and MD5 signatures are refused");
  CsrSpec uid;
  uid.subject = {{"UID", "x"}, {"CN", "system:node:n1"}};
  expect_refused(make_csr_der(uid), "is not supported (CN, O, OU, C, ST, L)");
}

// The seed corpus (tests/fuzz/corpus/csr) holds requests made by the openssl CLI for every key
// type and digest family signet accepts: RSA PKCS#1 and PSS, P-256, P-384 with extensions,
// Ed25519. Each must parse and prove possession.
TEST(CsrTest, ParsesOpenSslCliRequestsOfEveryKind) {
  const std::filesystem::path dir =
      std::filesystem::path(SIGNET_SOURCE_DIR) / "tests/fuzz/corpus/csr";
  const auto read = [](const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  };
  std::size_t count = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    const auto csr = Csr::parse(as_bytes(read(entry.path())));
    EXPECT_TRUE(csr) << entry.path() << ": " << csr.error().message();
    ++count;
  }
  EXPECT_GE(count, 7U);
  const auto pss = Csr::parse(as_bytes(read(dir / "rsa-pss.der")));
  ASSERT_TRUE(pss);
  EXPECT_EQ(pss->signature_algorithm(), CsrSignatureAlgorithm::kRsaPssSha256);
  const auto ed = Csr::parse(as_bytes(read(dir / "ed25519.der")));
  ASSERT_TRUE(ed);
  EXPECT_EQ(ed->key().type, KeyType::kEd25519);
}

}  // namespace
}  // namespace signet
