// OSSL_DISPATCH stores every function as `void (*)(void)` (provider-base(7)); this is the one
// cast that puts a typed function there. The core casts it back by function id.
#pragma once

namespace signet::provider {

template <typename Fn>
constexpr auto fn(Fn* f) noexcept {
  return reinterpret_cast<void (*)()>(f);  // NOLINT(cppcoreguidelines-pro-type-reinterpret-cast)
}

}  // namespace signet::provider
