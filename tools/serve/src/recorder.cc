// JsonLinesRecorder: the interim persist-before-return store (one fsync'd line per certificate).
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <system_error>

#include <nlohmann/json.hpp>

#include "signet/core/bytes.h"
#include "signet/core/duration.h"
#include "signet/core/name.h"
#include "signet/core/pem.h"
#include "signet/serve/issuance.h"

namespace signet::serve {
namespace {
// strerror is not thread-safe (concurrency-mt-unsafe); the error category's message is.
std::string errno_message() {
  return std::error_code(errno, std::generic_category()).message();
}
}  // namespace

Result<std::unique_ptr<JsonLinesRecorder>> JsonLinesRecorder::open(
    const std::filesystem::path& path) {
  // NOLINTNEXTLINE(cppcoreguidelines-pro-type-vararg): open(2) is variadic.
  const int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) {
    return fail(ErrorCode::kFailedPrecondition,
                "issuance record file " + path.string() + ": cannot open: " + errno_message());
  }
  return std::unique_ptr<JsonLinesRecorder>(new JsonLinesRecorder(path, fd));
}

JsonLinesRecorder::~JsonLinesRecorder() {
  ::close(fd_);
}

Status JsonLinesRecorder::record(const IssuanceRecord& r) {
  nlohmann::json sans = nlohmann::json::array();
  for (const auto& d : r.certificate.subject_alt_names.dns) sans.push_back("DNS:" + d);
  for (const auto& ip : r.certificate.subject_alt_names.ip) sans.push_back("IP:" + to_hex(ip));
  const nlohmann::json j = {{"issued_at", format_time(r.issued_at)},
                            {"ca", r.ca},
                            {"profile", r.profile},
                            {"requester", r.requester},
                            {"endpoint", r.endpoint},
                            {"serial", to_hex(r.certificate.serial)},
                            {"subject", format_name(r.certificate.subject)},
                            {"subject_alt_names", sans},
                            {"not_before", format_time(r.certificate.not_before)},
                            {"not_after", format_time(r.certificate.not_after)},
                            {"certificate", pem_encode("CERTIFICATE", r.certificate.der)}};
  const std::string line = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  const std::lock_guard lock(mutex_);
  // One write(2) of the whole line under O_APPEND, then fsync: the line is on disk, whole,
  // before the certificate is returned.
  const ssize_t n = ::write(fd_, line.data(), line.size());
  if (n != static_cast<ssize_t>(line.size())) {
    return fail(ErrorCode::kUnavailable,
                "issuance record file " + path_.string() + ": short write: " + errno_message());
  }
  if (::fsync(fd_) != 0) {
    return fail(ErrorCode::kUnavailable,
                "issuance record file " + path_.string() + ": fsync: " + errno_message());
  }
  return {};
}

}  // namespace signet::serve
