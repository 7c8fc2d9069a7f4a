#include "p11.h"

#include <dlfcn.h>

#include <algorithm>
#include <array>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <map>
#include <string>

#include "signet/core/algorithm.h"
#include "signet/core/der.h"

namespace signet::hsm::p11 {

std::string_view rv_name(CK_RV rv) noexcept {
  switch (rv) {
    case CKR_OK:
      return "CKR_OK";
    case CKR_HOST_MEMORY:
      return "CKR_HOST_MEMORY";
    case CKR_SLOT_ID_INVALID:
      return "CKR_SLOT_ID_INVALID";
    case CKR_GENERAL_ERROR:
      return "CKR_GENERAL_ERROR";
    case CKR_FUNCTION_FAILED:
      return "CKR_FUNCTION_FAILED";
    case CKR_ARGUMENTS_BAD:
      return "CKR_ARGUMENTS_BAD";
    case CKR_ATTRIBUTE_TYPE_INVALID:
      return "CKR_ATTRIBUTE_TYPE_INVALID";
    case CKR_ATTRIBUTE_VALUE_INVALID:
      return "CKR_ATTRIBUTE_VALUE_INVALID";
    case CKR_ATTRIBUTE_SENSITIVE:
      return "CKR_ATTRIBUTE_SENSITIVE";
    case CKR_DATA_LEN_RANGE:
      return "CKR_DATA_LEN_RANGE";
    case CKR_DEVICE_ERROR:
      return "CKR_DEVICE_ERROR";
    case CKR_DEVICE_MEMORY:
      return "CKR_DEVICE_MEMORY";
    case CKR_DEVICE_REMOVED:
      return "CKR_DEVICE_REMOVED";
    case CKR_FUNCTION_CANCELED:
      return "CKR_FUNCTION_CANCELED";
    case CKR_KEY_HANDLE_INVALID:
      return "CKR_KEY_HANDLE_INVALID";
    case CKR_KEY_TYPE_INCONSISTENT:
      return "CKR_KEY_TYPE_INCONSISTENT";
    case CKR_MECHANISM_INVALID:
      return "CKR_MECHANISM_INVALID";
    case CKR_OBJECT_HANDLE_INVALID:
      return "CKR_OBJECT_HANDLE_INVALID";
    case CKR_OPERATION_ACTIVE:
      return "CKR_OPERATION_ACTIVE";
    case CKR_PIN_INCORRECT:
      return "CKR_PIN_INCORRECT";
    case CKR_PIN_INVALID:
      return "CKR_PIN_INVALID";
    case CKR_PIN_LEN_RANGE:
      return "CKR_PIN_LEN_RANGE";
    case CKR_PIN_LOCKED:
      return "CKR_PIN_LOCKED";
    case CKR_SESSION_CLOSED:
      return "CKR_SESSION_CLOSED";
    case CKR_SESSION_COUNT:
      return "CKR_SESSION_COUNT";
    case CKR_SESSION_HANDLE_INVALID:
      return "CKR_SESSION_HANDLE_INVALID";
    case CKR_SESSION_READ_ONLY:
      return "CKR_SESSION_READ_ONLY";
    case CKR_TEMPLATE_INCOMPLETE:
      return "CKR_TEMPLATE_INCOMPLETE";
    case CKR_TEMPLATE_INCONSISTENT:
      return "CKR_TEMPLATE_INCONSISTENT";
    case CKR_TOKEN_NOT_PRESENT:
      return "CKR_TOKEN_NOT_PRESENT";
    case CKR_TOKEN_NOT_RECOGNIZED:
      return "CKR_TOKEN_NOT_RECOGNIZED";
    case CKR_TOKEN_WRITE_PROTECTED:
      return "CKR_TOKEN_WRITE_PROTECTED";
    case CKR_USER_ALREADY_LOGGED_IN:
      return "CKR_USER_ALREADY_LOGGED_IN";
    case CKR_USER_NOT_LOGGED_IN:
      return "CKR_USER_NOT_LOGGED_IN";
    case CKR_USER_PIN_NOT_INITIALIZED:
      return "CKR_USER_PIN_NOT_INITIALIZED";
    case CKR_USER_TYPE_INVALID:
      return "CKR_USER_TYPE_INVALID";
    case CKR_BUFFER_TOO_SMALL:
      return "CKR_BUFFER_TOO_SMALL";
    case CKR_CRYPTOKI_NOT_INITIALIZED:
      return "CKR_CRYPTOKI_NOT_INITIALIZED";
    case CKR_CRYPTOKI_ALREADY_INITIALIZED:
      return "CKR_CRYPTOKI_ALREADY_INITIALIZED";
    default:
      return "CKR_?";
  }
}

ErrorCode classify(CK_RV rv) noexcept {
  switch (rv) {
    // The session or token went away: a fresh session (and login) and the same call may work.
    case CKR_SESSION_HANDLE_INVALID:
    case CKR_SESSION_CLOSED:
    case CKR_DEVICE_ERROR:
    case CKR_DEVICE_REMOVED:
    case CKR_TOKEN_NOT_PRESENT:
    case CKR_USER_NOT_LOGGED_IN:
    case CKR_OPERATION_ACTIVE:
    // A handle cached before a token reset or a lost login: look the key up again and retry.
    case CKR_KEY_HANDLE_INVALID:
    case CKR_OBJECT_HANDLE_INVALID:
    // "Unrecoverable" by the standard's words (§5.1.1), but transient in practice: SoftHSM
    // answers C_SignInit this way while another thread restores a lost login. Retries are
    // bounded by SignerOptions::max_attempts, so a permanent one still surfaces.
    case CKR_GENERAL_ERROR:
      return ErrorCode::kUnavailable;
    case CKR_SESSION_COUNT:
    case CKR_DEVICE_MEMORY:
    case CKR_HOST_MEMORY:
      return ErrorCode::kResourceExhausted;
    case CKR_FUNCTION_CANCELED:
      return ErrorCode::kAborted;
    case CKR_PIN_INCORRECT:
    case CKR_PIN_LOCKED:
    case CKR_PIN_EXPIRED:
      return ErrorCode::kPermissionDenied;
    case CKR_ARGUMENTS_BAD:
    case CKR_ATTRIBUTE_VALUE_INVALID:
    case CKR_TEMPLATE_INCONSISTENT:
    case CKR_TEMPLATE_INCOMPLETE:
    case CKR_PIN_INVALID:
    case CKR_PIN_LEN_RANGE:
    case CKR_MECHANISM_INVALID:
    case CKR_KEY_TYPE_INCONSISTENT:
      return ErrorCode::kInvalidArgument;
    case CKR_TOKEN_WRITE_PROTECTED:
    case CKR_USER_PIN_NOT_INITIALIZED:
      return ErrorCode::kFailedPrecondition;
    default:
      return ErrorCode::kInternal;
  }
}

Status check(CK_RV rv, std::string_view function) {
  if (rv == CKR_OK) return {};
  std::array<char, 24> hex{};
  std::snprintf(hex.data(), hex.size(), "0x%lx", rv);  // NOLINT
  std::string message =
      std::string(function) + " returned " + std::string(rv_name(rv)) + " (" + hex.data() + ")";
  if (rv == CKR_PIN_INCORRECT) message += ": the PIN is incorrect";
  if (rv == CKR_PIN_LOCKED) message += ": the PIN is locked";
  return fail(classify(rv), std::move(message));
}

namespace {

std::mutex& registry_mutex() {
  static std::mutex m;
  return m;
}
// Signalled when a module's last owner has finalised it and left the registry.
std::condition_variable& registry_changed() {
  static std::condition_variable cv;
  return cv;
}
std::map<std::string, std::weak_ptr<Module>>& registry() {
  static std::map<std::string, std::weak_ptr<Module>> r;
  return r;
}

}  // namespace

Result<std::shared_ptr<Module>> Module::load(const std::string& path) {
  // Two spellings of one file must share one C_Initialize.
  std::error_code ec;
  const std::string key = std::filesystem::weakly_canonical(path, ec).string();
  if (ec || key.empty()) {
    return fail(ErrorCode::kNotFound, "cannot load PKCS#11 module " + path + ": " + ec.message());
  }
  std::unique_lock lock(registry_mutex());
  while (true) {
    const auto it = registry().find(key);
    if (it == registry().end()) break;
    if (auto existing = it->second.lock()) return existing;
    // The last owner is finalising it right now: wait until C_Finalize is done, then load anew.
    registry_changed().wait(lock);
  }

  // RTLD_NODELETE: a module stays mapped after its last C_Finalize. Modules may leave threads,
  // atexit handlers or OpenSSL callbacks pointing into their code (unmapping them would crash
  // later), and leak reports keep naming the module that leaked (tests/sanitizers/lsan.supp
  // suppresses SoftHSM's own leaks by module name, which an unmapped module no longer has).
  void* handle = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE);
  if (handle == nullptr) {
    const char* why = ::dlerror();
    return fail(ErrorCode::kNotFound, "cannot load PKCS#11 module " + path + ": " +
                                          (why != nullptr ? why : "unknown error"));
  }
  auto* get_list = reinterpret_cast<CK_C_GetFunctionList>(  // NOLINT
      ::dlsym(handle, "C_GetFunctionList"));
  CK_FUNCTION_LIST* fn = nullptr;
  if (get_list == nullptr || get_list(&fn) != CKR_OK || fn == nullptr) {
    ::dlclose(handle);
    return fail(ErrorCode::kInvalidArgument,
                path + " is not a PKCS#11 module (no usable C_GetFunctionList)");
  }
  // OS locking: without it SoftHSM runs without locks and threaded use crashes
  // (performance-notes.md pitfall 5; PKCS#11 v2.40 §5.4 C_Initialize).
  CK_C_INITIALIZE_ARGS args{};
  args.flags = CKF_OS_LOCKING_OK;
  const CK_RV rv = fn->C_Initialize(&args);
  if (rv != CKR_OK) {
    // CKR_CRYPTOKI_ALREADY_INITIALIZED means another part of this process (not signet's
    // registry) owns the module; sharing it would let either side finalise it under the other.
    ::dlclose(handle);
    return fail(check(rv, "C_Initialize").error().context(path));
  }
  auto release = [key](Module* m) {
    delete m;  // NOLINT(cppcoreguidelines-owning-memory): C_Finalize and dlclose, then ...
    {
      const std::lock_guard relock(registry_mutex());
      const auto it = registry().find(key);
      if (it != registry().end() && it->second.expired()) registry().erase(it);
    }
    registry_changed().notify_all();  // ... a waiting load() may initialise it again
  };
  std::shared_ptr<Module> module(new Module(handle, fn, path), release);
  registry()[key] = module;
  return module;
}

