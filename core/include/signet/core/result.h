// Result<T>: the one error type of signet.
//
// Every fallible call returns Result<T> (tl::expected, since g++ 12 has no usable std::expected
// in C++20). The error carries a code that tells the caller whether to retry and a message a
// person can act on. Exceptions are reserved for startup and configuration.
#pragma once

#include <string>
#include <string_view>
#include <utility>

#include <tl/expected.hpp>

namespace signet {

// Error codes, chosen by what the caller should do next (see retry_of()).
enum class ErrorCode {
  kInvalidArgument,     // the input is wrong (malformed CSR, bad URI): never retry
  kFailedPrecondition,  // the state forbids it (policy, expired CA): not until the state changes
  kNotFound,            // a named thing does not exist (CA, token, key)
  kAlreadyExists,       // refusing to overwrite something
  kPermissionDenied,    // authentication failed (wrong PIN) or not authorised
  kUnavailable,         // transient (token busy, session lost): retry the same call
  kAborted,             // the attempt was abandoned midway: retry the whole item
  kDeadlineExceeded,    // waited too long (session pool, hung token): retry the item
  kResourceExhausted,   // out of sessions, memory, disk: retry later
  kInternal,            // a library misbehaved or an invariant broke: report it
};

enum class Retry {
  kNever,  // retrying the same input cannot succeed
  kCall,   // retry the same call, with backoff
  kItem,   // retry the whole item from the start
};

[[nodiscard]] Retry retry_of(ErrorCode code) noexcept;
[[nodiscard]] std::string_view to_string(ErrorCode code) noexcept;
[[nodiscard]] std::string_view to_string(Retry retry) noexcept;

class Error {
 public:
  Error(ErrorCode code, std::string message) : code_(code), message_(std::move(message)) {}

  [[nodiscard]] ErrorCode code() const noexcept { return code_; }
  [[nodiscard]] const std::string& message() const noexcept { return message_; }
  [[nodiscard]] Retry retry() const noexcept { return retry_of(code_); }

  // Prefixes the message with what was being done: "ca init: " + "token 'x': PIN incorrect".
  [[nodiscard]] Error context(std::string_view what) const&;
  [[nodiscard]] Error context(std::string_view what) &&;

 private:
  ErrorCode code_;
  std::string message_;
};

template <typename T>
using Result = tl::expected<T, Error>;

// Status for operations that return nothing.
using Status = Result<void>;

// The failing side of a Result, for `return fail(...)` in any Result<T> function.
[[nodiscard]] inline tl::unexpected<Error> fail(ErrorCode code, std::string message) {
  return tl::unexpected<Error>(Error(code, std::move(message)));
}
[[nodiscard]] inline tl::unexpected<Error> fail(Error error) {
  return tl::unexpected<Error>(std::move(error));
}

}  // namespace signet

// The two control-flow helpers (no more): propagate an error, or bind a value.
// NOLINTBEGIN
#define SIGNET_CONCAT_INNER(a, b) a##b
#define SIGNET_CONCAT(a, b) SIGNET_CONCAT_INNER(a, b)

// SIGNET_RETURN_IF_ERROR(status_expr);
#define SIGNET_RETURN_IF_ERROR(expr)                                    \
  do {                                                                  \
    auto&& signet_status_ = (expr);                                     \
    if (!signet_status_) return ::signet::fail(signet_status_.error()); \
  } while (false)

// SIGNET_ASSIGN_OR_RETURN(auto value, result_expr);
#define SIGNET_ASSIGN_OR_RETURN(lhs, expr) \
  SIGNET_ASSIGN_OR_RETURN_IMPL(SIGNET_CONCAT(signet_result_, __LINE__), lhs, expr)
#define SIGNET_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr)       \
  auto tmp = (expr);                                       \
  if (!tmp) return ::signet::fail(std::move(tmp).error()); \
  lhs = std::move(*tmp)
// NOLINTEND
