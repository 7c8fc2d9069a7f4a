// Debian's `openssl` command with hsm/provider/openssl-signet.cnf: `openssl req -x509` and
// `openssl x509 -req -CAkey` sign with token keys named by pkcs11: URIs, and verifiers signet did
// not write (`openssl verify -x509_strict`, GnuTLS `certtool --verify`, python-cryptography via
// tests/interop/check_signed_by.py) accept the results.
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "signet/core/ossl.h"
#include "signet/hsm/pkcs11_uri.h"
#include "signet/hsm/token.h"

#include "cli_runner.h"
#include "provider_fixture.h"
#include "softhsm_fixture.h"

namespace signet::testing {
namespace {

const std::string kConfig = std::string(SIGNET_SOURCE_DIR) + "/hsm/provider/openssl-signet.cnf";

class ProviderCliTest : public SoftHsmTest, public ::testing::WithParamInterface<const char*> {
 protected:
  // Generates a key in the token (the test's own hsm code; it holds no module afterwards).
  Bytes generate(const std::string& object, const std::string& spec) {
    const auto parsed = parse_key_spec(spec);
    EXPECT_TRUE(parsed);
    const auto uri = hsm::Pkcs11Uri::parse(key_uri(object));
    EXPECT_TRUE(uri);
    const auto key = hsm::generate_key(module_, *uri, *parsed);
    EXPECT_TRUE(key) << key.error().message();
    return key ? key->public_key_der : Bytes{};
  }

  // `openssl ARGS...` with the provider configured; the module path is given (or not) by the
  // caller through `env`.
  RunResult openssl(const std::vector<std::string>& args, const std::string& config = kConfig,
                    std::vector<std::string> env = {}) const {
    std::vector<std::string> argv = {"env", "OPENSSL_CONF=" + config,
                                     std::string("SIGNET_PROVIDER_MODULE=") + SIGNET_PROVIDER_PATH};
#ifdef SIGNET_ASAN_RUNTIME
    // Debian's openssl is not instrumented: the sanitizer runtime must come first for the
    // instrumented provider to load. Leaks are checked in-process (provider_test.cc).
    argv.emplace_back(std::string("LD_PRELOAD=") + SIGNET_ASAN_RUNTIME);
    argv.emplace_back("ASAN_OPTIONS=detect_leaks=0");
#endif
    argv.insert(argv.end(), env.begin(), env.end());
    argv.emplace_back("openssl");
    argv.insert(argv.end(), args.begin(), args.end());
    return tool(argv);
  }

  RunResult tool(const std::vector<std::string>& argv) const { return run_program(argv, dir_); }

  [[nodiscard]] std::string uri(const std::string& object) const {
    return key_uri(object) + "&module-path=" + module_;
  }

