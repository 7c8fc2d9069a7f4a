// signet serve's own endpoints (issue 7 items 2-3): GET /v1/ca/NAME, POST /v1/sign/batch,
// POST /v1/k8s/csr, GET /metrics and per-client rate limits, end to end against a `signet serve`
// child with Debian's curl; certificates checked by `openssl verify`, the ledger by
// `signet ledger list`.
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "signet/core/base64.h"
#include "signet/core/bytes.h"

#include "serve_fixture.h"

namespace signet::testing {
namespace {

using nlohmann::json;

json body_of(const RunResult& r) {
  const auto nl = r.out.rfind('\n');
  return json::parse(r.out.substr(0, nl), nullptr, false);
}

std::string error_of(const RunResult& r) {
  const auto j = body_of(r);
  if (j.is_discarded() || !j.contains("errors") || j["errors"].empty()) return "<no errors>";
  return j["errors"][0]["message"].get<std::string>();
}

class ServeEndpointsTest : public ServeTest {
 protected:
  const std::vector<std::string> mtls_ = {"--cert", "client.crt", "--key", "client.key"};

  // `openssl verify` of a PEM certificate against the CA bundle file.
  void expect_verifies(const std::string& pem, const std::string& bundle, const std::string& name) {
    put(name, pem);
    const auto v = tool({"openssl", "verify", "-CAfile", bundle, name});
    EXPECT_EQ(v.exit_code, 0) << v.out << v.err;
    EXPECT_NE(v.out.find(name + ": OK"), std::string::npos) << v.out;
  }

