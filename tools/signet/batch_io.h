// Streaming input and output for `signet sign-batch`: a bounded line reader (a hostile line
// never costs more than its limit), the id rules that keep an output directory safe, and the
// grouping of errors into rules for the summary.
#pragma once

#include <cstddef>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>

#include "signet/core/result.h"

namespace signet::cli {

// Reads '\n'-terminated lines from a FILE* through a fixed buffer. A line longer than the limit
// is skipped to its end and reported as oversized, so memory stays bounded whatever the input.
class LineReader {
 public:
  LineReader(std::FILE* file, std::size_t max_line) : file_(file), max_line_(max_line) {}

  struct Line {
    std::string text;
    bool oversized = false;
    std::size_t length = 0;  // the line's real length (also when oversized)
  };

  // The next line, nullopt at the end; an error when the read itself fails.
  [[nodiscard]] Result<std::optional<Line>> next();

 private:
  [[nodiscard]] bool fill();

  std::FILE* file_;
  std::size_t max_line_;
  std::string buffer_ = std::string(std::size_t{64} * 1024, '\0');
  std::size_t pos_ = 0;
  std::size_t end_ = 0;
  bool eof_ = false;
  bool error_ = false;
};

// An item id: 1-253 printable ASCII characters (no control characters, no NUL). When it
// names an output file (`for_file`) it must also not contain '/' or '\\', and not start
// with '.' (so never ".", ".." or a hidden file): path traversal out of --out is impossible.
[[nodiscard]] Status check_item_id(std::string_view id, bool for_file);

// The rule an error is counted under in the summary: a profile refusal "<profile>: <rule>, got
// <value>" keeps "<profile>: <rule>" (the offending value is not the rule); other messages are
// cut at their first ':' ("CSR: ..." → "CSR"), else the error code's name.
[[nodiscard]] std::string error_rule(const Error& error);

}  // namespace signet::cli