  [[nodiscard]] Bytes certificate_spki(const std::string& name) const {
    const ossl::BioPtr bio(BIO_new_file((dir_ / name).c_str(), "r"));
    if (!bio) return {};
    const ossl::X509Ptr cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
    if (!cert) return {};
    unsigned char* der = nullptr;
    const int len = i2d_PUBKEY(X509_get0_pubkey(cert.get()), &der);
    if (len <= 0) return {};
    const ossl::BufferPtr owned(der);
    return Bytes(der, der + len);
  }
};

TEST_P(ProviderCliTest, OpensslSignsWithTokenKeyAndVerifiersAccept) {
  ASSERT_TRUE(ready_);
  const Bytes spki = generate("cli-ca", GetParam());
  auto r = openssl({"req", "-new", "-x509", "-key", uri("cli-ca"), "-subj", "/CN=signet cli CA",
                    "-days", "2", "-addext", "basicConstraints=critical,CA:TRUE", "-addext",
                    "keyUsage=critical,keyCertSign,cRLSign", "-out", "ca.crt"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(certificate_spki("ca.crt"), spki) << "the CA certificate must carry the token's key";

  r = tool({"openssl", "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
            "-nodes", "-keyout", "leaf.key", "-subj", "/CN=leaf.signet.test", "-out", "leaf.csr"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  write_file("leaf.ext",
             "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\n"
             "extendedKeyUsage=serverAuth\nsubjectAltName=DNS:leaf.signet.test\n"
             "subjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n");
  r = openssl({"x509", "-req", "-in", "leaf.csr", "-CA", "ca.crt", "-CAkey", uri("cli-ca"),
               "-set_serial", "0x5167", "-days", "1", "-extfile", "leaf.ext", "-out", "leaf.crt"});
  ASSERT_EQ(r.exit_code, 0) << r.err;

  r = tool({"openssl", "verify", "-x509_strict", "-purpose", "sslserver", "-CAfile", "ca.crt",
            "leaf.crt"});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(r.out, "leaf.crt: OK\n");
  r = tool({"certtool", "--verify", "--load-ca-certificate", "ca.crt", "--infile", "leaf.crt"});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  const std::string checker = std::string(SIGNET_SOURCE_DIR) + "/tests/interop/check_signed_by.py";
  for (const char* cert : {"leaf.crt", "ca.crt"}) {
    r = tool({"python3", checker, cert, "ca.crt"});
    EXPECT_EQ(r.exit_code, 0) << cert << ": " << r.out << r.err;
    EXPECT_EQ(r.out.rfind("ok: ", 0), 0U) << r.out;
  }
  // The checker can fail: a certificate is not signed by an unrelated key's certificate.
  ASSERT_EQ(tool({"openssl", "req", "-new", "-x509", "-newkey", "ec", "-pkeyopt",
                  "ec_paramgen_curve:P-256", "-nodes", "-keyout", "other.key", "-subj",
                  "/CN=signet cli CA", "-out", "other.crt"})
                .exit_code,
            0);
  r = tool({"python3", checker, "leaf.crt", "other.crt"});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_EQ(r.out.rfind("FAIL: signature", 0), 0U) << r.out;
}

INSTANTIATE_TEST_SUITE_P(Keys, ProviderCliTest,
                         ::testing::Values("ecdsa-p256", "rsa-2048", "ed25519"),
                         [](const ::testing::TestParamInfo<const char*>& p) {
                           const std::string spec = p.param;
                           return spec == "ecdsa-p256" ? std::string("EcP256")
                                  : spec == "rsa-2048" ? std::string("Rsa2048")
                                                       : std::string("Ed25519");
                         });

// The module exports its entry point and nothing else (exports.map): the signet and C++ symbols
// it links statically can never clash with a host that has its own copies.
TEST(ProviderModuleTest, ExportsOnlyTheEntryPoint) {
  const RunResult r = run_program({"nm", "-D", "--defined-only", SIGNET_PROVIDER_PATH},
                                  std::filesystem::temp_directory_path());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::istringstream lines(r.out);
  std::vector<std::string> symbols;
  for (std::string line; std::getline(lines, line);) {
    symbols.push_back(line.substr(line.rfind(' ') + 1));
  }
  EXPECT_EQ(symbols, std::vector<std::string>{"OSSL_provider_init"}) << r.out;
}

class ProviderCliConfigTest : public ProviderCliTest {};

// The module from the provider's configuration section when the URI names none.
TEST_F(ProviderCliConfigTest, ConfigSectionNamesTheModule) {
  ASSERT_TRUE(ready_);
  generate("k", "ecdsa-p256");
  std::stringstream committed;
  committed << std::ifstream(kConfig).rdbuf();
  std::string config = committed.str();
  const std::string line = "# pkcs11-module-path = /usr/lib/softhsm/libsofthsm2.so";
  const auto at = config.find(line);
  ASSERT_NE(at, std::string::npos) << "the example config lost its pkcs11-module-path line";
  config.replace(at, line.size(), "pkcs11-module-path = " + module_);
  const auto path = write_file("openssl.cnf", config);

  auto r =
      openssl({"req", "-new", "-x509", "-key", key_uri("k"), "-subj", "/CN=k", "-out", "k.crt"},
              path.string(), {"SIGNET_PKCS11_MODULE="});  // empty counts as unset
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(std::filesystem::exists(dir_ / "k.crt"));

  // Without the section's line, nor module-path, nor the variable: refused, no silent default.
  r = openssl({"req", "-new", "-x509", "-key", key_uri("k"), "-subj", "/CN=k", "-out", "n.crt"},
              kConfig, {"SIGNET_PKCS11_MODULE="});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("no PKCS#11 module: add module-path=PATH"), std::string::npos) << r.err;
  EXPECT_FALSE(std::filesystem::exists(dir_ / "n.crt"));
}

TEST_F(ProviderCliConfigTest, RefusalsAreClearAndWriteNothing) {
  ASSERT_TRUE(ready_);
  generate("k", "ecdsa-p256");
  const auto bad_pin = write_file("bad-pin", "wrong-pin-123\n");
  const struct {
    std::string uri;
    std::string message;
  } cases[] = {
      {"pkcs11:token=signet-test;object=k?pin-value=" + std::string(kPin) +
           "&module-path=" + module_,
       "pin-value is refused"},
      {"pkcs11:token=signet-test;object=k?pin-source=file:" + bad_pin.string() +
           "&module-path=" + module_,
       "C_Login returned CKR_PIN_INCORRECT"},
      {uri("absent"), "no private key matches pkcs11:token=signet-test;object=absent"},
  };
  for (const auto& c : cases) {
    const auto r =
        openssl({"req", "-new", "-x509", "-key", c.uri, "-subj", "/CN=x", "-out", "x.crt"});
    EXPECT_NE(r.exit_code, 0) << c.uri;
    EXPECT_NE(r.err.find(c.message), std::string::npos) << c.uri << ": " << r.err;
    EXPECT_EQ(signet_lines(r.err).find(kPin), std::string::npos) << "the PIN leaked: " << r.err;
    EXPECT_EQ(r.err.find("wrong-pin-123"), std::string::npos) << "the PIN leaked: " << r.err;
    EXPECT_FALSE(std::filesystem::exists(dir_ / "x.crt")) << c.uri;
  }
}

}  // namespace
}  // namespace signet::testing
