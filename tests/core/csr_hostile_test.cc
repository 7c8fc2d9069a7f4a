// Hostile CSRs (signet issue 4, item 6): one case per kind of bad input, each asserting the
// specific message, a never-retry code, and that no request came out of the parser (so nothing
// can be issued from it). Structural cases are signed correctly, so the rule under test is the
// one that refuses them, not the proof of possession.
#include <gtest/gtest.h>

#include "signet/core/csr.h"
#include "signet/core/pem.h"

#include "csr_builder.h"
#include "test_csr.h"

namespace signet {
namespace {

using namespace signet::testing;  // NOLINT(google-build-using-namespace)

class CsrHostileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    key_ = make_key("EC");
    ASSERT_TRUE(key_);
    spki_ = spki_of(key_.get());
    good_ = sign_request(key_.get(), request_info(node_subject(), spki_, {}));
    ASSERT_TRUE(Csr::parse(good_)) << Csr::parse(good_).error().message();
  }

  // Signs a request with `subject` and `attributes` (the content of [0]).
  Bytes signed_with(const Bytes& subject, const Bytes& attributes) const {
    return sign_request(key_.get(), request_info(subject, spki_, attributes));
  }
  Bytes with_extensions(const std::vector<Bytes>& extensions) const {
    return signed_with(node_subject(), extension_request(extensions));
  }

  static void expect_refused(ByteView input, const std::string& message) {
    const auto csr = Csr::parse(input);
    ASSERT_FALSE(csr) << "accepted; expected: " << message;
    EXPECT_NE(csr.error().message().find(message), std::string::npos)
        << "got: " << csr.error().message() << "\nexpected: " << message;
    EXPECT_EQ(csr.error().code(), ErrorCode::kInvalidArgument);
    EXPECT_EQ(csr.error().retry(), Retry::kNever);
  }

  ossl::EvpPkeyPtr key_;
  Bytes spki_;
  Bytes good_;
};

TEST_F(CsrHostileTest, TruncatedDer) {
  for (const std::size_t keep :
       {std::size_t{0}, std::size_t{1}, std::size_t{2}, good_.size() / 2, good_.size() - 1}) {
    if (keep == 0) {
      expect_refused(ByteView(good_).first(keep), "CSR: empty");
    } else {
      expect_refused(ByteView(good_).first(keep), "CSR is not a valid PKCS#10 request: ");
    }
  }
  expect_refused(ByteView(good_).first(good_.size() - 1), "runs past the end of data");
}

TEST_F(CsrHostileTest, OverLongDerLengths) {
  // The outer length claims one octet more than there is.
  Bytes longer = good_;
  ASSERT_EQ(longer[1], 0x81);
  ++longer[2];
  expect_refused(longer, "runs past the end of data");
  // A non-minimal long form (0x82 00 xx) and a 5-octet length field.
  Bytes padded = {0x30, 0x82, 0x00, static_cast<std::uint8_t>(good_.size() - 3)};
  padded.insert(padded.end(), good_.begin() + 3, good_.end());
  expect_refused(padded, "length has a leading zero (X.690 §10.1)");
  expect_refused(Bytes{0x30, 0x85, 0x01, 0x00, 0x00, 0x00, 0x00}, "length of more than 4 octets");
  expect_refused(Bytes{0x30, 0x81, 0x05, 0x02, 0x01, 0x00, 0x05, 0x00},
                 "long form used for a short length");
}

TEST_F(CsrHostileTest, IndefiniteLengths) {
  // BER's indefinite form (0x80 … 00 00) outside and hidden inside an attribute value.
  Bytes outer = {0x30, 0x80};
  outer.insert(outer.end(), good_.begin() + 3, good_.end());
  outer.insert(outer.end(), {0x00, 0x00});
  expect_refused(outer, "indefinite length is not allowed (X.690 §10.1)");
  const Bytes attribute = seq({tlv(der::kOid, Bytes{0x2a, 0x03}),
                               tlv(der::kSet, Bytes{0x30, 0x80, 0x05, 0x00, 0x00, 0x00})});
  expect_refused(signed_with(node_subject(), attribute), "indefinite length is not allowed");
}

TEST_F(CsrHostileTest, DeepNesting) {
  Bytes nested = {0x05, 0x00};
  for (int i = 0; i < 40; ++i) nested = seq({nested});
  const Bytes attribute = seq({tlv(der::kOid, Bytes{0x2a, 0x03}), tlv(der::kSet, nested)});
  expect_refused(signed_with(node_subject(), attribute), "values nested deeper than 16 levels");
  // 20,000 levels in a bare buffer (40 KB, under the size limit): refused without recursion.
  Bytes deep;
  for (int i = 0; i < 20000; ++i) deep.insert(deep.end(), {0x30, 0x80});
  expect_refused(deep, "indefinite length");
}

