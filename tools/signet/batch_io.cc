#include "batch_io.h"

#include <cstring>

namespace signet::cli {

bool LineReader::fill() {
  if (eof_ || error_) return false;
  pos_ = 0;
  end_ = std::fread(buffer_.data(), 1, buffer_.size(), file_);
  if (end_ == 0) {
    if (std::ferror(file_) != 0) error_ = true;
    eof_ = true;
    return false;
  }
  return true;
}

Result<std::optional<LineReader::Line>> LineReader::next() {
  Line line;
  bool any = false;
  for (;;) {
    if (pos_ == end_ && !fill()) break;
    any = true;
    const char* start = buffer_.data() + pos_;
    const auto* nl = static_cast<const char*>(std::memchr(start, '\n', end_ - pos_));
    const std::size_t n = nl != nullptr ? static_cast<std::size_t>(nl - start) : end_ - pos_;
    line.length += n;
    if (!line.oversized) {
      if (line.text.size() + n > max_line_) {
        line.oversized = true;
        line.text.clear();
        line.text.shrink_to_fit();
      } else {
        line.text.append(start, n);
      }
    }
    pos_ += n;
    if (nl != nullptr) {
      ++pos_;
      return std::optional<Line>(std::move(line));
    }
  }
  if (error_) {
    // fread reports only that it failed (ferror); errno is not reliably its cause.
    return fail(ErrorCode::kUnavailable, "reading the batch input failed (I/O error)");
  }
  if (!any || (line.length == 0 && !line.oversized && line.text.empty())) {
    return std::optional<Line>();
  }
  return std::optional<Line>(std::move(line));  // a last line without '\n'
}

Status check_item_id(std::string_view id, bool for_file) {
  constexpr std::size_t kMaxId = 253;
  if (id.empty()) return fail(ErrorCode::kInvalidArgument, "id: must not be empty");
  if (id.size() > kMaxId) {
    return fail(ErrorCode::kInvalidArgument, "id: longer than " + std::to_string(kMaxId) +
                                                 " characters (" + std::to_string(id.size()) + ")");
  }
  for (const char c : id) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u > 0x7e) {
      return fail(ErrorCode::kInvalidArgument,
                  "id: only printable ASCII is allowed, got byte " + std::to_string(u));
    }
  }
  if (!for_file) return {};
  if (id.find('/') != std::string_view::npos || id.find('\\') != std::string_view::npos) {
    return fail(ErrorCode::kInvalidArgument,
                "id: must not contain '/' or '\\' when it names an output file, got '" +
                    std::string(id) + "'");
  }
  if (id.front() == '.') {
    return fail(
        ErrorCode::kInvalidArgument,
        "id: must not start with '.' when it names an output file, got '" + std::string(id) + "'");
  }
  return {};
}

std::string error_rule(const Error& error) {
  const std::string& m = error.message();
  if (const auto got = m.find(", got"); got != std::string::npos) return m.substr(0, got);
  if (const auto colon = m.find(':'); colon != std::string::npos && colon > 0) {
    return m.substr(0, colon);
  }
  return std::string(to_string(error.code()));
}

}  // namespace signet::cli
