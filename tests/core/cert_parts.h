// A certificate taken apart into its TLVs, to be changed one field at a time and put back
// together: the lint tests make each bad certificate from a clean one this way, so each carries
// exactly one defect. The signature is left as it was (the lint does not verify signatures).
#pragma once

#include <vector>

#include <gtest/gtest.h>

#include "signet/core/der.h"

#include "csr_builder.h"

namespace signet::testing {

struct CertParts {
  Bytes version;  // [0] EXPLICIT TLV; empty for v1
  Bytes serial, inner_alg, issuer, validity, subject, spki;
  std::vector<Bytes> extensions;  // each an Extension TLV
  Bytes outer_alg, signature;
  Bytes trailing;

  static CertParts split(ByteView cert) {
    CertParts p;
    auto c = der::parse_single(cert, der::kSequence, "cert");
    EXPECT_TRUE(c);
    der::Reader top(c->content);
    auto tbs = top.next();
    p.outer_alg = to_bytes(top.next()->whole);
    p.signature = to_bytes(top.next()->whole);
    der::Reader f(tbs->content);
    if (f.peek_tag() == der::context_constructed(0)) p.version = to_bytes(f.next()->whole);
    for (Bytes* field : {&p.serial, &p.inner_alg, &p.issuer, &p.validity, &p.subject, &p.spki}) {
      *field = to_bytes(f.next()->whole);
    }
    if (f.peek_tag() == der::context_constructed(3)) {
      auto wrapper = f.next();
      auto exts = der::parse_single(wrapper->content, der::kSequence, "extensions");
      der::Reader r(exts->content);
      while (!r.empty()) p.extensions.push_back(to_bytes(r.next()->whole));
    }
    return p;
  }

  [[nodiscard]] Bytes tbs() const {
    std::vector<Bytes> fields = {version, serial, inner_alg, issuer, validity, subject, spki};
    if (!extensions.empty()) fields.push_back(tlv(der::context_constructed(3), seq(extensions)));
    return seq(fields);
  }

  [[nodiscard]] Bytes join() const {
    return concat({seq({tbs(), outer_alg, signature}), trailing});
  }

  // The extension whose OID ends in 2.5.29.`id`.
  Bytes* extension(std::uint8_t id) {
    for (auto& e : extensions) {
      if (e.size() > 6 && e[2] == 0x06 && e[3] == 0x03 && e[4] == 0x55 && e[5] == 0x1d &&
          e[6] == id) {
        return &e;
      }
    }
    return nullptr;
  }

  static Bytes to_bytes(ByteView v) { return {v.begin(), v.end()}; }
};

}  // namespace signet::testing