TEST_F(CsrHostileTest, WrongProofOfPossessionSignature) {
  Bytes flipped = good_;
  flipped[flipped.size() - 3] ^= 0x01U;
  expect_refused(flipped, "does not verify with its own public key (no proof of possession");
  // Signed by another key than the one it carries.
  const auto other = make_key("EC");
  expect_refused(sign_request(other.get(), request_info(node_subject(), spki_, {})),
                 "CSR signature (ecdsa-with-SHA256) does not verify with its own public key");
  // A request whose subject was changed after signing.
  Bytes changed = good_;
  const auto pos = as_text(changed).find("node:n1");
  ASSERT_NE(pos, std::string_view::npos);
  changed[pos + 6] = 'x';
  expect_refused(changed, "no proof of possession");
}

TEST_F(CsrHostileTest, DuplicateExtensions) {
  const Bytes san = extension(kSanOid, false, seq({tlv(0x82, as_bytes("n1.example"))}));
  expect_refused(with_extensions({san, san}),
                 "CSR requests extension 2.5.29.17 twice (RFC 5280 §4.2: at most one instance)");
  const Bytes other = extension(Bytes{0x2a, 0x03, 0x04}, false, Bytes{0x05, 0x00});
  expect_refused(with_extensions({other, san, other}), "CSR requests extension 1.2.3.4 twice");
  // Two extensionRequest attributes.
  const Bytes one = extension_request({san});
  expect_refused(signed_with(node_subject(), concat({one, one})),
                 "CSR has two extensionRequest attributes");
}

TEST_F(CsrHostileTest, CaTrueRequest) {
  const Bytes ca_true = seq({Bytes{0x01, 0x01, 0xff}});
  expect_refused(with_extensions({extension(kBasicConstraintsOid, true, ca_true)}),
                 "CSR requests basicConstraints CA:TRUE; signet never issues a CA certificate");
  // CA:FALSE (empty sequence) is recorded, never copied.
  const auto ok = Csr::parse(with_extensions({extension(kBasicConstraintsOid, true, seq({}))}));
  ASSERT_TRUE(ok) << ok.error().message();
  EXPECT_EQ(ok->requested_extensions(), std::vector<std::string>{"2.5.29.19"});
}

TEST_F(CsrHostileTest, NameConstraintsRequest) {
  const Bytes permitted =
      seq({tlv(der::context_constructed(0), seq({tlv(0x82, as_bytes("example.com"))}))});
  expect_refused(with_extensions({extension(kNameConstraintsOid, true, permitted)}),
                 "CSR requests nameConstraints (2.5.29.30)");
}

TEST_F(CsrHostileTest, NulBytesInNames) {
  using namespace std::string_literals;
  const Bytes subject = seq({rdn(0x0a, der::kUtf8String, "system:nodes"),
                             rdn(0x03, der::kUtf8String, "system:node:n1\0.evil"s)});
  expect_refused(signed_with(subject, {}), "CSR subject CN contains a NUL byte");
  const Bytes san = seq({tlv(0x82, as_bytes("n1.example\0.evil.com"s))});
  expect_refused(with_extensions({extension(kSanOid, false, san)}),
                 "CSR subjectAltName dNSName contains a NUL byte");
  const Bytes email = seq({tlv(0x81, as_bytes("a@b\0c"s))});
  expect_refused(with_extensions({extension(kSanOid, false, email)}),
                 "CSR subjectAltName rfc822Name contains a NUL byte");
}

TEST_F(CsrHostileTest, OversizedCsr) {
  expect_refused(Bytes(Csr::kMaxBytes + 1, 0x30), "CSR is 65537 bytes; the limit is 65536");
  // A well-formed, correctly signed request that is simply too big.
  const Bytes attribute = seq({tlv(der::kOid, Bytes{0x2a, 0x03}),
                               tlv(der::kSet, tlv(der::kOctetString, Bytes(70000, 0x41)))});
  const Bytes big = signed_with(node_subject(), attribute);
  ASSERT_GT(big.size(), Csr::kMaxBytes);
  expect_refused(big, "the limit is 65536");
  expect_refused(as_bytes(pem_encode("CERTIFICATE REQUEST", big)), "the limit is 65536");
}

TEST_F(CsrHostileTest, WrongPemLabel) {
  expect_refused(
      as_bytes(pem_encode("CERTIFICATE", good_)),
      "CSR: expected a PEM 'CERTIFICATE REQUEST' block, found '-----BEGIN CERTIFICATE-----'");
  // The legacy Netscape label is refused too, as Kubernetes' ParseCSR does (spec §6.5).
  expect_refused(as_bytes(pem_encode("NEW CERTIFICATE REQUEST", good_)),
                 "found '-----BEGIN NEW CERTIFICATE REQUEST-----'");
}

