#include "cfssl_envelope.h"

namespace signet::serve {
namespace {

std::string dump(const nlohmann::json& j) {
  // Messages may quote hostile input: invalid UTF-8 is replaced, never thrown on.
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace

Response cfssl_success(const nlohmann::json& result) {
  const nlohmann::json j = {{"success", true},
                            {"result", result},
                            {"errors", nlohmann::json::array()},
                            {"messages", nlohmann::json::array()}};
  return Response{200, dump(j), "application/json", std::nullopt};
}

Response cfssl_failure(const Refusal& refusal) {
  const nlohmann::json j = {
      {"success", false},
      {"result", nullptr},
      {"errors", nlohmann::json::array({{{"code", refusal.code}, {"message", refusal.message}}})},
      {"messages", nlohmann::json::array()}};
  Response r{refusal.status, dump(j), "application/json", std::nullopt};
  if (refusal.status == 503 || refusal.status == 429) r.retry_after = 1;
  return r;
}

Refusal refusal_from(const Error& error) {
  switch (error.code()) {
    case ErrorCode::kInvalidArgument:
      return {400, 400, error.message()};
    case ErrorCode::kFailedPrecondition:
      return {400, kCfsslPolicyInvalidRequest, error.message()};
    case ErrorCode::kNotFound:
      return {404, 404, error.message()};
    case ErrorCode::kPermissionDenied:
      return {403, 403, error.message()};
    case ErrorCode::kUnavailable:
    case ErrorCode::kAborted:
    case ErrorCode::kDeadlineExceeded:
    case ErrorCode::kResourceExhausted:
      return {503, 503, error.message()};
    case ErrorCode::kAlreadyExists:
    case ErrorCode::kInternal:
      break;
  }
  return {500, 500, error.message()};
}

}  // namespace signet::serve
