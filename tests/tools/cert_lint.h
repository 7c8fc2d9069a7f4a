// Runs signet's certificate lint (core/lint.h: kubernetes-spec.md §7 and the Go crypto/x509
// parse rules) on certificate files the CLI tests issued (signet issue 4, item 4: "the lint … in
// tests, on every certificate issued").
#pragma once

#include <filesystem>
#include <string>

namespace signet::testing {

// Lints every CERTIFICATE block of the PEM file at `path` (a leaf, a CA, or a --chain bundle).
// Returns "" when all are clean, else "<path> certificate #N: rule: message; ..." — so a test
// writes EXPECT_EQ(lint_pem_file(p), "") and a failure names the broken rule. A file that
// cannot be read or holds no certificate is reported too (a lint that saw nothing must fail).
[[nodiscard]] std::string lint_pem_file(const std::filesystem::path& path);

}  // namespace signet::testing