TEST_F(CsrHostileTest, TwoCsrsInOneFile) {
  const std::string pem = pem_encode("CERTIFICATE REQUEST", good_);
  expect_refused(as_bytes(pem + pem), "CSR: data after the PEM block (exactly one block expected)");
  Bytes two_der = good_;
  two_der.insert(two_der.end(), good_.begin(), good_.end());
  expect_refused(two_der, "bytes of trailing data after the DER request");
}

TEST_F(CsrHostileTest, TrailingGarbage) {
  Bytes der = good_;
  der.insert(der.end(), {0xde, 0xad});
  expect_refused(der, "CSR has 2 bytes of trailing data after the DER request");
  const std::string pem = pem_encode("CERTIFICATE REQUEST", good_);
  expect_refused(as_bytes(pem + "garbage\n"), "data after the PEM block");
  // Garbage inside the signed structure, after the attributes.
  const Bytes info = request_info(node_subject(), spki_, {});
  const auto content = der::parse_single(info, der::kSequence, "info");
  ASSERT_TRUE(content);
  const Bytes padded_info =
      seq({Bytes(content->content.begin(), content->content.end()), Bytes{0x05, 0x00}});
  expect_refused(sign_request(key_.get(), padded_info), "unexpected field after the attributes");
}

TEST_F(CsrHostileTest, WeakSignatureAlgorithms) {
  CsrSpec sha1;
  sha1.digest = "SHA1";
  expect_refused(make_csr_der(sha1),
                 "CSR is signed with ecdsa-with-SHA1 (1.2.840.10045.4.1); SHA-1 and MD5 "
                 "signatures are refused");
  sha1.key = "RSA";
  expect_refused(make_csr_der(sha1), "CSR is signed with sha1WithRSAEncryption");
  CsrSpec md5;
  md5.key = "RSA";
  md5.digest = "MD5";
  expect_refused(make_csr_der(md5), "CSR is signed with md5WithRSAEncryption");
}

TEST_F(CsrHostileTest, StrangeStringsAndAddresses) {
  const Bytes bmp = seq({rdn(0x03, 0x1e, std::string("\0a\0b", 4))});
  expect_refused(signed_with(bmp, {}),
                 "CSR subject CN is encoded as BMPString (tag 0x1e); only UTF8String, "
                 "PrintableString and IA5String are accepted");
  const Bytes bad_utf8 = seq({rdn(0x03, der::kUtf8String, "\xc0\xaf")});
  expect_refused(signed_with(bad_utf8, {}),
                 "CSR subject CN is not valid UTF-8 or holds a control character");
  const Bytes printable = seq({rdn(0x03, der::kPrintableString, "a@b")});
  expect_refused(signed_with(printable, {}), "PrintableString with character 0x40");
  const Bytes uid = seq(
      {tlv(der::kSet,
           seq({tlv(der::kOid, Bytes{0x09, 0x92, 0x26, 0x89, 0x93, 0xf2, 0x2c, 0x64, 0x01, 0x01}),
                tlv(der::kUtf8String, as_bytes("x"))}))});
  expect_refused(signed_with(uid, {}),
                 "CSR subject attribute 0.9.2342.19200300.100.1.1 is not supported");
  const Bytes mapped =
      seq({tlv(0x87, Bytes{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 10, 0, 0, 1})});
  expect_refused(with_extensions({extension(kSanOid, false, mapped)}),
                 "CSR subjectAltName iPAddress ::ffff:10.0.0.1 is an IPv4-mapped IPv6 address");
  const Bytes five = seq({tlv(0x87, Bytes{10, 0, 0, 1, 2})});
  expect_refused(with_extensions({extension(kSanOid, false, five)}),
                 "iPAddress has 5 octets; it must be 4 (IPv4) or 16 (IPv6)");
  const Bytes other_name = seq({tlv(der::context_constructed(0), Bytes{0x06, 0x01, 0x2a})});
  expect_refused(with_extensions({extension(kSanOid, false, other_name)}),
                 "CSR subjectAltName contains otherName; only dNSName, iPAddress");
  const Bytes explicit_false = seq({tlv(der::kOid, kSanOid), Bytes{0x01, 0x01, 0x00},
                                    tlv(der::kOctetString, seq({tlv(0x82, as_bytes("a"))}))});
  expect_refused(with_extensions({explicit_false}),
                 "CSR extension 2.5.29.17 encodes critical FALSE explicitly");
}

TEST_F(CsrHostileTest, VersionAndKey) {
  Bytes info =
      seq({Bytes{0x02, 0x01, 0x01}, node_subject(), spki_, tlv(der::context_constructed(0), {})});
  expect_refused(sign_request(key_.get(), info), "CSR version must be 0 (v1, RFC 2986 §4.1)");
  // An EC point that is not on the curve (last coordinate octet changed).
  Bytes off_curve = spki_;
  off_curve.back() ^= 0x01U;
  expect_refused(sign_request(key_.get(), request_info(node_subject(), off_curve, {})),
                 "CSR public key is not a valid ecdsa-p256 key");
}

}  // namespace
}  // namespace signet
