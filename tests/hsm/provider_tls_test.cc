// A TLS server whose private key is a token key (the signing service's own TLS key may live in
// the token): SSL_CTX_use_PrivateKey with the provider's EVP_PKEY, a handshake with an in-process
// client over a BIO pair, the client verifying the server's certificate with OpenSSL's default
// provider only. TLS 1.3 signs CertificateVerify (RFC 8446 §4.4.3), TLS 1.2 ServerKeyExchange.
#include <string>

#include <gtest/gtest.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "provider_fixture.h"

namespace signet::testing {
namespace {

struct TlsCase {
  const char* spec;
  int version;
  const char* client_sigalgs;  // nullptr: the client's defaults
  int signature_nid;           // what the client saw the server sign with
  const char* name;
};

void PrintTo(const TlsCase& c, std::ostream* os) {
  *os << c.name;
}

class ProviderTlsTest : public ProviderTest, public ::testing::WithParamInterface<TlsCase> {};

// Drives both ends until both finish the handshake (or one fails).
bool handshake(SSL* client, SSL* server, std::string* why) {
  for (int round = 0; round < 100; ++round) {
    const int c = SSL_do_handshake(client);
    const int s = SSL_do_handshake(server);
    if (c == 1 && s == 1) return true;
    for (const auto& [ssl, rc, who] : {std::tuple{client, c, "client"}, {server, s, "server"}}) {
      if (rc == 1) continue;
      const int err = SSL_get_error(ssl, rc);
      if (err != SSL_ERROR_WANT_READ && err != SSL_ERROR_WANT_WRITE) {
        *why = std::string(who) + " failed (SSL_get_error " + std::to_string(err) +
               "): " + error_queue();
        return false;
      }
    }
  }
  *why = "handshake did not finish in 100 rounds";
  return false;
}

TEST_P(ProviderTlsTest, ServerWithTokenKeyCompletesHandshake) {
  ASSERT_TRUE(ready_);
  const TlsCase& tc = GetParam();
  const ossl::EvpPkeyPtr key = load_key(generate("tls-key", tc.spec));
  ASSERT_TRUE(key) << error_queue();
  const ossl::X509Ptr cert = self_signed(
      key.get(), "signet.test", std::string(tc.spec) == "ed25519" ? nullptr : EVP_sha256());
  ASSERT_TRUE(cert) << error_queue();

  const SslCtxPtr server_ctx(SSL_CTX_new_ex(libctx_, nullptr, TLS_server_method()));
  ASSERT_TRUE(server_ctx);
  ASSERT_EQ(SSL_CTX_set_min_proto_version(server_ctx.get(), tc.version), 1);
  ASSERT_EQ(SSL_CTX_set_max_proto_version(server_ctx.get(), tc.version), 1);
  ASSERT_EQ(SSL_CTX_use_certificate(server_ctx.get(), cert.get()), 1) << error_queue();
  ASSERT_EQ(SSL_CTX_use_PrivateKey(server_ctx.get(), key.get()), 1) << error_queue();
  ASSERT_EQ(SSL_CTX_check_private_key(server_ctx.get()), 1) << error_queue();

  // The client lives in OpenSSL's default library context: it has never seen the provider.
  const SslCtxPtr client_ctx(SSL_CTX_new_ex(nullptr, nullptr, TLS_client_method()));
  ASSERT_TRUE(client_ctx);
  const ossl::X509Ptr anchor = reparse(cert.get());
  ASSERT_TRUE(anchor);
  ASSERT_EQ(X509_STORE_add_cert(SSL_CTX_get_cert_store(client_ctx.get()), anchor.get()), 1);
  SSL_CTX_set_verify(client_ctx.get(), SSL_VERIFY_PEER, nullptr);
  if (tc.client_sigalgs != nullptr) {
    ASSERT_EQ(SSL_CTX_set1_sigalgs_list(client_ctx.get(), tc.client_sigalgs), 1);
  }

  const SslPtr client(SSL_new(client_ctx.get()));
  const SslPtr server(SSL_new(server_ctx.get()));
  ASSERT_TRUE(client && server);
  BIO* client_bio = nullptr;
  BIO* server_bio = nullptr;
  ASSERT_EQ(BIO_new_bio_pair(&client_bio, 0, &server_bio, 0), 1);
  SSL_set_bio(client.get(), client_bio, client_bio);  // each SSL owns its end
  SSL_set_bio(server.get(), server_bio, server_bio);
  ASSERT_EQ(SSL_set1_host(client.get(), "signet.test"), 1);
  SSL_set_connect_state(client.get());
  SSL_set_accept_state(server.get());

  std::string why;
  ASSERT_TRUE(handshake(client.get(), server.get(), &why)) << why;
  EXPECT_EQ(SSL_get_verify_result(client.get()), X509_V_OK);
  EXPECT_EQ(SSL_version(client.get()), tc.version);
  int nid = 0;
  ASSERT_EQ(SSL_get_peer_signature_type_nid(client.get(), &nid), 1);
  EXPECT_EQ(nid, tc.signature_nid) << OBJ_nid2sn(nid);

  // Application data both ways over the session the token key authenticated.
  const std::string ping = "ping from client";
  ASSERT_EQ(SSL_write(client.get(), ping.data(), static_cast<int>(ping.size())),
            static_cast<int>(ping.size()));
  char buffer[64] = {};
  const int n = SSL_read(server.get(), buffer, sizeof buffer);
  ASSERT_GT(n, 0) << error_queue();
  EXPECT_EQ(std::string(buffer, static_cast<std::size_t>(n)), ping);
}

INSTANTIATE_TEST_SUITE_P(
    Keys, ProviderTlsTest,
    ::testing::Values(
        TlsCase{"ecdsa-p256", TLS1_3_VERSION, nullptr, NID_X9_62_id_ecPublicKey, "EcP256Tls13"},
        TlsCase{"ecdsa-p256", TLS1_2_VERSION, nullptr, NID_X9_62_id_ecPublicKey, "EcP256Tls12"},
        TlsCase{"ed25519", TLS1_3_VERSION, nullptr, NID_ED25519, "Ed25519Tls13"},
        // rsa_pss_rsae_sha256: the one RSA scheme TLS 1.3 allows for an rsaEncryption key.
        TlsCase{"rsa-2048", TLS1_3_VERSION, nullptr, NID_rsassaPss, "Rsa2048Tls13Pss"},
        TlsCase{"rsa-2048", TLS1_2_VERSION, nullptr, NID_rsassaPss, "Rsa2048Tls12Pss"},
        TlsCase{"rsa-2048", TLS1_2_VERSION, "RSA+SHA256", NID_rsaEncryption, "Rsa2048Tls12Pkcs1"},
        // A client that prefers SHA-384 first still gets a SHA-256 signature from an RSA token
        // key: the provider refuses SHA-384 at init and libssl skips that scheme.
        TlsCase{"rsa-2048", TLS1_2_VERSION, "RSA+SHA384:RSA+SHA256", NID_rsaEncryption,
                "Rsa2048Tls12SkipsSha384"}),
    [](const ::testing::TestParamInfo<TlsCase>& p) { return std::string(p.param.name); });

}  // namespace
}  // namespace signet::testing
