#include "signet/core/issuer.h"

#include <algorithm>
#include <string>

#include <openssl/evp.h>

#include "signet/core/duration.h"

#include "fetched_digest.h"
#include "tbs_template.h"

namespace signet {

Result<PreparedCertificate> prepare_certificate(const CaCertificate& ca,
                                                SignatureAlgorithm algorithm,
                                                const Profile& profile, const RequestView& csr,
                                                SystemTime now, const RequestOptions& options) {
  SIGNET_ASSIGN_OR_RETURN(IssuancePlan plan, profile.check_request(csr, options));
  const SystemTime at = std::chrono::time_point_cast<std::chrono::seconds>(now);
  if (at >= ca.not_after()) {
    return fail(ErrorCode::kFailedPrecondition,
                "CA '" + ca.subject_text() + "' expired at " + format_time(ca.not_after()));
  }
  if (at < ca.not_before()) {
    return fail(
        ErrorCode::kFailedPrecondition,
        "CA '" + ca.subject_text() + "' is not valid before " + format_time(ca.not_before()));
  }
  PreparedCertificate prepared;
  prepared.algorithm = algorithm;
  SIGNET_ASSIGN_OR_RETURN(prepared.serial, random_serial());
  SIGNET_ASSIGN_OR_RETURN(const Bytes subject_der, encode_name(plan.subject));
  prepared.not_before = at - kBackdate;
  // Like the KCM signer (spec §2.5): lifetimes of 8 h or more end at now + TTL - 5 min, so the
  // certificate lives exactly TTL from its backdated notBefore; all are clamped to the CA's end.
  const auto end = plan.ttl >= std::chrono::hours(8) ? at + plan.ttl - kBackdate : at + plan.ttl;
  prepared.not_after = std::min(end, ca.not_after());

  // The TBS from views of the CA, the CSR and the plan: issuer Name, SPKI and AKI are copied
  // once, into the TBS itself (tbs_template.h).
  TbsParts parts;
  parts.serial = prepared.serial;
  parts.issuer_der = ca.subject_der();
  parts.subject_der = subject_der;
  parts.public_key_der = csr.public_key_der();
  parts.not_before = prepared.not_before;
  parts.not_after = prepared.not_after;
  parts.is_ca = false;
  // keyEncipherment is already limited to RSA subject keys by the plan (spec §1.2 row 17).
  parts.key_usage = plan.key_usage;
  parts.extended_key_usage = plan.extended_key_usage;
  parts.subject_alt_names = &plan.subject_alt_names;
  parts.authority_key_id = ca.subject_key_id();
  SIGNET_ASSIGN_OR_RETURN(prepared.tbs, write_tbs(parts, algorithm));

  // signing_input(algorithm, tbs) with this thread's digest context (no EVP_MD_CTX per call).
  if (const EVP_MD* md = fetched_digest(digest_of(algorithm)); md != nullptr) {
    prepared.signing_input.resize(static_cast<std::size_t>(EVP_MD_get_size(md)));
    SIGNET_RETURN_IF_ERROR(thread_digest(md, prepared.tbs, prepared.signing_input.data()));
  } else {
    SIGNET_ASSIGN_OR_RETURN(prepared.signing_input, signing_input(algorithm, prepared.tbs));
  }
  prepared.subject = std::move(plan.subject);
  prepared.subject_alt_names = std::move(plan.subject_alt_names);
  return prepared;
}

IssuedCertificate finish_certificate(PreparedCertificate&& prepared, ByteView signature) {
  return IssuedCertificate{assemble_certificate(prepared.tbs, prepared.algorithm, signature),
                           std::move(prepared.serial),
                           std::move(prepared.subject),
                           std::move(prepared.subject_alt_names),
                           prepared.not_before,
                           prepared.not_after};
}

Result<IssuedCertificate> issue_certificate(const CaCertificate& ca, Signer& signer,
                                            const Profile& profile, const Csr& csr, SystemTime now,
                                            const RequestOptions& options) {
  SIGNET_RETURN_IF_ERROR(check_signer_matches(ca, signer));
  SIGNET_ASSIGN_OR_RETURN(PreparedCertificate prepared,
                          prepare_certificate(ca, signer.algorithm(), profile, csr, now, options));
  SIGNET_ASSIGN_OR_RETURN(const Bytes signature, signer.sign(prepared.signing_input));
  return finish_certificate(std::move(prepared), signature);
}

}  // namespace signet
