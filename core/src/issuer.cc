#include "signet/core/issuer.h"

#include <string>

#include "signet/core/duration.h"

namespace signet {

Result<PreparedCertificate> prepare_certificate(const CaCertificate& ca,
                                                SignatureAlgorithm algorithm,
                                                const Profile& profile, const Csr& csr,
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
  CertificateFields f;
  SIGNET_ASSIGN_OR_RETURN(f.serial, random_serial());
  f.issuer_der.assign(ca.subject_der().begin(), ca.subject_der().end());
  SIGNET_ASSIGN_OR_RETURN(f.subject_der, encode_name(plan.subject));
  f.public_key_der.assign(csr.public_key_der().begin(), csr.public_key_der().end());
  f.not_before = at - kBackdate;
  // Like the KCM signer (spec §2.5): lifetimes of 8 h or more end at now + TTL - 5 min, so the
  // certificate lives exactly TTL from its backdated notBefore; all are clamped to the CA's end.
  const auto end = plan.ttl >= std::chrono::hours(8) ? at + plan.ttl - kBackdate : at + plan.ttl;
  f.not_after = std::min(end, ca.not_after());
  f.is_ca = false;
  // keyEncipherment is already limited to RSA subject keys by the plan (spec §1.2 row 17).
  f.key_usage = plan.key_usage;
  f.extended_key_usage = plan.extended_key_usage;
  f.subject_alt_names = plan.subject_alt_names;
  f.authority_key_id.assign(ca.subject_key_id().begin(), ca.subject_key_id().end());

  PreparedCertificate prepared;
  prepared.algorithm = algorithm;
  SIGNET_ASSIGN_OR_RETURN(prepared.tbs, build_tbs(f, algorithm));
  SIGNET_ASSIGN_OR_RETURN(prepared.signing_input, signing_input(algorithm, prepared.tbs));
  prepared.serial = std::move(f.serial);
  prepared.subject = std::move(plan.subject);
  prepared.subject_alt_names = std::move(plan.subject_alt_names);
  prepared.not_before = f.not_before;
  prepared.not_after = f.not_after;
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
