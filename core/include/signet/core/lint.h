// A certificate lint of signet's own: the rules of kubernetes-spec.md §7 items 1–7 and the
// parse-time rules of §6.1 (Go crypto/x509), including those Debian's Go 1.19 does not yet
// enforce (a negative serial is refused only from Go 1.23). It walks the certificate with
// signet's strict DER reader, never with OpenSSL, so it can judge what OpenSSL would tolerate.
//
// Intended callers: profile templates at startup (a template that lints dirty is a
// configuration error) and tests, on every certificate issued. Not the per-certificate hot path.
#pragma once

#include <string>
#include <vector>

#include "signet/core/bytes.h"

namespace signet {

struct LintFinding {
  std::string rule;     // stable identifier, e.g. "serial-negative" (see lint.cc for the list)
  std::string message;  // names the rule's source (RFC / spec section) and the offending value

  friend bool operator==(const LintFinding&, const LintFinding&) = default;
};

// Every rule `cert_der` (one DER Certificate, RFC 5280 §4.1) breaks; empty when clean. A
// certificate that is not strict DER gives one "der" finding and nothing else (the rest cannot
// be judged). Never fails otherwise; thread-safe.
[[nodiscard]] std::vector<LintFinding> lint_certificate(ByteView cert_der);

// "rule: message; rule: message" for test failures and startup errors.
[[nodiscard]] std::string format_findings(const std::vector<LintFinding>& findings);

}  // namespace signet