Module::~Module() {
  fn_->C_Finalize(nullptr);
  ::dlclose(handle_);
}

Session& Session::operator=(Session&& other) noexcept {
  if (this != &other) {
    if (handle_ != CK_INVALID_HANDLE) module_->fn()->C_CloseSession(handle_);
    module_ = std::move(other.module_);
    handle_ = std::exchange(other.handle_, CK_INVALID_HANDLE);
  }
  return *this;
}

Session::~Session() {
  if (handle_ != CK_INVALID_HANDLE && module_) module_->fn()->C_CloseSession(handle_);
}

Status Session::login(CK_USER_TYPE user, const SecretString& pin) {
  const std::string_view p = pin.reveal();
  // NOLINTNEXTLINE: PKCS#11 takes a non-const UTF8CHAR*.
  auto* bytes = reinterpret_cast<CK_UTF8CHAR*>(const_cast<char*>(p.data()));
  const CK_RV rv = fn()->C_Login(handle_, user, bytes, p.size());
  if (rv == CKR_USER_ALREADY_LOGGED_IN) return {};
  return check(rv, "C_Login");
}

std::string trim_padded(const unsigned char* field, std::size_t size) {
  std::string s(reinterpret_cast<const char*>(field), size);  // NOLINT
  const auto end = s.find_last_not_of(std::string(" \0", 2));
  return end == std::string::npos ? std::string() : s.substr(0, end + 1);
}

