// `signet sign-batch --recertify --from-ca OLD` through the CLI (signet issue 5, item 3): node
// certificates issued under OLD by sign-batch are re-signed under NEW; `openssl verify
// -x509_strict` accepts them under NEW alone and python3-cryptography confirms subject, SANs and
// public key are unchanged and the issuer is NEW. Forged inputs are refused per item with their
// reason while the good ones are issued.
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "cli_runner.h"

namespace signet::testing {
namespace {

namespace fs = std::filesystem;

std::string read_all(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class CliRecertifyTest : public CliTest {
 protected:
  void SetUp() override {
    CliTest::SetUp();
    if (!ready_) return;
    make_ca("kubernetes", "ecdsa-p256");
    // NEW in the same token, with another key type: rotation may change the algorithm.
    const std::string key =
        "pkcs11:token=cli;object=kubernetes-2027-key?pin-source=" + pin_source();
    auto r = signet({"key", "generate", "--algorithm", "rsa-2048", "--key", key});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    r = signet({"ca", "init", "--name", "kubernetes-2027", "--key", key, "--subject",
                "CN=kubernetes-2027", "--validity", "87600h", "--out", "kubernetes-2027.crt"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    fs::create_directories(dir_ / "csrs");
    for (int i = 0; i < 2; ++i) {
      const std::string n = "n" + std::to_string(i);
      const auto c =
          tool({"openssl", "req", "-new", "-nodes", "-newkey", "ec", "-pkeyopt",
                "ec_paramgen_curve:P-256", "-keyout", n + ".key", "-subj",
                "/O=system:nodes/CN=system:node:" + n, "-addext",
                "subjectAltName=DNS:" + n + ".example,IP:10.0.0." + std::to_string(i + 1), "-out",
                "csrs/" + n});
      ASSERT_EQ(c.exit_code, 0) << c.err;
    }
    r = signet({"sign-batch", "--ca", "kubernetes", "--profile", "kubelet-serving", "--in", "csrs",
                "--out", "old"});
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  }
};

TEST_F(CliRecertifyTest, ReissuesUnderNewCaAndRefusesForgeriesPerItem) {
  ASSERT_TRUE(ready_);
  // Forgeries next to the genuine n0.crt and n1.crt: a self-signed certificate naming a node, a
  // certificate from another CA (made with the openssl CLI), and garbage.
  auto t = tool({"openssl", "req", "-x509", "-nodes", "-newkey", "ec", "-pkeyopt",
                 "ec_paramgen_curve:P-256", "-keyout", "self.key", "-subj",
                 "/O=system:nodes/CN=system:node:n9", "-days", "1", "-out", "old/self.crt"});
  ASSERT_EQ(t.exit_code, 0) << t.err;
  t = tool({"openssl", "req", "-x509", "-nodes", "-newkey", "ec", "-pkeyopt",
            "ec_paramgen_curve:P-256", "-keyout", "other.key", "-subj", "/CN=other-ca", "-days",
            "1", "-out", "other.crt"});
  ASSERT_EQ(t.exit_code, 0) << t.err;
  t = tool({"openssl", "x509", "-req", "-in", "csrs/n0", "-CA", "other.crt", "-CAkey", "other.key",
            "-days", "1", "-out", "old/other.crt"});
  ASSERT_EQ(t.exit_code, 0) << t.err;
  std::ofstream(dir_ / "old" / "zz-garbage.crt") << "-----BEGIN CERTIFICATE-----\nAAAA\n";

  const auto r =
      signet({"sign-batch", "--ca", "kubernetes-2027", "--recertify", "--from-ca", "kubernetes",
              "--profile", "kubelet-serving", "--in", "old", "--out", "new", "--output", "json"});
  EXPECT_EQ(r.exit_code, 1) << r.err;  // 1: some items were refused
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["count"], 5);
  EXPECT_EQ(j["issued"], 2);
  EXPECT_EQ(j["errors"], 3);
  EXPECT_NE(r.err.find(R"({"id":"self.crt","error":{"code":"invalid-argument","message":)"
                       R"("certificate is self-issued (issuer = subject 'O=system:nodes, )"
                       R"(CN=system:node:n9')"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find(R"({"id":"other.crt","error":{"code":"invalid-argument","message":)"
                       R"("certificate was not issued by the --from-ca CA 'CN=kubernetes': its )"
                       R"(issuer is 'CN=other-ca')"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find(R"({"id":"zz-garbage.crt","error")"), std::string::npos) << r.err;
  // Output files are <id>.crt and the id is the input's file name.
  EXPECT_TRUE(fs::exists(dir_ / "new" / "n0.crt.crt"));
  EXPECT_TRUE(fs::exists(dir_ / "new" / "n1.crt.crt"));
  EXPECT_FALSE(fs::exists(dir_ / "new" / "self.crt.crt"));
  EXPECT_FALSE(fs::exists(dir_ / "new" / "other.crt.crt"));

  // openssl: chains to NEW alone, strict, as a TLS server certificate.
  const auto v = tool({"openssl", "verify", "-x509_strict", "-purpose", "sslserver", "-CAfile",
                       "kubernetes-2027.crt", "new/n0.crt.crt", "new/n1.crt.crt"});
  EXPECT_EQ(v.exit_code, 0) << v.out << v.err;
  const auto v_old = tool({"openssl", "verify", "-CAfile", "kubernetes.crt", "new/n0.crt.crt"});
  EXPECT_NE(v_old.exit_code, 0) << "a recertified certificate must not verify under OLD";

  // python3-cryptography: same subject, SANs and key; issuer NEW; NEW's key verifies it.
  const auto py =
      tool({"python3", "-c",
            "from cryptography import x509\n"
            "from cryptography.hazmat.primitives import hashes, serialization\n"
            "from cryptography.hazmat.primitives.asymmetric import padding\n"
            "E = x509.ExtensionOID\n"
            "load = lambda p: x509.load_pem_x509_certificate(open(p, 'rb').read())\n"
            "new_ca = load('kubernetes-2027.crt')\n"
            "san = lambda c: c.extensions.get_extension_for_oid(E.SUBJECT_ALTERNATIVE_NAME).value\n"
            "spki = lambda c: c.public_key().public_bytes(serialization.Encoding.DER,\n"
            "    serialization.PublicFormat.SubjectPublicKeyInfo)\n"
            "for n in ('n0', 'n1'):\n"
            "    o, c = load('old/' + n + '.crt'), load('new/' + n + '.crt.crt')\n"
            "    assert c.subject.public_bytes() == o.subject.public_bytes(), n\n"
            "    assert san(c) == san(o), n\n"
            "    assert spki(c) == spki(o), n\n"
            "    assert c.issuer.public_bytes() == new_ca.subject.public_bytes(), n\n"
            "    assert c.serial_number != o.serial_number, n\n"
            "    new_ca.public_key().verify(c.signature, c.tbs_certificate_bytes,\n"
            "        padding.PKCS1v15(), hashes.SHA256())\n"
            "print('python-cryptography: ok')\n"});
  EXPECT_EQ(py.exit_code, 0) << py.out << py.err;
  EXPECT_NE(py.out.find("python-cryptography: ok"), std::string::npos) << py.out << py.err;
}

TEST_F(CliRecertifyTest, JsonLinesInputAndProfileRefusal) {
  ASSERT_TRUE(ready_);
  const std::string pem = read_all(dir_ / "old" / "n0.crt");
  std::ofstream(dir_ / "in.jsonl")
      << nlohmann::json({{"id", "a"}, {"certificate", pem}}).dump() << "\n"
      << nlohmann::json({{"id", "b"}, {"certificate", pem}, {"profile", "kubelet-client"}}).dump()
      << "\n"
      << nlohmann::json({{"id", "c"}, {"csr", pem}}).dump() << "\n";
  const auto r =
      signet({"sign-batch", "--ca", "kubernetes-2027", "--recertify", "--from-ca", "kubernetes",
              "--profile", "kubelet-serving", "--in", "in.jsonl", "--out", "-"});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  std::istringstream lines(r.out);
  std::string a;
  std::string b;
  std::string c;
  std::getline(lines, a);
  std::getline(lines, b);
  std::getline(lines, c);
  EXPECT_NE(a.find(R"({"id":"a","certificate":"-----BEGIN CERTIFICATE-----)"), std::string::npos)
      << a;
  // The profile no longer allows it: the policy refusal, as for a CSR.
  EXPECT_NE(b.find("kubelet-client: subjectAltName is not allowed in a kubelet-client "
                   "certificate, got DNS:n0.example"),
            std::string::npos)
      << b;
  EXPECT_NE(c.find(R"(json: unknown field \"csr\" (allowed: id, certificate, profile))"),
            std::string::npos)
      << c;
}

TEST_F(CliRecertifyTest, RecertifyAndFromCaOnlyTogether) {
  ASSERT_TRUE(ready_);
  auto r = signet({"sign-batch", "--ca", "kubernetes-2027", "--recertify", "--profile",
                   "kubelet-serving", "--in", "old", "--out", "new"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("--recertify requires --from-ca"), std::string::npos) << r.err;
  r = signet({"sign-batch", "--ca", "kubernetes-2027", "--from-ca", "kubernetes", "--profile",
              "kubelet-serving", "--in", "old", "--out", "new"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("--from-ca requires --recertify"), std::string::npos) << r.err;
  r = signet({"sign-batch", "--ca", "kubernetes-2027", "--recertify", "--from-ca", "nope",
              "--profile", "kubelet-serving", "--in", "old", "--out", "new"});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find("--from-ca: "), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(dir_ / "new"));
}

}  // namespace
}  // namespace signet::testing
