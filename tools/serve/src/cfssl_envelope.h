// cfssl's JSON response envelope (cfssl api/api.go Response):
//   {"success": bool, "result": ..., "errors": [{"code": int, "message": str}], "messages": [...]}
// `cfssl sign -remote` reads result.certificate from it; errors[0].message is what it prints.
#pragma once

#include <nlohmann/json.hpp>

#include "http_types.h"

namespace signet::serve {

[[nodiscard]] Response cfssl_success(const nlohmann::json& result);
[[nodiscard]] Response cfssl_failure(const Refusal& refusal);

}  // namespace signet::serve
