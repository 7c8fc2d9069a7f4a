// libFuzzer target: the ledger record readers (core/src/ledger_record_der.h). Differential: when
// both signet's DER reader and OpenSSL's d2i_X509 path accept an input, they must give the same
// fields; any difference aborts. (The DER reader checks only well-formedness outside the fields a
// record holds, so it may accept a certificate OpenSSL refuses for, say, a malformed issuer: its
// callers pass certificates signet itself just issued.) record_from_certificate then runs as
// callers use it.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "signet/core/ledger.h"

#include "ledger_record_der.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const signet::ByteView input(data, size);
  signet::ledger::CertificateRecord fast;
  if (signet::ledger::read_record_fields(input, fast)) {
    signet::ledger::CertificateRecord slow;
    if (signet::ledger::read_record_fields_openssl(input, slow) &&
        (fast.serial != slow.serial || fast.not_before != slow.not_before ||
         fast.not_after != slow.not_after || fast.subject != slow.subject ||
         fast.sans != slow.sans || fast.spki_sha256 != slow.spki_sha256)) {
      std::abort();
    }
  }
  static_cast<void>(signet::ledger::record_from_certificate(input, {"ca", 0, "p", "fuzz", "1", 1}));
  return 0;
}
