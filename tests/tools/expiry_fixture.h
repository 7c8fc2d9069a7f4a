// What the `signet certs check-expiration` tests share: certificates made by the openssl CLI
// (not by signet) with chosen lifetimes, their notAfter as openssl prints it, and the command's
// JSON report.
#pragma once

#include <ctime>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "cli_runner.h"

namespace signet::testing {

class ExpiryTest : public CliTest {
 protected:
  void SetUp() override {
    CliTest::SetUp();
    std::filesystem::create_directories(dir_ / "pki" / "etcd");
  }

  RunResult openssl(std::vector<std::string> args) const {
    args.insert(args.begin(), "openssl");
    auto r = tool(args);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return r;
  }

  // A self-signed CA (openssl req -x509, basicConstraints CA:TRUE from openssl.cnf's v3_ca):
  // `base`.crt and `base`.key under the test directory.
  void make_root(const std::string& base, const std::string& cn, int days) const {
    openssl({"req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
             "-keyout", base + ".key", "-out", base + ".crt", "-subj", "/CN=" + cn, "-days",
             std::to_string(days)});
  }

  // A certificate for CN=`cn` signed by `ca` (openssl x509 -req -days; a negative number of
  // days gives a certificate that has already expired). `ext` lines go to an -extfile.
  void make_cert(const std::string& base, const std::string& cn, const std::string& ca, int days,
                 const std::string& ext = "") const {
    openssl({"req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
             "-keyout", base + ".key", "-out", base + ".csr", "-subj", "/CN=" + cn});
    std::vector<std::string> args = {
        "x509",   "-req",      "-in",   base + ".csr",        "-CA",  ca + ".crt",
        "-CAkey", ca + ".key", "-days", std::to_string(days), "-out", base + ".crt"};
    if (!ext.empty()) {
      write(base + ".ext", "[v3]\n" + ext);
      args.insert(args.end(), {"-extfile", base + ".ext", "-extensions", "v3"});
    }
    openssl(args);
  }

  void write(const std::string& rel, const std::string& content) const {
    std::ofstream(dir_ / rel, std::ios::binary) << content;
  }
  [[nodiscard]] std::string read(const std::string& rel) const {
    std::ifstream in(dir_ / rel, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  }

  // notAfter as `openssl x509 -enddate` prints it ("notAfter=Nov 30 16:28:48 2026 GMT").
  [[nodiscard]] std::time_t openssl_enddate(const std::string& rel) const {
    const auto r = openssl({"x509", "-in", rel, "-noout", "-enddate"});
    std::tm tm{};
    const std::string text = r.out.substr(r.out.find('=') + 1);
    EXPECT_NE(strptime(text.c_str(), "%b %d %H:%M:%S %Y GMT", &tm), nullptr) << r.out;
    return timegm(&tm);
  }

  static std::time_t rfc3339(const std::string& text) {
    std::tm tm{};
    EXPECT_NE(strptime(text.c_str(), "%Y-%m-%dT%H:%M:%SZ", &tm), nullptr) << text;
    return timegm(&tm);
  }

  // Runs `signet certs check-expiration ARGS --output json`.
  RunResult check(std::vector<std::string> args) const {
    args.insert(args.begin(), {"--output", "json", "certs", "check-expiration"});
    return signet(args);
  }
  [[nodiscard]] static nlohmann::json parse(const RunResult& r) {
    auto j = nlohmann::json::parse(r.out, nullptr, false);
    EXPECT_FALSE(j.is_discarded()) << r.out << r.err;
    return j;
  }

  // The row called `name` in `table` ("certificates" or "certificate_authorities").
  [[nodiscard]] static nlohmann::json row(const nlohmann::json& report, const std::string& table,
                                          const std::string& name) {
    for (const auto& r : report.at(table)) {
      if (r.at("name") == name) return r;
    }
    ADD_FAILURE() << "no row " << name << " in " << table << ": " << report.dump(2);
    return nlohmann::json::object();
  }

  // Checks a present row against openssl's notAfter and the clock.
  void expect_expiry(const nlohmann::json& r, const std::string& file) const {
    const std::time_t expected = openssl_enddate(file);
    EXPECT_EQ(rfc3339(r.at("not_after").get<std::string>()), expected) << r.dump();
    const auto residual = r.at("residual_seconds").get<long long>();
    const auto now = static_cast<long long>(std::time(nullptr));
    EXPECT_NEAR(static_cast<double>(residual), static_cast<double>(expected - now), 120.0);
    EXPECT_EQ(r.at("expired").get<bool>(), expected <= now);
  }
};

}  // namespace signet::testing
