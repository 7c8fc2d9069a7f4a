// Hostile input to `signet certs check-expiration`: every case fails with a message naming the
// file and the rule, the documented exit code, and nothing written.
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>

#include "expiry_fixture.h"

namespace signet::testing {
namespace {

class CertsCheckExpirationHostileTest : public ExpiryTest {
 protected:
  // Runs the command, expects `exit_code` and `message` in stderr, and no change on disk.
  void expect_refused(const std::vector<std::string>& args, int exit_code,
                      const std::string& message) {
    const std::string before = snapshot_state();
    const auto start = std::chrono::steady_clock::now();
    std::vector<std::string> argv = {"certs", "check-expiration"};
    argv.insert(argv.end(), args.begin(), args.end());
    const auto r = signet(argv);
    EXPECT_EQ(r.exit_code, exit_code) << r.out << r.err;
    EXPECT_NE(r.err.find(message), std::string::npos) << "want: " << message << "\ngot: " << r.err;
    EXPECT_TRUE(r.out.empty()) << r.out;
    EXPECT_EQ(snapshot_state(), before);
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(30));
  }
  static std::string kubeconfig_with_ca(const std::string& value) {
    return "apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n"
           "    certificate-authority-data: " +
           value + "\n";
  }
};

TEST_F(CertsCheckExpirationHostileTest, NoSource) {
  expect_refused({}, 1, "give --pki-dir, --kubeconfig, --endpoint, --ledger or FILE");
}

TEST_F(CertsCheckExpirationHostileTest, OversizedFile) {
  write("big.pem", std::string(1024 * 1024 + 1, 'A'));
  expect_refused({"big.pem"}, 1,
                 "certificate file big.pem is 1048577 bytes, more than the limit of 1048576");
}

TEST_F(CertsCheckExpirationHostileTest, MalformedPem) {
  write("bad.pem", "-----BEGIN CERTIFICATE-----\nnot base64 at all!\n-----END CERTIFICATE-----\n");
  expect_refused({"bad.pem"}, 1, "certificate file bad.pem: PEM block 1 is malformed (RFC 7468)");
}

TEST_F(CertsCheckExpirationHostileTest, PemWithValidBase64ThatIsNotACertificate) {
  write("notcert.pem", "-----BEGIN CERTIFICATE-----\nMAMCAQA=\n-----END CERTIFICATE-----\n");
  expect_refused({"notcert.pem"}, 1,
                 "certificate file notcert.pem: PEM block 1 is not a DER X.509 certificate");
}

TEST_F(CertsCheckExpirationHostileTest, PrivateKeyGivenAsCertificate) {
  make_root("root", "root", 10);
  expect_refused({"root.key"}, 1,
                 "certificate file root.key: PEM block 1 is 'PRIVATE KEY', expected "
                 "'CERTIFICATE' (RFC 7468 §5)");
}

TEST_F(CertsCheckExpirationHostileTest, DerGarbageAndTrailingBytes) {
  write("garbage.der", std::string("\x30\x03\x02\x01", 4));
  expect_refused({"garbage.der"}, 1,
                 "certificate file garbage.der: the DER input is not a DER X.509 certificate");
  make_root("root", "root", 10);
  openssl({"x509", "-in", "root.crt", "-outform", "DER", "-out", "root.der"});
  write("trailing.der", read("root.der") + "xx");
  expect_refused({"trailing.der"}, 1,
                 "certificate file trailing.der: the DER input has 2 bytes after the DER "
                 "certificate");
  write("text.txt", "hello");
  expect_refused({"text.txt"}, 1, "certificate file text.txt is neither PEM");
  write("empty.pem", "");
  expect_refused({"empty.pem"}, 1, "certificate file empty.pem is empty");
}

TEST_F(CertsCheckExpirationHostileTest, FifoDoesNotHang) {
  ASSERT_EQ(mkfifo((dir_ / "fifo.pem").c_str(), 0600), 0);
  expect_refused({"fifo.pem"}, 1,
                 "certificate file fifo.pem is not a regular file (FIFOs, devices and "
                 "directories are refused)");
  // Also as a kubeconfig's file reference.
  write("fifo.conf",
        "kind: Config\nclusters:\n- name: c\n  cluster:\n    certificate-authority: fifo.pem\n");
  expect_refused({"--kubeconfig", "fifo.conf"}, 1, "fifo.pem is not a regular file");
}

TEST_F(CertsCheckExpirationHostileTest, SymlinkLoop) {
  std::filesystem::create_symlink("loop-b.pem", dir_ / "loop-a.pem");
  std::filesystem::create_symlink("loop-a.pem", dir_ / "loop-b.pem");
  expect_refused({"loop-a.pem"}, 1, "certificate file loop-a.pem is a symlink loop");
}

TEST_F(CertsCheckExpirationHostileTest, MalformedPkiDirEntryIsAnErrorNotMissing) {
  write("pki/apiserver.crt", "junk");
  expect_refused({"--pki-dir", "pki"}, 1, "certificate file pki/apiserver.crt is neither PEM");
  expect_refused({"--pki-dir", "nope"}, 1, "--pki-dir nope is not a directory");
}

TEST_F(CertsCheckExpirationHostileTest, MalformedYaml) {
  write("bad.conf", "clusters: [[[ {\n");
  expect_refused({"--kubeconfig", "bad.conf"}, 1, "kubeconfig bad.conf is not valid YAML");
  write("scalar.conf", "just a string\n");
  expect_refused({"--kubeconfig", "scalar.conf"}, 1,
                 "kubeconfig scalar.conf is not a kubeconfig: the top level must be a mapping");
  write("kind.conf", "kind: Secret\n");
  expect_refused({"--kubeconfig", "kind.conf"}, 1,
                 "kubeconfig kind.conf: kind is 'Secret', a kubeconfig has kind Config");
  write("list.conf", "clusters: {a: b}\n");
  expect_refused({"--kubeconfig", "list.conf"}, 1,
                 "kubeconfig list.conf: 'clusters' must be a sequence");
  write("deep.conf", std::string(5000, '[') + std::string(5000, ']'));
  expect_refused({"--kubeconfig", "deep.conf"}, 1, "kubeconfig deep.conf is not valid YAML");
}

TEST_F(CertsCheckExpirationHostileTest, Base64Garbage) {
  write("b64.conf", kubeconfig_with_ca("'!!!notbase64'"));
  expect_refused({"--kubeconfig", "b64.conf"}, 1,
                 "kubeconfig b64.conf: clusters[0] (c): 'certificate-authority-data' is not "
                 "valid base64");
  // Valid base64 of something that is not a certificate.
  write("notpem.conf", kubeconfig_with_ca("aGVsbG8gd29ybGQ="));
  expect_refused({"--kubeconfig", "notpem.conf"}, 1,
                 "kubeconfig notpem.conf clusters[c] is neither PEM");
}

TEST_F(CertsCheckExpirationHostileTest, BothDataAndFile) {
  write("both.conf",
        "kind: Config\nusers:\n- name: u\n  user:\n    client-certificate: a.crt\n"
        "    client-certificate-data: QUJD\n");
  expect_refused({"--kubeconfig", "both.conf"}, 1,
                 "kubeconfig both.conf: users[0] (u) has both 'client-certificate' and "
                 "'client-certificate-data'");
}

TEST_F(CertsCheckExpirationHostileTest, BadEndpoints) {
  expect_refused({"--endpoint", "no-port"}, 1,
                 "--endpoint 'no-port' must be HOST:PORT or [IPv6]:PORT: no port");
  expect_refused({"--endpoint", "host:99999"}, 1, "the port must be 1-65535");
  expect_refused({"--endpoint", "::1:443"}, 1, "an IPv6 address needs brackets");
  expect_refused({"--endpoint", "h;rm -rf:443"}, 1, "the host has a character outside");
  expect_refused({"--endpoint", "127.0.0.1:1", "--timeout", "10m"}, 1,
                 "--timeout must be at most 5m");
  expect_refused({"--warn-within", "30x", "x.pem"}, 1, "--warn-within");
}

TEST_F(CertsCheckExpirationHostileTest, ClosedPortIsRetryable) {
  // Port 1 on loopback: nothing listens there in a test container; connect is refused.
  expect_refused({"--endpoint", "127.0.0.1:1", "--timeout", "2s"}, 75,
                 "endpoint 127.0.0.1:1: connect: Connection refused");
}

TEST_F(CertsCheckExpirationHostileTest, NotTlsServer) {
  // A plain TCP listener that never speaks TLS: the handshake times out within --timeout.
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);  // NOLINT
  ASSERT_EQ(listen(fd, 4), 0);
  socklen_t len = sizeof addr;
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);  // NOLINT
  const std::string endpoint = "127.0.0.1:" + std::to_string(ntohs(addr.sin_port));
  expect_refused({"--endpoint", endpoint, "--timeout", "1s"}, 75,
                 "endpoint " + endpoint + ": TLS handshake timed out after 1000 ms");
  close(fd);
}

}  // namespace
}  // namespace signet::testing
