// issue_certificate for tests, with signet's own lint (kubernetes-spec.md §6–7, core/lint.h) run
// on every certificate it returns: a lint regression fails the test that issued the certificate,
// not only the lint suite (signet issue 4, item 4).
#pragma once

#include <gtest/gtest.h>

#include "signet/core/issuer.h"
#include "signet/core/lint.h"

namespace signet::testing {

inline Result<IssuedCertificate> issue_linted(const CaCertificate& ca, Signer& signer,
                                              const Profile& profile, const Csr& csr,
                                              SystemTime now, const RequestOptions& options = {}) {
  auto issued = issue_certificate(ca, signer, profile, csr, now, options);
  if (issued) {
    const auto findings = lint_certificate(issued->der);
    EXPECT_TRUE(findings.empty()) << profile.name() << ": " << format_findings(findings);
  }
  return issued;
}

}  // namespace signet::testing
