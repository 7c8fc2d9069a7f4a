// `ca import`, `ca csr` and `ca init --parent` refusals: each fails with its specific message and
// exit code, leaves the state directory unchanged, puts no key into the token and never prints
// the PIN (the pattern of cli_bad_input_test.cc).
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "cli_runner.h"

namespace signet::testing {
namespace {

class CliAdoptBadInputTest : public CliTest {
 protected:
  void SetUp() override {
    CliTest::SetUp();
    if (!ready_) return;
    make_ca("kubernetes", "ecdsa-p256");
    // An outside CA made with openssl: ca.key (SEC1) and its self-signed ca.crt.
    run_ok({"openssl", "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out",
            "ca.pkcs8"});
    run_ok({"openssl", "pkey", "-in", "ca.pkcs8", "-traditional", "-out", "ca.key"});
    run_ok({"openssl", "req", "-x509", "-new", "-key", "ca.key", "-subj", "/CN=outside", "-days",
            "30", "-addext", "basicConstraints=critical,CA:TRUE", "-out", "ca.crt"});
    before_ = snapshot_state();
    keys_before_ = token_keys();
  }

  void run_ok(const std::vector<std::string>& argv) {
    const auto r = tool(argv);
    ASSERT_EQ(r.exit_code, 0) << argv[0] << ": " << r.err;
  }

  std::string token_keys() {
    const auto r =
        signet({"--output", "json", "key", "list", "--token", "cli", "--pin-source", pin_source()});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return r.out;
  }

  std::string uri(const std::string& object) const {
    return "pkcs11:token=cli;object=" + object + "?pin-source=" + pin_source();
  }

  void expect_refused(const std::vector<std::string>& args, const std::string& message,
                      int exit_code = 1) {
    const auto r = signet(args);
    EXPECT_EQ(r.exit_code, exit_code) << r.err;
    EXPECT_NE(r.err.find(message), std::string::npos) << "stderr: " << r.err;
    EXPECT_EQ(snapshot_state(), before_);
    EXPECT_EQ(token_keys(), keys_before_);
    EXPECT_FALSE(std::filesystem::exists(dir_ / "out.csr"));
    EXPECT_EQ(r.err.find(kPin), std::string::npos);
    EXPECT_EQ(r.out.find(kPin), std::string::npos);
  }

  std::vector<std::string> import_file(const std::string& cert, const std::string& key_file,
                                       const std::string& object = "adopted") const {
    return {"ca", "import",     "--name", "adopted", "--cert",
            cert, "--key-file", key_file, "--into",  uri(object)};
  }

