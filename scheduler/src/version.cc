#include "signet/scheduler/version.h"

namespace signet::scheduler {

std::string_view version() noexcept {
  return "0 (no pipeline yet)";
}

}  // namespace signet::scheduler
