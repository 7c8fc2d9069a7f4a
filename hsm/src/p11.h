// The PKCS#11 layer under signet::hsm. The only header that includes pkcs11.h (p11-kit's copy of
// the OASIS header). Every C_* call goes through check() so the function name and CK_RV reach
// the error taxonomy in one place (PKCS#11 v2.40 §5.1 return values).
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include <p11-kit/pkcs11.h>

#include "signet/core/bytes.h"
#include "signet/core/result.h"
#include "signet/hsm/pkcs11_uri.h"
#include "signet/hsm/secret.h"

namespace signet::hsm::p11 {

[[nodiscard]] std::string_view rv_name(CK_RV rv) noexcept;
[[nodiscard]] ErrorCode classify(CK_RV rv) noexcept;
// OK when rv is CKR_OK; otherwise "C_Sign: CKR_DEVICE_ERROR (0x30)" with the mapped code.
[[nodiscard]] Status check(CK_RV rv, std::string_view function);

// A loaded, initialised module. One per module file per process: PKCS#11 allows one C_Initialize
// per application (§5.4), so modules are shared through load() (keyed by the file's real path)
// and finalised with the last owner, under the registry lock so a concurrent load() waits for
// C_Finalize instead of racing it.
class Module {
 public:
  [[nodiscard]] static Result<std::shared_ptr<Module>> load(const std::string& path);
  Module(const Module&) = delete;
  Module& operator=(const Module&) = delete;
  Module(Module&&) = delete;
  Module& operator=(Module&&) = delete;
  ~Module();

  [[nodiscard]] CK_FUNCTION_LIST* fn() const noexcept { return fn_; }
  [[nodiscard]] const std::string& path() const noexcept { return path_; }

 private:
  Module(void* handle, CK_FUNCTION_LIST* fn, std::string path)
      : handle_(handle), fn_(fn), path_(std::move(path)) {}
  void* handle_;
  CK_FUNCTION_LIST* fn_;
  std::string path_;
};

// A session, closed on destruction. Never logs out: login state belongs to the token, and a
// C_Logout here would log out every other session of the application (§5.6).
class Session {
 public:
  Session(std::shared_ptr<Module> module, CK_SESSION_HANDLE handle) noexcept
      : module_(std::move(module)), handle_(handle) {}
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;
  Session(Session&& other) noexcept
      : module_(std::move(other.module_)),
        handle_(std::exchange(other.handle_, CK_INVALID_HANDLE)) {}
  Session& operator=(Session&& other) noexcept;
  ~Session();

  [[nodiscard]] CK_SESSION_HANDLE handle() const noexcept { return handle_; }
  [[nodiscard]] CK_FUNCTION_LIST* fn() const noexcept { return module_->fn(); }

  // C_Login as the user (or SO); CKR_USER_ALREADY_LOGGED_IN is success.
  [[nodiscard]] Status login(CK_USER_TYPE user, const SecretString& pin);
  // Forgets the handle without C_CloseSession: for a session the token already invalidated (a
  // module that reuses handle numbers may have given that number to a newer session).
  void forget() noexcept { handle_ = CK_INVALID_HANDLE; }

 private:
  std::shared_ptr<Module> module_;
  CK_SESSION_HANDLE handle_;
};

// The one token a URI names: its slot, found by label/manufacturer/serial/model (slot ids change
// between runs on SoftHSM, so they are matched only when the URI gives slot-id).
struct Slot {
  CK_SLOT_ID id = 0;
  std::string label;
};
[[nodiscard]] Result<Slot> find_token(const Module& module, const Pkcs11Uri& uri);

// C_GetSlotList in its two-call form; only slots with a token when `token_present`.
[[nodiscard]] Result<std::vector<CK_SLOT_ID>> slot_list(const Module& module, bool token_present);

// C_DestroyObject.
[[nodiscard]] Status destroy_object(const Session& session, CK_OBJECT_HANDLE object);

[[nodiscard]] Result<Session> open_session(const std::shared_ptr<Module>& module, CK_SLOT_ID slot,
                                           bool read_write);

// Trims the blank padding of CK_TOKEN_INFO's fixed-width fields.
[[nodiscard]] std::string trim_padded(const unsigned char* field, std::size_t size);

// Objects matching a template (C_FindObjectsInit/C_FindObjects/C_FindObjectsFinal).
[[nodiscard]] Result<std::vector<CK_OBJECT_HANDLE>> find_objects(const Session& session,
                                                                 std::vector<CK_ATTRIBUTE> tmpl);
// One attribute's value (two-call form, §5.7 C_GetAttributeValue). NotFound when the object has
// no such attribute.
[[nodiscard]] Result<Bytes> get_attribute(const Session& session, CK_OBJECT_HANDLE object,
                                          CK_ATTRIBUTE_TYPE type);
[[nodiscard]] Result<bool> get_bool(const Session& session, CK_OBJECT_HANDLE object,
                                    CK_ATTRIBUTE_TYPE type);

// The SubjectPublicKeyInfo DER of a public key object (or an RSA private key, which carries
// the modulus and exponent).
[[nodiscard]] Result<Bytes> public_key_info(const Session& session, CK_OBJECT_HANDLE object);

}  // namespace signet::hsm::p11
