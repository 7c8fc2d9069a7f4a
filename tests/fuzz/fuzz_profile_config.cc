// libFuzzer target: the profiles file (strict JSON, every rule validated), then the printed
// forms of whatever loads.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "signet/core/profile_config.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);  // NOLINT
  const auto set = signet::load_profiles(text, "fuzz.json");
  if (!set) return 0;
  for (const auto& p : set->profiles()) {
    static_cast<void>(signet::profile_text(p));
    static_cast<void>(signet::profile_json(p));
  }
  return 0;
}