Result<std::vector<CK_SLOT_ID>> slot_list(const Module& module, bool token_present) {
  const CK_BBOOL present = token_present ? CK_TRUE : CK_FALSE;
  CK_ULONG count = 0;
  SIGNET_RETURN_IF_ERROR(
      check(module.fn()->C_GetSlotList(present, nullptr, &count), "C_GetSlotList"));
  std::vector<CK_SLOT_ID> slots(count);
  SIGNET_RETURN_IF_ERROR(
      check(module.fn()->C_GetSlotList(present, slots.data(), &count), "C_GetSlotList"));
  slots.resize(count);
  return slots;
}

Status destroy_object(const Session& session, CK_OBJECT_HANDLE object) {
  return check(session.fn()->C_DestroyObject(session.handle(), object), "C_DestroyObject");
}

Result<Slot> find_token(const Module& module, const Pkcs11Uri& uri) {
  SIGNET_ASSIGN_OR_RETURN(const auto slots, slot_list(module, true));

  std::vector<Slot> matches;
  std::string seen;
  for (const CK_SLOT_ID slot : slots) {
    CK_TOKEN_INFO info{};
    if (module.fn()->C_GetTokenInfo(slot, &info) != CKR_OK) continue;
    if ((info.flags & CKF_TOKEN_INITIALIZED) == 0) continue;
    const std::string label = trim_padded(info.label, sizeof info.label);
    seen += (seen.empty() ? "'" : ", '") + label + "'";
    if (uri.slot_id && *uri.slot_id != slot) continue;
    if (uri.token && *uri.token != label) continue;
    if (uri.manufacturer &&
        *uri.manufacturer != trim_padded(info.manufacturerID, sizeof info.manufacturerID)) {
      continue;
    }
    if (uri.serial && *uri.serial != trim_padded(info.serialNumber, sizeof info.serialNumber)) {
      continue;
    }
    if (uri.model && *uri.model != trim_padded(info.model, sizeof info.model)) continue;
    matches.push_back({slot, label});
  }
  const std::string wanted = uri.to_string(false);
  if (matches.empty()) {
    return fail(ErrorCode::kNotFound,
                "no token matches " + wanted + " in module " + module.path() +
                    " (initialised tokens: " + (seen.empty() ? "none" : seen) + ")");
  }
  if (matches.size() > 1) {
    return fail(ErrorCode::kInvalidArgument, std::to_string(matches.size()) + " tokens match " +
                                                 wanted +
                                                 "; add token=, serial= or slot-id= to the URI");
  }
  return matches.front();
}

