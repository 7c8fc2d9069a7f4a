// signet serve end to end: Debian's curl and cfssl obtain certificates (checked by openssl
// verify), and every refusal of issue 7's acceptance list gets its answer with nothing issued.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "serve_fixture.h"

namespace signet::testing {
namespace {

// A raw TCP connection to "127.0.0.1:PORT" (the slow-loris and oversized-body clients).
class RawClient {
 public:
  explicit RawClient(const std::string& host_port) {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port =
        htons(static_cast<std::uint16_t>(std::stoi(host_port.substr(host_port.find(':') + 1))));
    inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
    connected_ = connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  }
  RawClient(const RawClient&) = delete;
  RawClient& operator=(const RawClient&) = delete;
  ~RawClient() { close(fd_); }
  [[nodiscard]] bool connected() const { return connected_; }
  bool send_text(const std::string& s) const {
    return ::send(fd_, s.data(), s.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(s.size());
  }
  // Reads until the peer closes or `limit` passes; returns what arrived. `closed` tells which.
  std::string read_until_closed(std::chrono::milliseconds limit, bool& closed) const {
    std::string out;
    closed = false;
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < deadline) {
      pollfd p{fd_, POLLIN, 0};
      if (poll(&p, 1, 50) <= 0) continue;
      char buf[4096];  // NOLINT(modernize-avoid-c-arrays)
      const ssize_t n = recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) {
        closed = true;
        break;
      }
      out.append(buf, static_cast<std::size_t>(n));
    }
    return out;
  }

