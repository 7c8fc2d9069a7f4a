// The fast path of ledger::record_from_certificate: the record's fields read from the
// certificate's DER with signet's own reader, without building an OpenSSL X509 (in OpenSSL 3.0,
// d2i_X509 decodes the public key through the decoder framework under shared locks, which cost
// about as much CPU per certificate as a P-256 signature: bench/RESULTS.md "Ledger on vs off").
#pragma once

#include <optional>

#include "signet/core/bytes.h"
#include "signet/core/ledger.h"

namespace signet::ledger {

// Serial, validity, subject, SANs (in certificate order) and SPKI SHA-256 into `r`. Returns
// false, leaving `r` unspecified, for anything it does not read exactly as OpenSSL would (an
// unusual time form, a subject outside signet's attribute set, a negative serial, any
// structural doubt): the caller then takes the OpenSSL path, whose messages name the rule.
[[nodiscard]] bool read_record_fields(ByteView der, CertificateRecord& r);

// The same fields through d2i_X509 (the slow path, and the reference the fast path is tested
// against: tests/core/ledger_record_test.cc).
[[nodiscard]] Status read_record_fields_openssl(ByteView der, CertificateRecord& r);

}  // namespace signet::ledger
