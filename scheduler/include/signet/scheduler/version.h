// The scheduler module's placeholder entry point until the pipeline issue lands.
#pragma once

#include <string_view>

namespace signet::scheduler {

// The scheduler's schema/protocol generation, for `signet --version`.
[[nodiscard]] std::string_view version() noexcept;

}  // namespace signet::scheduler