Result<Session> open_session(const std::shared_ptr<Module>& module, CK_SLOT_ID slot,
                             bool read_write) {
  CK_SESSION_HANDLE handle = CK_INVALID_HANDLE;
  CK_FLAGS flags = CKF_SERIAL_SESSION;
  if (read_write) flags |= CKF_RW_SESSION;
  SIGNET_RETURN_IF_ERROR(
      check(module->fn()->C_OpenSession(slot, flags, nullptr, nullptr, &handle), "C_OpenSession"));
  return Session(module, handle);
}

Result<std::vector<CK_OBJECT_HANDLE>> find_objects(const Session& session,
                                                   std::vector<CK_ATTRIBUTE> tmpl) {
  CK_FUNCTION_LIST* fn = session.fn();
  SIGNET_RETURN_IF_ERROR(check(fn->C_FindObjectsInit(session.handle(), tmpl.data(), tmpl.size()),
                               "C_FindObjectsInit"));
  std::vector<CK_OBJECT_HANDLE> found;
  std::array<CK_OBJECT_HANDLE, 64> batch{};
  while (true) {
    CK_ULONG n = 0;
    const CK_RV rv = fn->C_FindObjects(session.handle(), batch.data(), batch.size(), &n);
    if (rv != CKR_OK) {
      fn->C_FindObjectsFinal(session.handle());
      return fail(check(rv, "C_FindObjects").error());
    }
    if (n == 0) break;
    found.insert(found.end(), batch.begin(), batch.begin() + static_cast<std::ptrdiff_t>(n));
    if (found.size() > 100000) {
      fn->C_FindObjectsFinal(session.handle());
      return fail(ErrorCode::kFailedPrecondition,
                  "more than 100000 matching objects in the token; narrow the URI");
    }
  }
  SIGNET_RETURN_IF_ERROR(check(fn->C_FindObjectsFinal(session.handle()), "C_FindObjectsFinal"));
  return found;
}

Result<Bytes> get_attribute(const Session& session, CK_OBJECT_HANDLE object,
                            CK_ATTRIBUTE_TYPE type) {
  CK_ATTRIBUTE attr{type, nullptr, 0};
  const CK_RV rv = session.fn()->C_GetAttributeValue(session.handle(), object, &attr, 1);
  if (rv == CKR_ATTRIBUTE_TYPE_INVALID || rv == CKR_ATTRIBUTE_SENSITIVE ||
      attr.ulValueLen == CK_UNAVAILABLE_INFORMATION) {
    return fail(ErrorCode::kNotFound, "attribute not available");
  }
  SIGNET_RETURN_IF_ERROR(check(rv, "C_GetAttributeValue"));
  Bytes value(attr.ulValueLen);
  attr.pValue = value.data();
  SIGNET_RETURN_IF_ERROR(
      check(session.fn()->C_GetAttributeValue(session.handle(), object, &attr, 1),
            "C_GetAttributeValue"));
  value.resize(attr.ulValueLen);
  return value;
}