 private:
  int fd_ = -1;
  bool connected_ = false;
};

nlohmann::json body_json(const RunResult& r) {
  const auto nl = r.out.rfind('\n');
  return nlohmann::json::parse(r.out.substr(0, nl), nullptr, false);
}

std::string first_error(const RunResult& r) {
  const auto j = body_json(r);
  if (j.is_discarded() || !j.contains("errors") || j["errors"].empty()) return "<no errors>";
  return j["errors"][0]["message"].get<std::string>();
}

TEST_F(ServeTest, CurlWithClientCertificateGetsCertificateThatOpensslVerifies) {
  ASSERT_TRUE(ready_);
  start_server();
  put("req.json", sign_request(dir_ / "node.csr", "kubelet-client"));
  const auto r = curl("https://" + https_ + "/api/v1/cfssl/sign", "req.json",
                      {"--cert", "client.crt", "--key", "client.key"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ASSERT_EQ(http_status(r), "200") << r.out;
  const auto j = body_json(r);
  ASSERT_TRUE(j["success"].get<bool>()) << r.out;
  EXPECT_TRUE(j["errors"].empty());
  put("leaf.crt", j["result"]["certificate"].get<std::string>());
  const auto v = tool({"openssl", "verify", "-CAfile", "kubernetes.crt", "leaf.crt"});
  EXPECT_EQ(v.exit_code, 0) << v.out << v.err;
  EXPECT_NE(v.out.find("leaf.crt: OK"), std::string::npos) << v.out;
  const auto subject = tool({"openssl", "x509", "-in", "leaf.crt", "-noout", "-subject"});
  EXPECT_NE(subject.out.find("CN = system:node:n1"), std::string::npos) << subject.out;
  // Recorded before it was returned: the record holds exactly this certificate.
  ASSERT_EQ(records(), 1U);
  const auto rec = nlohmann::json::parse(read(record_));
  EXPECT_EQ(rec["certificate"], j["result"]["certificate"]);
  EXPECT_EQ(rec["requester"], "mtls:ingress");
  EXPECT_EQ(rec["profile"], "kubelet-client");
  // /info, /healthz and /readyz.
  put("info.json", "{}");
  const auto info = curl("https://" + https_ + "/api/v1/cfssl/info", "info.json",
                         {"--cert", "client.crt", "--key", "client.key"});
  EXPECT_EQ(http_status(info), "200") << info.out;
  EXPECT_EQ(body_json(info)["result"]["certificate"], read("kubernetes.crt"));
  const auto health =
      curl("https://" + https_ + "/readyz", "", {"--cert", "client.crt", "--key", "client.key"});
  EXPECT_EQ(http_status(health), "200") << health.out;
  EXPECT_EQ(stop_server(), 0);  // SIGTERM: drained and exited cleanly
}

TEST_F(ServeTest, DebianCfsslSignRemoteOverMutualTls) {
  ASSERT_TRUE(ready_);
  start_server();
  const auto r =
      tool({"cfssl", "sign", "-remote", "https://" + https_, "-tls-remote-ca", "server-ca.crt",
            "-mutual-tls-client-cert", "client.crt", "-mutual-tls-client-key", "client.key",
            "-profile", "kubelet-client", "node.csr"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const auto j = nlohmann::json::parse(r.out, nullptr, false);
  ASSERT_FALSE(j.is_discarded()) << r.out;
  put("leaf.crt", j["cert"].get<std::string>());
  const auto v = tool({"openssl", "verify", "-CAfile", "kubernetes.crt", "leaf.crt"});
  EXPECT_EQ(v.exit_code, 0) << v.out << v.err;
  EXPECT_EQ(records(), 1U);
}

TEST_F(ServeTest, DebianCfsslAuthRemoteHmacOnLoopbackHttp) {
  ASSERT_TRUE(ready_);
  start_server();
  // cfssl's client config: the default profile signs remotely with auth key "ci" (cfssl
  // config.AuthRemote); Debian's cfssl 1.2.0 posts to /api/v1/cfssl/authsign.
  const nlohmann::json client = {
      {"signing", {{"default", {{"auth_remote", {{"remote", "signet"}, {"auth_key", "ci"}}}}}}},
      {"auth_keys", {{"ci", {{"type", "standard"}, {"key", kHmacKeyHex}}}}},
      {"remotes", {{"signet", "http://" + http_}}}};  // cfssl 1.2.0 needs the scheme
  put("cfssl-client.json", client.dump());
  const auto r = tool(
      {"cfssl", "sign", "-config", "cfssl-client.json", "-profile", "kubelet-client", "node.csr"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const auto j = nlohmann::json::parse(r.out, nullptr, false);
  ASSERT_FALSE(j.is_discarded()) << r.out;
  put("leaf.crt", j["cert"].get<std::string>());
  const auto v = tool({"openssl", "verify", "-CAfile", "kubernetes.crt", "leaf.crt"});
  EXPECT_EQ(v.exit_code, 0) << v.out << v.err;
  ASSERT_EQ(records(), 1U);
  EXPECT_EQ(nlohmann::json::parse(read(record_))["requester"], "hmac:ci");
}

TEST_F(ServeTest, EveryRefusalGetsItsAnswerAndNothingIsIssued) {
  ASSERT_TRUE(ready_);
  start_server();
  const std::string sign = "https://" + https_ + "/api/v1/cfssl/sign";
  put("req.json", sign_request(dir_ / "node.csr", "kubelet-client"));
  const std::vector<std::string> client = {"--cert", "client.crt", "--key", "client.key"};

  // No client certificate: the handshake ends with a TLS alert (certificate required).
  auto r = curl(sign, "req.json", {});
  EXPECT_NE(r.exit_code, 0) << r.out;
  EXPECT_NE(r.err.find("alert"), std::string::npos) << r.err;

  // A client certificate from another CA: alert unknown CA.
  r = curl(sign, "req.json", {"--cert", "intruder.crt", "--key", "intruder.key"});
  EXPECT_NE(r.exit_code, 0) << r.out;
  EXPECT_NE(r.err.find("alert"), std::string::npos) << r.err;

  // A profile this client may not use: 403.
  put("serving.json", sign_request(dir_ / "node.csr", "kubelet-serving"));
  r = curl(sign, "serving.json", client);
  EXPECT_EQ(http_status(r), "403") << r.out;
  EXPECT_EQ(first_error(r),
            "mtls:ingress may not use profile 'kubelet-serving' (allowed: kubelet-client)");

  // Malformed JSON: 400.
  put("bad.json", "{\"certificate_request\": ");
  r = curl(sign, "bad.json", client);
  EXPECT_EQ(http_status(r), "400") << r.out;
  EXPECT_EQ(first_error(r), "Unable to parse sign request: the body is not a JSON object");

  // A 10 MiB body: 413 from its Content-Length, before the body is read.
  put("big.json", std::string(10 * 1024 * 1024, 'x'));
  r = curl(sign, "big.json", client);
  EXPECT_EQ(http_status(r), "413") << r.out << r.err;
  EXPECT_NE(r.out.find("request body larger than 1048576 bytes"), std::string::npos) << r.out;

  // HMAC: a wrong key and an expired key: 401.
  const std::string authsign = "http://" + http_ + "/api/v1/cfssl/authsign";
  const std::string inner = sign_request(dir_ / "node.csr", "kubelet-client");
  put("wrong.json", authenticated(inner, "0123456789abcdef0123456789abcdef"));
  r = curl(authsign, "wrong.json", {});
  EXPECT_EQ(http_status(r), "401") << r.out;
  EXPECT_EQ(first_error(r), "authsign: invalid token (no HMAC key matches)");
  put("expired.json", authenticated(inner, kExpiredKeyHex));
  r = curl(authsign, "expired.json", {});
  EXPECT_EQ(http_status(r), "401") << r.out;
  EXPECT_EQ(first_error(r), "authsign: HMAC key 'old' expired at 2020-01-01T00:00:00Z");
  // The plain listener never serves /sign (mutual TLS only).
  r = curl("http://" + http_ + "/api/v1/cfssl/sign", "req.json", {});
  EXPECT_EQ(http_status(r), "403") << r.out;

  // Slow loris on the plain listener: a header byte every 300 ms; closed at the 2 s header
  // timeout, never answered.
  {
    RawClient loris(http_);
    ASSERT_TRUE(loris.connected());
    const auto start = std::chrono::steady_clock::now();
    ASSERT_TRUE(loris.send_text("POST /api/v1/cfssl/authsign HTTP/1.1\r\nHost: x\r\n"));
    bool closed = false;
    std::string got;
    for (int i = 0; i < 20 && !closed; ++i) {
      loris.send_text("X");
      got += loris.read_until_closed(std::chrono::milliseconds(300), closed);
    }
    const auto took = std::chrono::steady_clock::now() - start;
    EXPECT_TRUE(closed);
    EXPECT_EQ(got, "");
    EXPECT_GE(took, std::chrono::milliseconds(1800));
    EXPECT_LT(took, std::chrono::milliseconds(4500));
  }
  // A TCP client that never starts the TLS handshake: closed at the same deadline.
  {
    RawClient silent(https_);
    ASSERT_TRUE(silent.connected());
    bool closed = false;
    silent.read_until_closed(std::chrono::milliseconds(4500), closed);
    EXPECT_TRUE(closed);
  }
  EXPECT_EQ(records(), 0U);  // nothing was issued
  EXPECT_EQ(stop_server(), 0);
}

TEST_F(ServeTest, ShutdownDrainsTheRequestInFlight) {
  ASSERT_TRUE(ready_);
  start_server();
  const std::string body =
      authenticated(sign_request(dir_ / "node.csr", "kubelet-client"), kHmacKeyHex);
  RawClient c(http_);
  ASSERT_TRUE(c.connected());
  ASSERT_TRUE(c.send_text("POST /api/v1/cfssl/authsign HTTP/1.1\r\nHost: x\r\nContent-Length: " +
                          std::to_string(body.size()) + "\r\n\r\n" + body.substr(0, 10)));
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  kill(pid_, SIGTERM);
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  ASSERT_TRUE(c.send_text(body.substr(10)));
  bool closed = false;
  const std::string answer = c.read_until_closed(std::chrono::seconds(10), closed);
  EXPECT_TRUE(closed);
  EXPECT_EQ(answer.rfind("HTTP/1.1 200 OK\r\n", 0), 0U) << answer;
  EXPECT_NE(answer.find("Connection: close"), std::string::npos) << answer;
  EXPECT_EQ(records(), 1U);
  EXPECT_EQ(stop_server(), 0);
}

// SIGHUP (issue 7 item 4): the config file is read again — a new HMAC key works at once, the
// key it dropped is refused, a connection kept alive across the reload still answers, and a
// broken config is refused while the previous one keeps serving.
TEST_F(ServeTest, SighupReloadsKeysWithoutDroppingConnectionsAndKeepsTheOldOnABadConfig) {
  ASSERT_TRUE(ready_);
  start_server();
  const std::string health = "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";
  RawClient kept(http_);
  ASSERT_TRUE(kept.connected());
  bool closed = false;
  ASSERT_TRUE(kept.send_text(health));
  std::string answer = kept.read_until_closed(std::chrono::milliseconds(500), closed);
  EXPECT_EQ(answer.rfind("HTTP/1.1 200 OK\r\n", 0), 0U) << answer;
  ASSERT_FALSE(closed);

  const std::string new_key = "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a6978";
  put("new.hex", new_key + "\n");
  auto config = nlohmann::json::parse(read(config_));
  config["hmac_keys"][0]["name"] = "rotated";
  config["hmac_keys"][0]["key_file"] = "new.hex";
  put("serve.json", config.dump(2));
  const std::string request = sign_request(dir_ / "node.csr", "kubelet-client");
  put("new.json", authenticated(request, new_key));
  put("ci.json", authenticated(request, kHmacKeyHex));
  const auto authsign = [&](const std::string& body) {
    return http_status(curl("http://" + http_ + "/api/v1/cfssl/authsign", body, {}));
  };
  EXPECT_EQ(authsign("new.json"), "401");  // not yet: the running config does not know it
  ASSERT_EQ(kill(pid_, SIGHUP), 0);
  std::string status;
  for (int i = 0; i < 100 && (status = authsign("new.json")) != "200"; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(status, "200");
  EXPECT_EQ(authsign("ci.json"), "401");  // the key the new config no longer holds

  ASSERT_TRUE(kept.send_text(health));  // the same connection, opened before the reload
  answer = kept.read_until_closed(std::chrono::milliseconds(500), closed);
  EXPECT_EQ(answer.rfind("HTTP/1.1 200 OK\r\n", 0), 0U) << answer;
  EXPECT_FALSE(closed);

  put("serve.json", "{ not json");
  ASSERT_EQ(kill(pid_, SIGHUP), 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  EXPECT_EQ(authsign("new.json"), "200");  // the previous config still serves
  EXPECT_EQ(records(), 2U);
  EXPECT_EQ(stop_server(), 0);
}

TEST_F(ServeTest, ConfigCheckAcceptsTheConfigAndNamesTheRuleOfABadOne) {
  ASSERT_TRUE(ready_);
  auto r = signet({"--output", "json", "config", "check", config_.string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_TRUE(j["ok"].get<bool>());
  EXPECT_EQ(j["hmac_keys"][1]["expires"], "2020-01-01T00:00:00Z");

  auto config = nlohmann::json::parse(read(config_));
  const auto refused = [&](nlohmann::json bad, const std::string& message) {
    put("bad.json", bad.dump());
    const auto res = signet({"config", "check", (dir_ / "bad.json").string()});
    EXPECT_EQ(res.exit_code, 1) << res.out;
    EXPECT_NE(res.err.find(message), std::string::npos) << res.err;
  };
  auto bad = config;
  bad["listeners"][1]["address"] = "0.0.0.0:8080";
  refused(bad,
          "server config: listeners[1]: plain HTTP is allowed only on a loopback address "
          "(127.0.0.0/8, ::1), got 0.0.0.0:8080");
  bad = config;
  bad["clients"][0]["profiles"] = {"no-such-profile"};
  refused(bad, "server config: clients 'ingress'.profiles: unknown profile 'no-such-profile'");
  bad = config;
  bad["tls"]["client_certificate"] = "require";
  refused(bad, "server config: tls: unknown key 'client_certificate'");
  bad = config;
  bad["hmac_keys"][0]["expires"] = "tomorrow";
  refused(bad, "server config: hmac_keys[0].expires: time must be RFC 3339 UTC");
  put("short.hex", "abcd");
  bad = config;
  bad["hmac_keys"][0]["key_file"] = "short.hex";
  refused(bad, "has 2 bytes; at least 16 (128 bits) are required");
  bad = config;
  bad["cas"] = {"kubernetes", "missing"};
  refused(bad, "server config: cas: 'missing'");
  put("notjson.json", "{");
  const auto res = signet({"config", "check", (dir_ / "notjson.json").string()});
  EXPECT_NE(res.err.find("server config: file: is not valid JSON"), std::string::npos) << res.err;
}

}  // namespace
}  // namespace signet::testing
