// Runs tests/interop/goverify (Go's crypto/x509, built by CMake from Debian's golang-go) on
// certificates a test made: what every Kubernetes component would say about them.
#pragma once

#include <string>

namespace signet::testing {

struct GoVerifyRequest {
  std::string roots_pem;           // trusted roots, PEM
  std::string intermediates_pem;   // optional
  std::string cert_pem;            // the certificate under test (PEM)
  std::string eku = "clientAuth";  // serverAuth | clientAuth | any
  std::string dns;                 // optional: name the certificate must be valid for
  std::string ip;                  // optional: address the certificate must be valid for
};

struct GoVerifyResult {
  int exit_code = -1;  // 0 verified, 1 refused by Go, 2 usage error, other: could not run
  bool ok = false;
  std::string error;   // Go's error text when refused
  std::string stage;   // "parse" (x509.ParseCertificate) or "verify" (Certificate.Verify)
  std::string output;  // the raw JSON line
};

// Writes the PEM inputs to a fresh temporary directory, runs the verifier (no shell), parses its
// JSON and removes the directory.
GoVerifyResult go_verify(const GoVerifyRequest& request);

}  // namespace signet::testing
