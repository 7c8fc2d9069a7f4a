// An HA group of two SoftHSM tokens holding the same key, reached through the shim, which makes
// one of them hang: the hung token is abandoned after the group's timeout, every signature
// completes on the other, and the hung one is probed back into service once it recovers.
#include <array>
#include <chrono>
#include <cstdlib>
#include <thread>

#include <gtest/gtest.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>

#include "signet/core/ossl.h"
#include "signet/hsm/signer_group.h"
#include "signet/hsm/token.h"

#include "p11.h"
#include "softhsm_fixture.h"

namespace signet::hsm {
namespace {

using namespace std::chrono_literals;
using testing::SoftHsmTest;

CK_ATTRIBUTE attr(CK_ATTRIBUTE_TYPE type, const void* value, std::size_t len) {
  return CK_ATTRIBUTE{type, const_cast<void*>(value), len};  // NOLINT: PKCS#11 wants non-const
}

// Puts the same P-256 key pair into a token (C_CreateObject; PKCS#11 v2.40 §2.3.3-4): how an HA
// group's members come to hold one key. Test-only: production keys are generated or imported.
void put_key(const std::string& module_path, const std::string& token, const std::string& pin,
             EVP_PKEY* key) {
  BIGNUM* priv = nullptr;
  ASSERT_EQ(EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_PRIV_KEY, &priv), 1);
  std::array<unsigned char, 32> scalar{};
  ASSERT_EQ(BN_bn2binpad(priv, scalar.data(), scalar.size()), 32);
  BN_clear_free(priv);
  std::array<unsigned char, 67> point{0x04, 65};  // OCTET STRING { 04 X Y }
  std::size_t point_len = 0;
  ASSERT_EQ(EVP_PKEY_get_octet_string_param(key, OSSL_PKEY_PARAM_PUB_KEY, point.data() + 2, 65,
                                            &point_len),
            1);
  const Bytes params = named_curve_params(KeyType::kEcP256);
  auto module = p11::Module::load(module_path);
  ASSERT_TRUE(module);
  Pkcs11Uri uri;
  uri.token = token;
  const auto slot = p11::find_token(**module, uri);
  ASSERT_TRUE(slot);
  auto session = p11::open_session(*module, slot->id, true);
  ASSERT_TRUE(session);
  ASSERT_TRUE(session->login(CKU_USER, SecretString(pin)));
  CK_OBJECT_CLASS priv_class = CKO_PRIVATE_KEY;
  CK_OBJECT_CLASS pub_class = CKO_PUBLIC_KEY;
  CK_KEY_TYPE type = CKK_EC;
  CK_BBOOL yes = CK_TRUE;
  const std::string label = "ca";
  const std::array<CK_BYTE, 2> id = {0xca, 0x01};
  std::vector<CK_ATTRIBUTE> priv_tmpl{attr(CKA_CLASS, &priv_class, sizeof priv_class),
                                      attr(CKA_KEY_TYPE, &type, sizeof type),
                                      attr(CKA_TOKEN, &yes, 1),
                                      attr(CKA_PRIVATE, &yes, 1),
                                      attr(CKA_SENSITIVE, &yes, 1),
                                      attr(CKA_SIGN, &yes, 1),
                                      attr(CKA_LABEL, label.data(), label.size()),
                                      attr(CKA_ID, id.data(), id.size()),
                                      attr(CKA_EC_PARAMS, params.data(), params.size()),
                                      attr(CKA_VALUE, scalar.data(), scalar.size())};
  std::vector<CK_ATTRIBUTE> pub_tmpl{attr(CKA_CLASS, &pub_class, sizeof pub_class),
                                     attr(CKA_KEY_TYPE, &type, sizeof type),
                                     attr(CKA_TOKEN, &yes, 1),
                                     attr(CKA_VERIFY, &yes, 1),
                                     attr(CKA_LABEL, label.data(), label.size()),
                                     attr(CKA_ID, id.data(), id.size()),
                                     attr(CKA_EC_PARAMS, params.data(), params.size()),
                                     attr(CKA_EC_POINT, point.data(), point.size())};
  CK_OBJECT_HANDLE h = CK_INVALID_HANDLE;
  CK_FUNCTION_LIST* fn = (*module)->fn();
  ASSERT_EQ(fn->C_CreateObject(session->handle(), priv_tmpl.data(), priv_tmpl.size(), &h), CKR_OK);
  ASSERT_EQ(fn->C_CreateObject(session->handle(), pub_tmpl.data(), pub_tmpl.size(), &h), CKR_OK);
  OPENSSL_cleanse(scalar.data(), scalar.size());
}

TEST_F(SoftHsmTest, AHungTokenIsAbandonedAndProbedBackIntoItsGroup) {
  ASSERT_TRUE(ready_);
  ASSERT_TRUE(init_token(module_, "signet-test-b", SecretString(kSoPin), SecretString(kPin)));
  const ossl::EvpPkeyPtr key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  ASSERT_TRUE(key);
  ASSERT_NO_FATAL_FAILURE(put_key(module_, kLabel, kPin, key.get()));
  ASSERT_NO_FATAL_FAILURE(put_key(module_, "signet-test-b", kPin, key.get()));

  // Through the shim: after the two self-test signatures, token b hangs 1.5 s on its next three
  // C_Sign calls (then answers CKR_DEVICE_ERROR), and then recovers.
  ::setenv("SIGNET_SHIM_MODULE", module_.c_str(), 1);
  ::setenv("SIGNET_SHIM_FAULT_TOKEN", "signet-test-b", 1);
  ::setenv("SIGNET_SHIM_FAULT_AFTER", "1", 1);  // b's own self-test passes
  ::setenv("SIGNET_SHIM_FAULT_EVERY", "1", 1);
  ::setenv("SIGNET_SHIM_FAULT_COUNT", "3", 1);
  ::setenv("SIGNET_SHIM_FAULT_HANG_MS", "1500", 1);
  SignerOptions signer_options;
  signer_options.max_sessions = 2;
  signer_options.max_attempts = 1;  // the group, not the member, moves a failed signature
  GroupOptions group_options;
  group_options.answer_timeout = 300ms;
  group_options.probe_interval = 100ms;
  const auto a = Pkcs11Uri::parse("pkcs11:token=signet-test;object=ca?pin-source=" + pin_source());
  const auto b =
      Pkcs11Uri::parse("pkcs11:token=signet-test-b;object=ca?pin-source=" + pin_source());
  ASSERT_TRUE(a && b);
  auto group = open_signer_group({{SIGNET_SHIM_PATH, *a}, {SIGNET_SHIM_PATH, *b}}, signer_options,
                                 group_options);
  ASSERT_TRUE(group) << group.error().message();

  constexpr int kSignatures = 400;
  int verified = 0;
  auto worst = 0ms;
  for (int i = 0; i < kSignatures; ++i) {
    const std::string message = "group/" + std::to_string(i);
    const auto input = signing_input((*group)->algorithm(), as_bytes(message));
    const auto start = std::chrono::steady_clock::now();
    const auto sig = (*group)->sign(*input);
    worst = std::max(worst, std::chrono::duration_cast<std::chrono::milliseconds>(
                                std::chrono::steady_clock::now() - start));
    ASSERT_TRUE(sig) << sig.error().message();
    verified +=
        verify_signature((*group)->public_key_der(), (*group)->algorithm(), *input, *sig) ? 1 : 0;
  }
  EXPECT_EQ(verified, kSignatures);
  // A signature that met the hang moved after the 300 ms timeout, not after the 1.5 s hang.
  EXPECT_GE(worst, 300ms);
  EXPECT_LT(worst, 1400ms);
  auto status = (*group)->status();
  EXPECT_GE(status[1].taken_out, 1U);
  // Why b went out: the timeout, or (when a slow machine lets an abandoned call finish first) the
  // CKR_DEVICE_ERROR that the hung call ends with; `worst` above shows the timeout moved it.
  const std::string& why = status[1].last_error;
  EXPECT_TRUE(why.rfind("no answer in 300 ms", 0) == 0 ||
              why.find("CKR_DEVICE_ERROR") != std::string::npos)
      << why;

  // After its three faults token b answers again: the probe brings it back and it signs.
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  while (!(*group)->status()[1].in_service && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(50ms);
  }
  ASSERT_TRUE((*group)->status()[1].in_service) << (*group)->status()[1].last_error;
  const auto before = (*group)->status()[1].signed_count;
  for (int i = 0; i < 100; ++i) {
    const auto input = signing_input((*group)->algorithm(), as_bytes("after/" + std::to_string(i)));
    ASSERT_TRUE((*group)->sign(*input));
  }
  EXPECT_GT((*group)->status()[1].signed_count, before);
}

}  // namespace
}  // namespace signet::hsm
