#include "signet/core/result.h"

#include <string>

namespace signet {

Retry retry_of(ErrorCode code) noexcept {
  switch (code) {
    case ErrorCode::kUnavailable:
    case ErrorCode::kResourceExhausted:
      return Retry::kCall;
    case ErrorCode::kAborted:
    case ErrorCode::kDeadlineExceeded:
      return Retry::kItem;
    case ErrorCode::kInvalidArgument:
    case ErrorCode::kFailedPrecondition:
    case ErrorCode::kNotFound:
    case ErrorCode::kAlreadyExists:
    case ErrorCode::kPermissionDenied:
    case ErrorCode::kInternal:
      return Retry::kNever;
  }
  return Retry::kNever;
}

std::string_view to_string(ErrorCode code) noexcept {
  switch (code) {
    case ErrorCode::kInvalidArgument:
      return "invalid-argument";
    case ErrorCode::kFailedPrecondition:
      return "failed-precondition";
    case ErrorCode::kNotFound:
      return "not-found";
    case ErrorCode::kAlreadyExists:
      return "already-exists";
    case ErrorCode::kPermissionDenied:
      return "permission-denied";
    case ErrorCode::kUnavailable:
      return "unavailable";
    case ErrorCode::kAborted:
      return "aborted";
    case ErrorCode::kDeadlineExceeded:
      return "deadline-exceeded";
    case ErrorCode::kResourceExhausted:
      return "resource-exhausted";
    case ErrorCode::kInternal:
      return "internal";
  }
  return "unknown";
}

std::string_view to_string(Retry retry) noexcept {
  switch (retry) {
    case Retry::kNever:
      return "never";
    case Retry::kCall:
      return "call";
    case Retry::kItem:
      return "item";
  }
  return "unknown";
}

Error Error::context(std::string_view what) const& {
  return {code_, std::string(what) + ": " + message_};
}

Error Error::context(std::string_view what) && {
  message_.insert(0, std::string(what) + ": ");
  return std::move(*this);
}

}  // namespace signet
