// `signet certs check-expiration` over a kubeadm PKI directory, certificate files, kubeconfigs
// and a TLS endpoint, all made with the openssl CLI; every expiry is compared with
// `openssl x509 -enddate` of the same file.
#include <fcntl.h>
#include <netinet/in.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <thread>

#include "expiry_fixture.h"

extern char** environ;  // NOLINT

namespace signet::testing {
namespace {

std::string b64(const std::string& data) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  std::size_t i = 0;
  for (; i + 2 < data.size(); i += 3) {
    const auto n = (static_cast<unsigned char>(data[i]) << 16U) |
                   (static_cast<unsigned char>(data[i + 1]) << 8U) |
                   static_cast<unsigned char>(data[i + 2]);
    out += {kAlphabet[(n >> 18U) & 63U], kAlphabet[(n >> 12U) & 63U], kAlphabet[(n >> 6U) & 63U],
            kAlphabet[n & 63U]};
  }
  if (i + 1 == data.size()) {
    const auto n = static_cast<unsigned>(static_cast<unsigned char>(data[i])) << 16U;
    out += {kAlphabet[(n >> 18U) & 63U], kAlphabet[(n >> 12U) & 63U], '=', '='};
  } else if (i + 2 == data.size()) {
    const auto n = (static_cast<unsigned>(static_cast<unsigned char>(data[i])) << 16U) |
                   (static_cast<unsigned>(static_cast<unsigned char>(data[i + 1])) << 8U);
    out +=
        {kAlphabet[(n >> 18U) & 63U], kAlphabet[(n >> 12U) & 63U], kAlphabet[(n >> 6U) & 63U], '='};
  }
  return out;
}

class CertsCheckExpirationTest : public ExpiryTest {
 protected:
  // A kubeadm-shaped PKI directory: three CAs, five of the seven leaves (apiserver-etcd-client
  // and etcd/healthcheck-client missing), etcd/peer already expired (openssl x509 -days -1, the
  // most negative it accepts); admin.conf next to it.
  void make_pki() {
    make_root("pki/ca", "kubernetes", 3650);
    make_root("pki/front-proxy-ca", "front-proxy-ca", 3000);
    make_root("pki/etcd/ca", "etcd-ca", 2000);
    make_cert("pki/apiserver", "kube-apiserver", "pki/ca", 365);
    make_cert("pki/apiserver-kubelet-client", "kube-apiserver-kubelet-client", "pki/ca", 30);
    make_cert("pki/front-proxy-client", "front-proxy-client", "pki/front-proxy-ca", 200);
    make_cert("pki/etcd/server", "node1", "pki/etcd/ca", 100);
    make_cert("pki/etcd/peer", "node1", "pki/etcd/ca", -1);
    make_cert("admin", "kubernetes-admin", "pki/ca", 364);
    write("admin.conf",
          "apiVersion: v1\nkind: Config\nclusters:\n- name: kubernetes\n  cluster:\n"
          "    server: https://10.0.0.1:6443\n    certificate-authority-data: " +
              b64(read("pki/ca.crt")) +
              "\nusers:\n- name: kubernetes-admin\n  user:\n"
              "    client-certificate-data: " +
              b64(read("admin.crt")) + "\n    client-key-data: " + b64(read("admin.key")) + "\n");
  }
};

TEST_F(CertsCheckExpirationTest, PkiDirMatchesOpensslEnddateAndNamesIssuers) {
  make_pki();
  const auto r = check({"--pki-dir", (dir_ / "pki").string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = parse(r);
  const std::vector<std::pair<std::string, std::string>> leaves = {
      {"apiserver", "ca"},
      {"apiserver-kubelet-client", "ca"},
      {"front-proxy-client", "front-proxy-ca"},
      {"etcd-server", "etcd-ca"},
      {"etcd-peer", "etcd-ca"}};
  for (const auto& [name, issuer] : leaves) {
    const auto c = row(j, "certificates", name);
    EXPECT_EQ(c.at("issuer_ca"), issuer) << name;
    EXPECT_EQ(c.at("issuer_match"), "signature") << name;
    EXPECT_FALSE(c.at("missing").get<bool>());
  }
  expect_expiry(row(j, "certificates", "apiserver"), "pki/apiserver.crt");
  expect_expiry(row(j, "certificates", "apiserver-kubelet-client"),
                "pki/apiserver-kubelet-client.crt");
  expect_expiry(row(j, "certificates", "etcd-server"), "pki/etcd/server.crt");
  const auto peer = row(j, "certificates", "etcd-peer");
  expect_expiry(peer, "pki/etcd/peer.crt");
  EXPECT_TRUE(peer.at("expired").get<bool>());
  EXPECT_EQ(peer.at("residual").get<std::string>().rfind("expired ", 0), 0U) << peer.dump();

  for (const std::string missing : {"apiserver-etcd-client", "etcd-healthcheck-client"}) {
    const auto m = row(j, "certificates", missing);
    EXPECT_TRUE(m.at("missing").get<bool>()) << missing;
    EXPECT_TRUE(m.at("not_after").is_null());
    EXPECT_NE(m.at("error").get<std::string>().find("does not exist"), std::string::npos);
  }
  // admin.conf next to the PKI directory: its client certificate is a row, and its embedded CA
  // is the same certificate as ca.crt, so the CA table lists it once (as "ca").
  const auto admin = row(j, "certificates", "admin.conf");
  EXPECT_EQ(admin.at("issuer_ca"), "ca");
  expect_expiry(admin, "admin.crt");
  ASSERT_EQ(j.at("certificate_authorities").size(), 3U) << j.dump(2);
  for (const auto& [name, file] : std::vector<std::pair<std::string, std::string>>{
           {"ca", "pki/ca.crt"},
           {"front-proxy-ca", "pki/front-proxy-ca.crt"},
           {"etcd-ca", "pki/etcd/ca.crt"}}) {
    const auto ca = row(j, "certificate_authorities", name);
    expect_expiry(ca, file);
    EXPECT_EQ(ca.at("issuer_ca"), "self-signed");
  }
  EXPECT_TRUE(j.at("warn_within_seconds").is_null());
}

TEST_F(CertsCheckExpirationTest, TextIsKubeadmLike) {
  make_pki();
  const auto r = signet({"certs", "check-expiration", "--pki-dir", (dir_ / "pki").string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.rfind("CERTIFICATE                ", 0), 0U) << r.out;
  // Columns are as wide as the longest name (a !MISSING! line does not widen them).
  EXPECT_NE(r.out.find("\napiserver-kubelet-client   "), std::string::npos) << r.out;
  for (const std::string want :
       {"EXPIRES", "RESIDUAL TIME", "CERTIFICATE AUTHORITY", "!MISSING! apiserver-etcd-client",
        "!MISSING! etcd-healthcheck-client", "expired 1d ago", "etcd-ca", "front-proxy-ca"}) {
    EXPECT_NE(r.out.find(want), std::string::npos) << want << "\n" << r.out;
  }
  // apiserver-kubelet-client has 30 days: "29d" or "30d" depending on the second.
  EXPECT_TRUE(r.out.find(" 29d ") != std::string::npos || r.out.find(" 30d ") != std::string::npos)
      << r.out;
  // The CA table starts with its own header after a blank line.
  EXPECT_NE(r.out.find("\nCERTIFICATE AUTHORITY   EXPIRES"), std::string::npos) << r.out;
}

TEST_F(CertsCheckExpirationTest, WarnWithinSetsExitCode3) {
  make_root("root", "root", 3650);
  make_cert("long", "long", "root", 365);
  make_cert("short", "short", "root", 10);
  auto r = check({"--warn-within", "30d", "long.crt", "root.crt"});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(parse(r).at("warn_within_seconds"), 30 * 86400);
  EXPECT_TRUE(parse(r).at("flagged").empty());

  r = check({"--warn-within", "30d", "long.crt", "short.crt", "root.crt"});
  EXPECT_EQ(r.exit_code, 3) << r.out << r.err;
  const auto j = parse(r);
  EXPECT_EQ(j.at("flagged"), nlohmann::json::array({"short.crt"}));
  EXPECT_TRUE(row(j, "certificates", "short.crt").at("within_warning").get<bool>());
  EXPECT_FALSE(row(j, "certificates", "long.crt").at("within_warning").get<bool>());
  // A Kubernetes duration works too; 400 days catches the one-year certificate as well.
  r = check({"--warn-within", "9600h", "long.crt", "root.crt"});
  EXPECT_EQ(r.exit_code, 3) << r.out << r.err;
  r = signet({"certs", "check-expiration", "--warn-within", "30d", "short.crt"});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.out.find("WARNING: 1 certificate(s) expired or expire within 30d: short.crt"),
            std::string::npos)
      << r.out;
}

TEST_F(CertsCheckExpirationTest, FilesPemBundleDerAndIssuerFallbacks) {
  make_root("root", "root", 3650);
  make_cert("a", "a", "root", 100);
  make_cert("b", "b", "root", 50);
  // Another CA with the same name but its own key: its leaf matches "root" by name only.
  make_root("impostor", "root", 3650);
  make_cert("c", "c", "impostor", 20);
  make_root("other", "other", 3650);
  make_cert("d", "d", "other", 20);
  write("bundle.pem", "explanatory text (RFC 7468)\n" + read("a.crt") + read("b.crt"));
  openssl({"x509", "-in", "a.crt", "-outform", "DER", "-out", "a.der"});
  const auto r = check({"bundle.pem", "a.der", "c.crt", "d.crt", "root.crt"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = parse(r);
  expect_expiry(row(j, "certificates", "bundle.pem#1"), "a.crt");
  expect_expiry(row(j, "certificates", "bundle.pem#2"), "b.crt");
  expect_expiry(row(j, "certificates", "a.der"), "a.crt");
  EXPECT_EQ(row(j, "certificates", "bundle.pem#2").at("issuer_ca"), "root.crt");
  EXPECT_EQ(row(j, "certificates", "a.der").at("issuer_match"), "signature");
  EXPECT_EQ(row(j, "certificates", "c.crt").at("issuer_ca"), "root.crt");
  EXPECT_EQ(row(j, "certificates", "c.crt").at("issuer_match"), "name");
  EXPECT_EQ(row(j, "certificates", "d.crt").at("issuer_ca"), "unknown");
  EXPECT_EQ(row(j, "certificate_authorities", "root.crt").at("issuer_ca"), "self-signed");
}

TEST_F(CertsCheckExpirationTest, KubeconfigEmbeddedAndFileReferences) {
  make_root("pki/ca", "kubernetes", 3650);
  make_cert("sched", "system:kube-scheduler", "pki/ca", 90);
  make_cert("kubelet", "system:node:n1", "pki/ca", 45);
  std::filesystem::create_directories(dir_ / "kube" / "certs");
  // kubelet-client-current.pem holds the certificate and its key in one file.
  write("kube/certs/kubelet-client-current.pem", read("kubelet.crt") + read("kubelet.key"));
  // Two users and file references relative to the kubeconfig's directory (one via "..").
  write("kube/config",
        "apiVersion: v1\nkind: Config\nclusters:\n- name: prod\n  cluster:\n"
        "    server: https://10.0.0.1:6443\n    certificate-authority: ../pki/ca.crt\n"
        "users:\n- name: scheduler\n  user:\n    client-certificate-data: " +
            b64(read("sched.crt")) +
            "\n- name: kubelet\n  user:\n    client-certificate: certs/kubelet-client-current.pem\n"
            "    client-key: certs/kubelet-client-current.pem\n"
            "- name: gone\n  user:\n    client-certificate: certs/missing.crt\n"
            "- name: token-only\n  user:\n    token: abc\n");
  auto r = check({"--kubeconfig", "kube/config"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = parse(r);
  const auto sched = row(j, "certificates", "config/user:scheduler");
  expect_expiry(sched, "sched.crt");
  EXPECT_EQ(sched.at("issuer_ca"), "config/cluster:prod");
  const auto kubelet = row(j, "certificates", "config/user:kubelet");
  expect_expiry(kubelet, "kubelet.crt");
  EXPECT_EQ(kubelet.at("issuer_ca"), "config/cluster:prod");
  EXPECT_NE(kubelet.at("source").get<std::string>().find("kubelet-client-current.pem"),
            std::string::npos);
  const auto gone = row(j, "certificates", "config/user:gone");
  EXPECT_TRUE(gone.at("missing").get<bool>());
  EXPECT_NE(gone.at("error").get<std::string>().find("missing.crt does not exist"),
            std::string::npos);
  expect_expiry(row(j, "certificate_authorities", "config/cluster:prod"), "pki/ca.crt");
  EXPECT_EQ(j.at("certificates").size(), 3U) << j.dump(2);

  // Repeated --kubeconfig, each taking one value; a FILE after it is a positional.
  write("kube/second",
        "kind: Config\nusers:\n- name: s\n  user:\n    client-certificate: "
        "../sched.crt\n");
  r = check({"--kubeconfig", "kube/config", "--kubeconfig", "kube/second", "kubelet.crt"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  j = parse(r);
  expect_expiry(row(j, "certificates", "second"), "sched.crt");
  expect_expiry(row(j, "certificates", "kubelet.crt"), "kubelet.crt");
  EXPECT_EQ(row(j, "certificates", "kubelet.crt").at("issuer_ca"), "config/cluster:prod");
}

// An `openssl s_server` on 127.0.0.1, killed when the test ends.
class SServer {
 public:
  SServer(const std::filesystem::path& dir, const std::vector<std::string>& extra) {
    port_ = free_port();
    const auto out = dir / "s_server.out";
    std::vector<std::string> argv = {"openssl", "s_server", "-accept",
                                     "127.0.0.1:" + std::to_string(port_)};
    argv.insert(argv.end(), extra.begin(), extra.end());
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addchdir_np(&actions, dir.c_str());
    std::vector<char*> args;
    args.reserve(argv.size() + 1);
    for (auto& a : argv) args.push_back(a.data());
    args.push_back(nullptr);
    if (posix_spawnp(&pid_, args[0], &actions, nullptr, args.data(), environ) != 0) pid_ = -1;
    posix_spawn_file_actions_destroy(&actions);
    // s_server prints ACCEPT once it listens; wait for it at most 10 s.
    for (int i = 0; i < 200 && pid_ > 0; ++i) {
      std::ifstream in(out);
      const std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
      if (text.find("ACCEPT") != std::string::npos) {
        ready_ = true;
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
  SServer(const SServer&) = delete;
  SServer& operator=(const SServer&) = delete;
  ~SServer() {
    if (pid_ > 0) {
      kill(pid_, SIGTERM);
      int status = 0;
      waitpid(pid_, &status, 0);
    }
  }
  [[nodiscard]] bool ready() const { return ready_; }
  [[nodiscard]] std::string endpoint() const { return "127.0.0.1:" + std::to_string(port_); }

  // A port the kernel just handed out (bound, then released for s_server).
  static int free_port() {
    const int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);  // NOLINT
    socklen_t len = sizeof addr;
    getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);  // NOLINT
    close(fd);
    return ntohs(addr.sin_port);
  }

 private:
  pid_t pid_ = -1;
  int port_ = 0;
  bool ready_ = false;
};

TEST_F(CertsCheckExpirationTest, EndpointServesTwoCertificateChain) {
  make_root("root", "root", 3650);
  make_cert("inter", "intermediate", "root", 1000,
            "basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n"
            "subjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n");
  make_cert("server", "server", "inter", 60,
            "basicConstraints=CA:FALSE\nsubjectAltName=IP:127.0.0.1\n"
            "extendedKeyUsage=serverAuth\nauthorityKeyIdentifier=keyid\n");
  const SServer server(
      dir_, {"-cert", "server.crt", "-key", "server.key", "-cert_chain", "inter.crt", "-www"});
  ASSERT_TRUE(server.ready());

  // Without a CA: reported, not verified.
  auto r = check({"--endpoint", server.endpoint(), "--timeout", "5s"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = parse(r);
  const auto leaf = row(j, "certificates", server.endpoint() + "#1");
  expect_expiry(leaf, "server.crt");
  EXPECT_EQ(leaf.at("issuer_ca"), server.endpoint() + "#2");
  const auto inter = row(j, "certificate_authorities", server.endpoint() + "#2");
  expect_expiry(inter, "inter.crt");
  EXPECT_EQ(inter.at("issuer_ca"), "unknown");
  ASSERT_EQ(j.at("endpoints").size(), 1U);
  EXPECT_TRUE(j.at("endpoints")[0].at("verified").is_null());
  EXPECT_EQ(j.at("endpoints")[0].at("chain_length"), 2);

  // With the root given: the served chain verifies, and the intermediate's issuer is named.
  r = check({"--endpoint", server.endpoint(), "root.crt"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  j = parse(r);
  EXPECT_EQ(j.at("endpoints")[0].at("verified"), true) << j.dump(2);
  EXPECT_EQ(row(j, "certificate_authorities", server.endpoint() + "#2").at("issuer_ca"),
            "root.crt");

  // With an unrelated CA: reported, and said not to verify.
  make_root("other", "other", 3650);
  r = check({"--endpoint", server.endpoint(), "other.crt"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  j = parse(r);
  EXPECT_EQ(j.at("endpoints")[0].at("verified"), false);
  EXPECT_EQ(j.at("endpoints")[0].at("detail"), "unable to get local issuer certificate");
}

}  // namespace
}  // namespace signet::testing
