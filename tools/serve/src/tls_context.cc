#include "tls_context.h"

#include <fstream>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "signet/core/bytes.h"

namespace signet::serve {
namespace {

namespace ssl = boost::asio::ssl;

Error tls_error(const std::string& what) {
  return {ErrorCode::kInvalidArgument, "tls: " + what + ": " + ossl::drain_errors()};
}

constexpr std::size_t kMaxPemBytes = std::size_t{1} << 20;

Result<std::string> read_pem(const std::filesystem::path& path, std::string_view what) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return fail(ErrorCode::kNotFound,
                "tls: cannot read " + std::string(what) + " " + path.string());
  std::string text(kMaxPemBytes + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<std::size_t>(in.gcount()));
  if (text.size() > kMaxPemBytes) {
    return fail(ErrorCode::kInvalidArgument,
                "tls: " + std::string(what) + " " + path.string() + " is larger than 1 MiB");
  }
  return text;
}

}  // namespace

Result<ossl::EvpPkeyPtr> load_private_key_file(const std::filesystem::path& path) {
  SIGNET_ASSIGN_OR_RETURN(std::string pem, read_pem(path, "key file"));
  ossl::BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  ossl::EvpPkeyPtr key(bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr)
                           : nullptr);
  cleanse(pem);
  if (!key)
    return fail(tls_error("key file " + path.string() + " holds no unencrypted PEM private key"));
  return key;
}

Result<std::unique_ptr<ssl::context>> make_tls_context(const TlsConfig& config,
                                                       const TlsIdentity& identity) {
  auto ctx = std::make_unique<ssl::context>(ssl::context::tls_server);
  SSL_CTX* native = ctx->native_handle();
  // TLS 1.2 and 1.3 only (RFC 8996); no renegotiation, no compression, server cipher order.
  if (SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION) != 1) {
    return fail(tls_error("minimum protocol version"));
  }
  SSL_CTX_set_options(
      native, SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION | SSL_OP_CIPHER_SERVER_PREFERENCE);
  boost::system::error_code ec;
  ctx->use_certificate_chain(boost::asio::buffer(identity.certificate_chain_pem), ec);
  if (ec) return fail(tls_error("server certificate " + config.certificate.string()));
  if (SSL_CTX_use_PrivateKey(native, identity.key.get()) != 1 ||
      SSL_CTX_check_private_key(native) != 1) {
    return fail(
        tls_error("server key does not match the certificate " + config.certificate.string()));
  }
  for (const auto& bundle : config.client_cas) {
    SIGNET_ASSIGN_OR_RETURN(const std::string pem, read_pem(bundle, "client CA bundle"));
    ctx->add_certificate_authority(boost::asio::buffer(pem), ec);
    if (ec) return fail(tls_error("client CA bundle " + bundle.string()));
    // Also advertised in CertificateRequest (RFC 8446 §4.2.4 certificate_authorities, RFC 5246
    // §7.4.4) so a client with several certificates picks the right one.
    ossl::BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
    while (bio) {
      ossl::X509Ptr cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
      if (!cert) break;
      SSL_CTX_add_client_CA(native, cert.get());
    }
    ERR_clear_error();  // the loop ends on "no start line"
  }
  ssl::verify_mode mode = ssl::verify_peer;
  if (config.client_certificates == ClientCertificates::kRequire) {
    mode |= ssl::verify_fail_if_no_peer_cert;
  }
  ctx->set_verify_mode(mode, ec);
  if (ec) return fail(tls_error("verify mode"));
  return ctx;
}

std::optional<PeerIdentity> peer_identity(SSL* ssl) {
  X509* cert = SSL_get0_peer_certificate(ssl);
  if (cert == nullptr || SSL_get_verify_result(ssl) != X509_V_OK) return std::nullopt;
  PeerIdentity id;
  unsigned char* der = nullptr;
  const int len = i2d_X509_NAME(X509_get_subject_name(cert), &der);
  const ossl::BufferPtr owned(der);
  if (len > 0) {
    auto dn =
        decode_name(ByteView(der, static_cast<std::size_t>(len)), "client certificate subject");
    if (dn) {
      id.subject_text = format_name(*dn);
      id.subject = std::move(*dn);
    }
  }
  if (!id.subject) {
    const ossl::StringPtr line(X509_NAME_oneline(X509_get_subject_name(cert), nullptr, 0));
    id.subject_text = line ? line.get() : "(unreadable subject)";
  }
  unsigned char* spki = nullptr;
  const int spki_len = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(cert), &spki);
  const ossl::BufferPtr owned_spki(spki);
  unsigned int md_len = 0;
  if (spki_len <= 0 || EVP_Digest(spki, static_cast<std::size_t>(spki_len), id.spki_sha256.data(),
                                  &md_len, EVP_sha256(), nullptr) != 1) {
    return std::nullopt;
  }
  return id;
}

}  // namespace signet::serve
