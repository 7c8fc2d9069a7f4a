// Binding and reading SQLite values, shared by the ledger store and the reissue job store.
#pragma once

#include <sqlite3.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "signet/core/bytes.h"

namespace signet::scheduler::sqlite {

inline void bind_text(sqlite3_stmt* s, int i, std::string_view v) {
  sqlite3_bind_text(s, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);  // NOLINT
}
inline void bind_blob(sqlite3_stmt* s, int i, ByteView v) {
  // A zero-length blob, not NULL (NOT NULL columns), even when v.data() is null.
  static constexpr std::uint8_t kEmpty = 0;
  sqlite3_bind_blob(s, i, v.empty() ? &kEmpty : v.data(), static_cast<int>(v.size()),
                    SQLITE_TRANSIENT);  // NOLINT
}
inline std::string column_text(sqlite3_stmt* s, int i) {
  const auto* p = sqlite3_column_text(s, i);
  return p == nullptr ? std::string()
                      : std::string(reinterpret_cast<const char*>(p),  // NOLINT
                                    static_cast<std::size_t>(sqlite3_column_bytes(s, i)));
}
inline Bytes column_blob(sqlite3_stmt* s, int i) {
  const auto* p = static_cast<const std::uint8_t*>(sqlite3_column_blob(s, i));
  const auto n = static_cast<std::size_t>(sqlite3_column_bytes(s, i));
  return p == nullptr ? Bytes() : Bytes(p, p + n);  // NOLINT
}

}  // namespace signet::scheduler::sqlite