  // GET with curl (the fixture's curl POSTs only when given a body file).
  RunResult get(const std::string& url, const std::vector<std::string>& extra) const {
    return curl(url, "", extra);
  }
};

TEST_F(ServeEndpointsTest, CaChainIsTheBundleAServedLeafVerifiesAgainst) {
  ASSERT_TRUE(ready_);
  start_server();
  put("req.json", sign_request(dir_ / "node.csr", "kubelet-client"));
  const auto signed_ = curl("https://" + https_ + "/api/v1/cfssl/sign", "req.json", mtls_);
  ASSERT_EQ(http_status(signed_), "200") << signed_.out;

  auto extra = mtls_;
  extra.insert(extra.end(), {"-w", "\n%{content_type}\n%{http_code}"});
  const auto r = get("https://" + https_ + "/v1/ca/kubernetes", extra);
  ASSERT_EQ(http_status(r), "200") << r.out;
  const auto body_end = r.out.rfind('\n', r.out.rfind('\n') - 1);
  EXPECT_EQ(r.out.substr(body_end + 1, r.out.rfind('\n') - body_end - 1), "application/x-pem-file");
  const std::string chain = r.out.substr(0, body_end);
  EXPECT_EQ(chain, read("kubernetes.crt"));  // a root CA: the chain is the CA itself
  put("chain.pem", chain);
  expect_verifies(body_of(signed_)["result"]["certificate"], "chain.pem", "leaf.crt");

  // The loopback plain-HTTP listener serves it too; an unknown CA is a 404 naming it.
  EXPECT_EQ(http_status(get("http://" + http_ + "/v1/ca/kubernetes", {})), "200");
  const auto missing = get("https://" + https_ + "/v1/ca/front-proxy", mtls_);
  EXPECT_EQ(http_status(missing), "404");
  EXPECT_EQ(error_of(missing),
            "ca chain: CA 'front-proxy' is not served here (served: kubernetes)");
  // TLS without a client certificate ("client_certificates": "require"): no handshake, no answer.
  const auto anonymous = get("https://" + https_ + "/v1/ca/kubernetes", {});
  EXPECT_NE(anonymous.exit_code, 0);
  EXPECT_EQ(http_status(anonymous), "000") << anonymous.out;
  const auto post = curl("https://" + https_ + "/v1/ca/kubernetes", "req.json", mtls_);
  EXPECT_EQ(http_status(post), "405");
}

TEST_F(ServeEndpointsTest, CaChainOfAnIntermediateIsTheCaThenItsParents) {
  ASSERT_TRUE(ready_);
  const std::string key = "pkcs11:token=cli;object=etcd-key?pin-source=" + pin_source();
  auto r = signet({"key", "generate", "--algorithm", "ecdsa-p256", "--key", key});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = signet({"ca", "init", "--name", "etcd", "--parent", "kubernetes", "--key", key, "--subject",
              "CN=etcd-ca", "--validity", "8760h", "--out", "etcd.crt"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = signet({"sign", "--ca", "etcd", "--profile", "kubelet-client", "--csr", "node.csr", "--out",
              "etcd-leaf.crt"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  json config = json::parse(read(config_));
  config["cas"] = {"kubernetes", "etcd"};
  put("serve.json", config.dump(2));
  start_server();
  const auto chain = get("https://" + https_ + "/v1/ca/etcd", mtls_);
  ASSERT_EQ(http_status(chain), "200") << chain.out;
  const std::string pem = chain.out.substr(0, chain.out.rfind('\n'));
  EXPECT_EQ(pem, read("etcd.crt") + read("kubernetes.crt"));
  put("etcd-chain.pem", pem);
  // The bundle alone is a complete path for a leaf of the intermediate (openssl, strict).
  const auto v =
      tool({"openssl", "verify", "-x509_strict", "-CAfile", "etcd-chain.pem", "etcd-leaf.crt"});
  EXPECT_EQ(v.exit_code, 0) << v.out << v.err;
  EXPECT_NE(v.out.find("etcd-leaf.crt: OK"), std::string::npos) << v.out;
  EXPECT_EQ(stop_server(), 0);
}

TEST_F(ServeEndpointsTest, BatchAnswersEachItemInOrderAndRecordsExactlyTheIssuedOnes) {
  ASSERT_TRUE(ready_);
  openssl_csr("node2", "/O=system:nodes/CN=system:node:n2");
  start_server();
  const std::string csr1 = read("node.csr");
  const std::string csr2 = read("node2.csr");
  const json batch = {{"requests",
                       {{{"id", "a"}, {"csr", csr1}, {"profile", "kubelet-client"}},
                        {{"id", 2}, {"csr", "-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n"}},
                        {{"id", "c"}, {"csr", csr1}, {"profile", "kubelet-serving"}},
                        {{"id", "d"}, {"csr", csr2}, {"ca", "kubernetes"}},
                        {{"id", "e"}, {"csr", csr2}, {"ca", "front-proxy"}},
                        {{"id", "f"}, {"csr", csr2}, {"subject", "CN=x"}},
                        "not an object"}}};
  put("batch.json", batch.dump());
  const auto r = curl("https://" + https_ + "/v1/sign/batch", "batch.json", mtls_);
  ASSERT_EQ(http_status(r), "200") << r.out;
  const json results = body_of(r)["results"];
  ASSERT_EQ(results.size(), 7U) << r.out;
  const json ids = {"a", 2, "c", "d", "e", "f", nullptr};
  for (std::size_t i = 0; i < results.size(); ++i) EXPECT_EQ(results[i]["id"], ids[i]) << i;
  expect_verifies(results[0]["certificate"], "kubernetes.crt", "a.crt");
  expect_verifies(results[3]["certificate"], "kubernetes.crt", "d.crt");
  const auto subject = tool({"openssl", "x509", "-in", "d.crt", "-noout", "-subject"});
  EXPECT_NE(subject.out.find("CN = system:node:n2"), std::string::npos) << subject.out;
  const auto error = [&](std::size_t i) { return results[i]["error"]; };
  EXPECT_EQ(error(1)["code"], 9003);
  EXPECT_EQ(error(2)["code"], 403);
  EXPECT_EQ(error(2)["message"],
            "requests[2]: mtls:ingress may not use profile 'kubelet-serving' (allowed: "
            "kubelet-client)");
  EXPECT_EQ(error(4)["code"], 403);
  EXPECT_EQ(error(4)["message"],
            "requests[4]: mtls:ingress may not use CA 'front-proxy' (allowed: kubernetes)");
  EXPECT_EQ(error(5)["message"],
            "requests[5]: unknown field \"subject\" (known: id, csr, profile, ca)");
  EXPECT_EQ(error(6)["message"], "requests[6]: must be an object");
  for (const std::size_t i : {0, 3}) EXPECT_FALSE(results[i].contains("error")) << i;
  // The ledger holds exactly the two certificates returned.
  ASSERT_EQ(records(), 2U);
  const auto listed = signet({"--output", "json", "ledger", "list"});
  EXPECT_NE(listed.out.find("system:node:n1"), std::string::npos) << listed.out;
  EXPECT_NE(listed.out.find("system:node:n2"), std::string::npos) << listed.out;

  // Refused whole, nothing issued: too many items, malformed bodies, plain HTTP.
  json many = {{"requests", json::array()}};
  for (int i = 0; i < 1001; ++i) many["requests"].push_back({{"id", i}, {"csr", csr1}});
  put("many.json", many.dump());
  const auto over = curl("https://" + https_ + "/v1/sign/batch", "many.json", mtls_);
  EXPECT_EQ(http_status(over), "413");
  EXPECT_EQ(error_of(over), "sign batch: 1001 requests, at most 1000 per call");
  const std::vector<std::pair<std::string, std::string>> malformed = {
      {"{\"requests\": [", "sign batch: the body is not a JSON object"},
      {"[]", "sign batch: the body is not a JSON object"},
      {"{\"requests\": []}", "sign batch: \"requests\" must be a non-empty array"},
      {"{\"requests\": {}}", "sign batch: \"requests\" must be a non-empty array"},
      {"{\"requests\": [{}], \"dry_run\": true}",
       "sign batch: unknown field \"dry_run\" (known: requests)"}};
  for (const auto& [text, message] : malformed) {
    put("bad.json", text);
    const auto bad = curl("https://" + https_ + "/v1/sign/batch", "bad.json", mtls_);
    EXPECT_EQ(http_status(bad), "400") << text;
    EXPECT_EQ(error_of(bad), message) << text;
  }
  const auto plain = curl("http://" + http_ + "/v1/sign/batch", "batch.json", {});
  EXPECT_EQ(http_status(plain), "403");
  EXPECT_EQ(error_of(plain),
            "sign batch: needs mutual TLS (a client certificate); the plain-HTTP listener "
            "serves only HMAC-authenticated /api/v1/cfssl/authsign");
  EXPECT_EQ(records(), 2U);
  EXPECT_EQ(stop_server(), 0);  // drained; under sanitizers also leak-free
}

json k8s_object(const std::string& csr_pem, const std::vector<std::string>& usages, bool approved) {
  json j = {{"apiVersion", "certificates.k8s.io/v1"},
            {"kind", "CertificateSigningRequest"},
            {"metadata", {{"name", "csr-n1"}}},
            {"spec",
             {{"request", base64_encode(as_bytes(csr_pem))},
              {"signerName", "kubernetes.io/kube-apiserver-client-kubelet"},
              {"usages", usages}}}};
  if (approved) {
    j["status"]["conditions"] =
        json::array({{{"type", "Approved"}, {"status", "True"}, {"reason", "AutoApproved"}}});
  }
  return j;
}

TEST_F(ServeEndpointsTest, K8sCsrObjectComesBackIssuedOrFailedNamingTheRule) {
  ASSERT_TRUE(ready_);
  start_server();
  const std::string csr = read("node.csr");
  put("good.json", k8s_object(csr, {"digital signature", "client auth"}, true).dump());
  const auto good = curl("https://" + https_ + "/v1/k8s/csr", "good.json", mtls_);
  ASSERT_EQ(http_status(good), "200") << good.out;
  const json issued = body_of(good);
  EXPECT_EQ(issued["metadata"]["name"], "csr-n1");
  EXPECT_EQ(issued["status"]["conditions"][0]["type"], "Approved");
  ASSERT_TRUE(issued["status"].contains("certificate")) << good.out;
  const auto pem =
      base64_decode(issued["status"]["certificate"].get<std::string>(), "status.certificate");
  ASSERT_TRUE(pem.has_value());
  expect_verifies(std::string(as_text(*pem)), "kubernetes.crt", "k8s.crt");
  const auto text =
      tool({"openssl", "x509", "-in", "k8s.crt", "-noout", "-ext", "extendedKeyUsage"});
  EXPECT_NE(text.out.find("TLS Web Client Authentication"), std::string::npos) << text.out;

  // A usage the kubelet-client profile forbids: a Failed condition naming the rule, no certificate.
  put("bad.json",
      k8s_object(csr, {"digital signature", "client auth", "server auth"}, true).dump());
  const auto bad = curl("https://" + https_ + "/v1/k8s/csr", "bad.json", mtls_);
  ASSERT_EQ(http_status(bad), "200") << bad.out;
  const json failed = body_of(bad);
  EXPECT_FALSE(failed["status"].contains("certificate"));
  const json& last = failed["status"]["conditions"].back();
  EXPECT_EQ(last["type"], "Failed");
  EXPECT_EQ(last["reason"], "SignerValidationFailure");
  EXPECT_EQ(last["message"],
            "kubelet-client: usage 'server auth' is not allowed (allowed: digital signature, "
            "client auth, key encipherment), got [digital signature, client auth, server auth]");

  // Not approved, or not an object: refused with nothing issued.
  put("pending.json", k8s_object(csr, {"digital signature", "client auth"}, false).dump());
  const auto pending = curl("https://" + https_ + "/v1/k8s/csr", "pending.json", mtls_);
  EXPECT_EQ(http_status(pending), "409") << pending.out;
  EXPECT_NE(error_of(pending).find("k8s csr 'csr-n1': "), std::string::npos) << pending.out;
  put("junk.json", "{\"kind\": 1}");
  const auto junk = curl("https://" + https_ + "/v1/k8s/csr", "junk.json", mtls_);
  EXPECT_EQ(http_status(junk), "400") << junk.out;
  EXPECT_EQ(records(), 1U);
  EXPECT_EQ(stop_server(), 0);
}

// One exposition line: a name, optional {labels}, a value (Prometheus text format 0.0.4).
bool is_sample_line(const std::string& line) {
  static const std::regex sample(
      R"re(^[a-zA-Z_:][a-zA-Z0-9_:]*(\{[a-zA-Z_][a-zA-Z0-9_]*="(\\.|[^"\\])*"(,[a-zA-Z_][a-zA-Z0-9_]*="(\\.|[^"\\])*")*\})? (-?[0-9.eE+-]+|\+Inf|NaN)$)re");
  static const std::regex comment(R"(^# (HELP|TYPE) [a-zA-Z_:][a-zA-Z0-9_:]* .*$)");
  return std::regex_match(line, sample) || std::regex_match(line, comment);
}

TEST_F(ServeEndpointsTest, MetricsCountRequestsSignaturesErrorsAndLatencies) {
  ASSERT_TRUE(ready_);
  start_server();
  put("req.json", sign_request(dir_ / "node.csr", "kubelet-client"));
  put("serving.json", sign_request(dir_ / "node.csr", "kubelet-serving"));
  for (int i = 0; i < 2; ++i) {
    EXPECT_EQ(http_status(curl("https://" + https_ + "/api/v1/cfssl/sign", "req.json", mtls_)),
              "200");
  }
  EXPECT_EQ(http_status(curl("https://" + https_ + "/api/v1/cfssl/sign", "serving.json", mtls_)),
            "403");
  EXPECT_EQ(http_status(get("https://" + https_ + "/no/such/path", mtls_)), "404");

  const auto scrape = get("http://" + http_ + "/metrics", {});
  ASSERT_EQ(http_status(scrape), "200") << scrape.out;
  const std::string text = scrape.out.substr(0, scrape.out.rfind('\n'));
  std::istringstream lines(text);
  std::set<std::string> samples;
  for (std::string line; std::getline(lines, line);) {
    EXPECT_TRUE(is_sample_line(line)) << "not exposition format: " << line;
    samples.insert(line);
  }
  for (const char* expected : {
           R"(signet_http_requests_total{endpoint="/api/v1/cfssl/sign",code="200"} 2)",
           R"(signet_http_requests_total{endpoint="/api/v1/cfssl/sign",code="403"} 1)",
           R"(signet_http_requests_total{endpoint="other",code="404"} 1)",
           R"(signet_signatures_total{ca="kubernetes",profile="kubelet-client"} 2)",
           R"(signet_errors_total{class="forbidden"} 1)",
           R"(signet_errors_total{class="not_found"} 1)",
           R"(signet_errors_total{class="rate_limited"} 0)",
           R"(signet_sign_seconds_count 2)",
           R"(signet_sign_seconds_bucket{le="+Inf"} 2)",
           R"(signet_ledger_write_seconds_count 2)",
           R"(signet_signer_sessions_in_use{ca="kubernetes"} 0)",
           R"(signet_signer_waiters{ca="kubernetes"} 0)",
           "# TYPE signet_signer_sessions gauge",
           "# TYPE signet_sign_seconds histogram",
           "# TYPE signet_http_requests_total counter",
       }) {
    EXPECT_EQ(samples.count(expected), 1U) << "missing: " << expected << "\n" << text;
  }
  // The scrape itself is counted by the next one.
  const auto again = get("http://" + http_ + "/metrics", {});
  EXPECT_NE(again.out.find(R"(signet_http_requests_total{endpoint="/metrics",code="200"} 1)"),
            std::string::npos)
      << again.out;
  // On TLS only a client with a certificate scrapes (without one the handshake fails).
  EXPECT_EQ(http_status(get("https://" + https_ + "/metrics", mtls_)), "200");
  EXPECT_EQ(http_status(get("https://" + https_ + "/metrics", {})), "000");
  EXPECT_EQ(stop_server(), 0);
}

TEST_F(ServeEndpointsTest, RateLimitAnswers429WithRetryAfterAndIssuesNothing) {
  ASSERT_TRUE(ready_);
  // One token per 1000 s: the two-token burst is all this test can use, whatever its timing.
  json config = json::parse(read(config_));
  config["hmac_keys"][0]["rate_limit"] = {{"per_second", 0.001}, {"burst", 2}};
  put("serve.json", config.dump(2));
  start_server();
  put("auth.json", authenticated(sign_request(dir_ / "node.csr", "kubelet-client"), kHmacKeyHex));
  int ok = 0;
  int limited = 0;
  for (int i = 0; i < 5; ++i) {
    const auto r = curl("http://" + http_ + "/api/v1/cfssl/authsign", "auth.json",
                        {"-D", "headers" + std::to_string(i) + ".txt"});
    const std::string status = http_status(r);
    if (status == "200") {
      ++ok;
      continue;
    }
    ASSERT_EQ(status, "429") << r.out;
    ++limited;
    // A token is (1 - refill since the burst) / 0.001 s away: just under 1000 s, rounded up.
    const std::string headers = read("headers" + std::to_string(i) + ".txt");
    std::smatch m;
    ASSERT_TRUE(std::regex_search(headers, m, std::regex("\r\nRetry-After: ([0-9]+)\r\n")))
        << headers;
    const int retry_after = std::stoi(m[1]);
    EXPECT_GE(retry_after, 990);
    EXPECT_LE(retry_after, 1000);
    EXPECT_EQ(error_of(r),
              "hmac:ci is over its rate_limit; retry after " + std::string(m[1]) + " s");
  }
  EXPECT_EQ(ok, 2);
  EXPECT_EQ(limited, 3);
  EXPECT_EQ(records(), 2U);
  // Another caller has its own (here: no) limit.
  put("req.json", sign_request(dir_ / "node.csr", "kubelet-client"));
  EXPECT_EQ(http_status(curl("https://" + https_ + "/api/v1/cfssl/sign", "req.json", mtls_)),
            "200");
  const auto scrape = get("http://" + http_ + "/metrics", {});
  EXPECT_NE(scrape.out.find(R"(signet_errors_total{class="rate_limited"} 3)"), std::string::npos)
      << scrape.out;
}

// A batch costs one token per certificate, so it is no way around the limit; one larger than
// the burst could never pass and is 413, not a 429 to retry for ever.
TEST_F(ServeEndpointsTest, ABatchCostsOneRateLimitTokenPerCertificate) {
  ASSERT_TRUE(ready_);
  json config = json::parse(read(config_));
  config["clients"][0]["rate_limit"] = {{"per_second", 0.001}, {"burst", 3}};
  put("serve.json", config.dump(2));
  start_server();
  const std::string csr = read("node.csr");
  const auto batch_of = [&](int n) {
    json b = {{"requests", json::array()}};
    for (int i = 0; i < n; ++i) {
      b["requests"].push_back({{"id", i}, {"csr", csr}, {"profile", "kubelet-client"}});
    }
    put("b.json", b.dump());
    return curl("https://" + https_ + "/v1/sign/batch", "b.json", mtls_);
  };
  const auto too_big = batch_of(4);
  EXPECT_EQ(http_status(too_big), "413") << too_big.out;
  EXPECT_NE(error_of(too_big).find("4 certificates in one call exceed mtls:"), std::string::npos)
      << too_big.out;
  EXPECT_NE(error_of(too_big).find("rate_limit burst of 3"), std::string::npos) << too_big.out;
  EXPECT_EQ(http_status(batch_of(2)), "200");
  const auto over = batch_of(2);  // 1 token left, 2 asked: refused whole
  EXPECT_EQ(http_status(over), "429") << over.out;
  EXPECT_EQ(http_status(batch_of(1)), "200");  // the refusal took nothing
  EXPECT_EQ(records(), 3U);
  EXPECT_EQ(stop_server(), 0);
}

TEST_F(ServeEndpointsTest, ConfigCheckValidatesRateLimits) {
  ASSERT_TRUE(ready_);
  const json config = json::parse(read(config_));
  const auto refused = [&](const json& limit, const std::string& message) {
    json bad = config;
    bad["clients"][0]["rate_limit"] = limit;
    put("bad.json", bad.dump());
    const auto r = signet({"config", "check", (dir_ / "bad.json").string()});
    EXPECT_EQ(r.exit_code, 1) << limit.dump();
    EXPECT_NE(r.err.find(message), std::string::npos) << r.err;
  };
  refused({{"per_second", 0}, {"burst", 5}},
          "server config: clients[0].rate_limit.per_second: must be above 0 and at most 1e6, "
          "got 0");
  refused({{"per_second", 1}, {"burst", 0.5}},
          "server config: clients[0].rate_limit.burst: must be at least 1 and at most 1e6, got "
          "0.5");
  refused({{"per_second", "10"}},
          "server config: clients[0].rate_limit.per_second: must be a number, got \"10\"");
  refused({{"per_second", 1}, {"burst", 2}, {"window", 3}},
          "server config: clients[0].rate_limit: unknown key 'window'");
  refused(5, "server config: clients[0].rate_limit: must be an object, got 5");
  json good = config;
  good["clients"][0]["rate_limit"] = {{"per_second", 2.5}, {"burst", 10}};
  put("good.json", good.dump());
  const auto r = signet({"config", "check", (dir_ / "good.json").string()});
  EXPECT_EQ(r.exit_code, 0) << r.err;
}

}  // namespace
}  // namespace signet::testing