  std::string before_;
  std::string keys_before_;
};

TEST_F(CliAdoptBadInputTest, CertificateThatIsNotACa) {
  ASSERT_TRUE(ready_);
  run_ok({"openssl", "req", "-x509", "-new", "-key", "ca.key", "-subj", "/CN=leaf", "-days", "30",
          "-addext", "basicConstraints=critical,CA:FALSE", "-out", "leaf.crt"});
  expect_refused(import_file("leaf.crt", "ca.key"),
                 "leaf.crt: certificate is not a CA (basicConstraints CA:TRUE is required)");
  expect_refused({"ca", "import", "--name", "adopted", "--cert", "missing.crt", "--key",
                  uri("kubernetes-key")},
                 "cannot read CA certificate missing.crt");
}

TEST_F(CliAdoptBadInputTest, TokenKeyThatDoesNotMatchTheCertificate) {
  ASSERT_TRUE(ready_);
  expect_refused(
      {"ca", "import", "--name", "adopted", "--cert", "ca.crt", "--key", uri("kubernetes-key")},
      "is not the key of CA '/CN=outside' (public keys differ)");
}

TEST_F(CliAdoptBadInputTest, KeyFileThatDoesNotMatchTheCertificate) {
  ASSERT_TRUE(ready_);
  expect_refused(import_file("kubernetes.crt", "ca.key"),
                 "key file ca.key (ecdsa-p256) is not the key of CA certificate '/CN=kubernetes' "
                 "(ecdsa-p256): the public keys differ");
}

TEST_F(CliAdoptBadInputTest, EncryptedKeyFiles) {
  ASSERT_TRUE(ready_);
  run_ok({"openssl", "pkey", "-in", "ca.key", "-aes256", "-passout", "pass:secret", "-out",
          "enc.key"});
  expect_refused(import_file("ca.crt", "enc.key"),
                 "key file enc.key: the key is encrypted (PEM 'ENCRYPTED PRIVATE KEY')");
  run_ok({"openssl", "pkey", "-in", "ca.key", "-traditional", "-aes256", "-passout", "pass:secret",
          "-out", "legacy.key"});
  expect_refused(import_file("ca.crt", "legacy.key"),
                 "key file legacy.key: the key is encrypted (PEM header 'Proc-Type: "
                 "4,ENCRYPTED')");
}

TEST_F(CliAdoptBadInputTest, WrongPemLabelAndOversizedKeyFile) {
  ASSERT_TRUE(ready_);
  expect_refused(import_file("ca.crt", "ca.crt"),
                 "key file ca.crt: PEM label 'CERTIFICATE' is not a private key");
  write_file("huge.key", std::string(70000, 'A'));
  expect_refused(import_file("ca.crt", "huge.key"), "key file huge.key is larger than 65536 bytes");
  expect_refused(import_file("ca.crt", "missing.key"), "cannot read key file missing.key");
}

TEST_F(CliAdoptBadInputTest, ExistingCaNameAndExistingObjectLabel) {
  ASSERT_TRUE(ready_);
  expect_refused({"ca", "import", "--name", "kubernetes", "--cert", "ca.crt", "--key-file",
                  "ca.key", "--into", uri("adopted")},
                 "CA 'kubernetes' already exists");
  expect_refused(import_file("ca.crt", "ca.key", "kubernetes-key"),
                 "token 'cli' already has an object labelled 'kubernetes-key'; choose another "
                 "object= for the imported key");
  expect_refused({"ca", "csr", "--name", "kubernetes", "--subject", "CN=x", "--key",
                  uri("kubernetes-key"), "--out", "out.csr"},
                 "CA 'kubernetes' already exists");
}

TEST_F(CliAdoptBadInputTest, UnknownOrWrongParent) {
  ASSERT_TRUE(ready_);
  expect_refused({"ca", "import", "--name", "adopted", "--cert", "ca.crt", "--key-file", "ca.key",
                  "--into", uri("adopted"), "--parent", "nope"},
                 "unknown CA 'nope'");
  expect_refused({"ca", "init", "--name", "inter", "--parent", "nope", "--subject", "CN=inter",
                  "--key", uri("kubernetes-key")},
                 "unknown CA 'nope'");
  // ca.crt is a root of its own, not issued by the state's kubernetes CA.
  expect_refused({"ca", "import", "--name", "adopted", "--cert", "ca.crt", "--key-file", "ca.key",
                  "--into", uri("adopted"), "--parent", "kubernetes"},
                 "--parent kubernetes: CA certificate '/CN=outside' names issuer '/CN=outside', "
                 "not the parent's subject '/CN=kubernetes'");
}

TEST_F(CliAdoptBadInputTest, ParentWithPathLengthZeroMayNotSignCas) {
  ASSERT_TRUE(ready_);
  run_ok({"openssl", "req", "-x509", "-new", "-key", "ca.key", "-subj", "/CN=pathlen0", "-days",
          "30", "-addext", "basicConstraints=critical,CA:TRUE,pathlen:0", "-out", "p0.crt"});
  auto r = signet({"ca", "import", "--name", "p0", "--cert", "p0.crt", "--key-file", "ca.key",
                   "--into", uri("p0-key")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  before_ = snapshot_state();
  keys_before_ = token_keys();
  r = signet({"key", "generate", "--key", uri("inter-key")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  keys_before_ = token_keys();
  expect_refused({"ca", "init", "--name", "inter", "--parent", "p0", "--subject", "CN=inter",
                  "--key", uri("inter-key")},
                 "--parent p0: parent CA '/CN=pathlen0' has pathLenConstraint 0 and may not "
                 "sign CA certificates (RFC 5280 §4.2.1.9)");
}

TEST_F(CliAdoptBadInputTest, PinValueIsRefusedInEveryUri) {
  ASSERT_TRUE(ready_);
  const std::string with_pin = "pkcs11:token=cli;object=adopted?pin-value=1234";
  expect_refused({"ca", "import", "--name", "adopted", "--cert", "ca.crt", "--key", with_pin},
                 "pin-value is refused");
  expect_refused({"ca", "import", "--name", "adopted", "--cert", "ca.crt", "--key-file", "ca.key",
                  "--into", with_pin},
                 "pin-value is refused");
  expect_refused({"ca", "csr", "--name", "adopted", "--subject", "CN=x", "--key", with_pin, "--out",
                  "out.csr"},
                 "pin-value is refused");
}

TEST_F(CliAdoptBadInputTest, ExpiredCertificateIsRefused) {
  ASSERT_TRUE(ready_);
  // python3-cryptography makes a CA certificate that expired yesterday (openssl 3.0's CLI
  // cannot set dates in the past).
  const auto r =
      tool({"python3", "-c",
            "import datetime as d\n"
            "from cryptography import x509\n"
            "from cryptography.hazmat.primitives import hashes, serialization\n"
            "from cryptography.x509.oid import NameOID\n"
            "k = serialization.load_pem_private_key(open('ca.key','rb').read(), None)\n"
            "n = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, 'old')])\n"
            "now = d.datetime.utcnow()\n"
            "c = (x509.CertificateBuilder().subject_name(n).issuer_name(n)\n"
            "     .public_key(k.public_key()).serial_number(7)\n"
            "     .not_valid_before(now - d.timedelta(days=30))\n"
            "     .not_valid_after(now - d.timedelta(days=1))\n"
            "     .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)\n"
            "     .sign(k, hashes.SHA256()))\n"
            "open('old.crt','wb').write(c.public_bytes(serialization.Encoding.PEM))\n"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  expect_refused(import_file("old.crt", "ca.key"),
                 "old.crt: refusing to import a CA that cannot sign now: CA certificate '/CN=old' "
                 "expired at ");
}

TEST_F(CliAdoptBadInputTest, KeyAndKeyFileTogetherIsAUsageError) {
  ASSERT_TRUE(ready_);
  expect_refused({"ca", "import", "--name", "adopted", "--cert", "ca.crt", "--key",
                  uri("kubernetes-key"), "--key-file", "ca.key"},
                 "excludes", 2);
  expect_refused({"ca", "import", "--name", "adopted", "--cert", "ca.crt", "--key-file", "ca.key"},
                 "--key-file requires --into", 2);
  expect_refused({"ca", "import", "--name", "adopted", "--cert", "ca.crt"},
                 "give either --key URI");
}

}  // namespace
}  // namespace signet::testing