Result<bool> get_bool(const Session& session, CK_OBJECT_HANDLE object, CK_ATTRIBUTE_TYPE type) {
  SIGNET_ASSIGN_OR_RETURN(const Bytes v, get_attribute(session, object, type));
  return v.size() == 1 && v[0] != CK_FALSE;
}

namespace {

// CKA_EC_POINT is the DER OCTET STRING of the point (PKCS#11 v2.40 §2.3.3); a few modules return
// the raw point. Accept both, return the raw point.
Result<Bytes> unwrap_ec_point(const Bytes& attr) {
  if (!attr.empty() && attr[0] == der::kOctetString) {
    auto tlv = der::parse_single(attr, der::kOctetString, "CKA_EC_POINT");
    if (tlv && !tlv->content.empty() && tlv->content[0] == 0x04) {
      return Bytes(tlv->content.begin(), tlv->content.end());
    }
  }
  if (!attr.empty() && attr[0] == 0x04 && attr.size() % 2 == 1) return attr;
  return fail(ErrorCode::kInternal, "CKA_EC_POINT is neither an OCTET STRING nor a raw point");
}

// An Edwards key's CKA_EC_PARAMS names the curve by OID (RFC 8410) or by the PrintableString
// "edwards25519" (PKCS#11 v3.0 §2.3.5); CKA_EC_POINT holds the 32-octet key, usually inside an
// OCTET STRING. Only Ed25519 is accepted.
Result<Bytes> ed25519_key_info(const Bytes& params, const Bytes& point_attr) {
  constexpr std::array<std::uint8_t, 5> kOid = {0x06, 0x03, 0x2b, 0x65, 0x70};
  constexpr std::string_view kName = "edwards25519";
  const bool by_oid = std::equal(params.begin(), params.end(), kOid.begin(), kOid.end());
  const bool by_name = params.size() == 2 + kName.size() && params[0] == 0x13 &&
                       std::equal(params.begin() + 2, params.end(), kName.begin(), kName.end());
  if (!by_oid && !by_name) {
    return fail(ErrorCode::kInvalidArgument, "Edwards key on a curve other than Ed25519");
  }
  if (point_attr.size() == 34 && point_attr[0] == der::kOctetString) {
    SIGNET_ASSIGN_OR_RETURN(const der::Tlv tlv,
                            der::parse_single(point_attr, der::kOctetString, "CKA_EC_POINT"));
    return ed25519_public_key_info(tlv.content);
  }
  return ed25519_public_key_info(point_attr);
}

}  // namespace

Result<Bytes> public_key_info(const Session& session, CK_OBJECT_HANDLE object) {
  SIGNET_ASSIGN_OR_RETURN(const Bytes key_type_attr, get_attribute(session, object, CKA_KEY_TYPE));
  CK_KEY_TYPE key_type = 0;
  if (key_type_attr.size() != sizeof key_type) {
    return fail(ErrorCode::kInternal, "CKA_KEY_TYPE has an unexpected size");
  }
  std::memcpy(&key_type, key_type_attr.data(), sizeof key_type);
  if (key_type == CKK_RSA) {
    SIGNET_ASSIGN_OR_RETURN(const Bytes n, get_attribute(session, object, CKA_MODULUS));
    SIGNET_ASSIGN_OR_RETURN(const Bytes e, get_attribute(session, object, CKA_PUBLIC_EXPONENT));
    return rsa_public_key_info(n, e);
  }
  if (key_type == CKK_EC) {
    SIGNET_ASSIGN_OR_RETURN(const Bytes params, get_attribute(session, object, CKA_EC_PARAMS));
    SIGNET_ASSIGN_OR_RETURN(const Bytes point_attr, get_attribute(session, object, CKA_EC_POINT));
    SIGNET_ASSIGN_OR_RETURN(const Bytes point, unwrap_ec_point(point_attr));
    return ec_public_key_info(params, point);  // params: the namedCurve OID TLV as stored
  }
  if (key_type == CKK_EC_EDWARDS) {
    SIGNET_ASSIGN_OR_RETURN(const Bytes params, get_attribute(session, object, CKA_EC_PARAMS));
    SIGNET_ASSIGN_OR_RETURN(const Bytes point, get_attribute(session, object, CKA_EC_POINT));
    return ed25519_key_info(params, point);
  }
  return fail(ErrorCode::kInvalidArgument,
              "key type " + std::to_string(key_type) + " is not supported (RSA, EC or Ed25519)");
}

}  // namespace signet::hsm::p11
