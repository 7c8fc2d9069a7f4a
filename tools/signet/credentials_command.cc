// `signet credentials list|rotate`: the HMAC authsign keys of a `signet serve` config (issue 7,
// item 2). The keys stay in their files: neither command prints a key, only names, files and
// expiries. `rotate` gives a key a successor while the old key stays valid for a grace period, so
// clients can move to the new key without a window in which requests fail; the server tries
// every key of its config (tools/serve/src/hmac_auth.h), so two keys with the same grant
// coexist.
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <system_error>
#include <vector>

#include <nlohmann/json.hpp>
#include <openssl/rand.h>

#include "signet/core/bytes.h"
#include "signet/core/duration.h"
#include "signet/core/secret_bytes.h"
#include "signet/serve/config.h"

#include "commands.h"
#include "expiry_report.h"
#include "state.h"

namespace signet::cli {
namespace {

using Clock = std::chrono::system_clock;
using OrderedJson = nlohmann::ordered_json;

// 256-bit keys: HMAC-SHA-256's block-size-independent maximum strength (RFC 2104 §3: keys
// shorter than the hash output weaken it; longer ones add nothing).
constexpr std::size_t kNewKeyBytes = 32;
constexpr std::size_t kMaxNameLength = 63;  // serve config's rule for key names

struct CredentialsOptions {
  std::string config;
  std::string name;
  std::string expiring_within = "720h";
  std::string grace = "24h";
  std::string validity = "2160h";
  std::string key_out;
};

Status bad(const std::string& what) {
  return fail(ErrorCode::kInvalidArgument, "credentials: " + what);
}

Result<std::chrono::seconds> positive_duration(const std::string& flag, const std::string& text) {
  auto d = parse_duration(text);
  if (!d) return fail(d.error().context(flag));
  return *d;  // parse_duration refuses zero and negative durations
}

// "20261201t211042z": the config's name rule allows only [a-z0-9-_.].
std::string name_stamp(Clock::time_point t) {
  std::string s = format_time(t);  // 2026-12-01T21:10:42Z
  std::string out;
  for (char c : s) {
    if (c == '-' || c == ':') continue;
    out += static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  }
  return out;
}

std::string state_of(Clock::time_point expires, Clock::time_point now, std::chrono::seconds soon) {
  if (expires <= now) return "expired";
  if (expires - now <= soon) return "expiring";
  return "valid";
}

Status list_command(const Context& ctx, const CredentialsOptions& o) {
  SIGNET_ASSIGN_OR_RETURN(const std::chrono::seconds soon,
                          positive_duration("--expiring-within", o.expiring_within));
  SIGNET_ASSIGN_OR_RETURN(const serve::ServerConfig config, serve::ServerConfig::load(o.config));
  std::vector<const serve::HmacKeyRule*> keys;
  keys.reserve(config.hmac_keys.size());
  for (const auto& k : config.hmac_keys) keys.push_back(&k);
  std::sort(keys.begin(), keys.end(),
            [](const auto* a, const auto* b) { return a->expires < b->expires; });
  const auto now = Clock::now();
  nlohmann::json rows = nlohmann::json::array();
  std::string text = keys.empty() ? "no HMAC keys in " + o.config + "\n"
                                  : "NAME                             EXPIRES               "
                                    "RESIDUAL  STATE     CA / PROFILES\n";
  for (const auto* k : keys) {
    const auto left = std::chrono::duration_cast<std::chrono::seconds>(k->expires - now);
    const std::string state = state_of(k->expires, now, soon);
    rows.push_back({{"name", k->name},
                    {"key_file", k->key_file.string()},
                    {"expires", format_time(k->expires)},
                    {"residual_seconds", left.count()},
                    {"state", state},
                    {"ca", k->grant.ca},
                    {"profiles", k->grant.profiles}});
    std::string profiles;
    for (const auto& p : k->grant.profiles) profiles += (profiles.empty() ? "" : ",") + p;
    std::string line = k->name;
    line.resize(std::max<std::size_t>(line.size() + 1, 33), ' ');
    line += format_time(k->expires) + "  ";
    std::string residual = left.count() <= 0 ? "-" : expiry::format_residual(left.count());
    residual.resize(std::max<std::size_t>(residual.size() + 1, 10), ' ');
    std::string st = state;
    st.resize(10, ' ');
    text.append(line).append(residual).append(st).append(k->grant.ca).append(" / ");
    text.append(profiles).append("\n");
  }
  emit(ctx, {{"config", o.config}, {"keys", rows}}, text);
  return {};
}

// The caller cleanses the returned text (the key in cfssl's hex form).
Result<std::string> new_key_hex() {
  SecretBytes key(kNewKeyBytes);
  if (RAND_priv_bytes(key.data(), static_cast<int>(key.size())) != 1) {
    return fail(ErrorCode::kInternal, "credentials: RAND_priv_bytes failed");
  }
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(2 * key.size() + 1);
  for (std::size_t i = 0; i < key.size(); ++i) {
    hex.push_back(kDigits[key.data()[i] >> 4U]);
    hex.push_back(kDigits[key.data()[i] & 0x0fU]);
  }
  hex.push_back('\n');
  return hex;
}

Status rotate_command(const Context& ctx, const CredentialsOptions& o) {
  SIGNET_ASSIGN_OR_RETURN(const std::chrono::seconds grace, positive_duration("--grace", o.grace));
  SIGNET_ASSIGN_OR_RETURN(const std::chrono::seconds validity,
                          positive_duration("--validity", o.validity));
  if (grace >= validity) {
    return bad("--grace (" + o.grace + ") must be shorter than --validity (" + o.validity + ")");
  }
  const std::filesystem::path config_path(o.config);
  const std::filesystem::path base = config_path.parent_path();
  // Parsed as a whole first: a config that is already wrong is not rewritten.
  SIGNET_ASSIGN_OR_RETURN(const serve::ServerConfig before, serve::ServerConfig::load(config_path));
  const auto old = std::find_if(before.hmac_keys.begin(), before.hmac_keys.end(),
                                [&](const auto& k) { return k.name == o.name; });
  if (old == before.hmac_keys.end()) {
    std::string known;
    for (const auto& k : before.hmac_keys) known += (known.empty() ? "" : ", ") + k.name;
    return fail(ErrorCode::kNotFound, "credentials: no HMAC key '" + o.name + "' in " + o.config +
                                          " (known: " + (known.empty() ? "none" : known) + ")");
  }
  const auto now = Clock::now();
  const std::string retired = o.name + ".r" + name_stamp(now);
  if (retired.size() > kMaxNameLength) {
    return bad("key name '" + o.name + "' is too long to keep its retired twin '" + retired +
               "' within 63 characters");
  }
  const auto old_expires = std::min(old->expires, now + grace);
  const auto new_expires = now + validity;

  SIGNET_ASSIGN_OR_RETURN(const std::string text,
                          read_file_limited(config_path, serve::ServerConfig::kMaxBytes, "config"));
  OrderedJson root = OrderedJson::parse(text, nullptr, false);
  auto& keys = root["hmac_keys"];
  const auto entry = std::find_if(keys.begin(), keys.end(), [&](const OrderedJson& k) {
    return k.value("name", std::string()) == o.name;
  });
  // ServerConfig::load above found it, so the raw JSON has it too.
  OrderedJson successor = *entry;
  const std::string old_file = entry->at("key_file").get<std::string>();
  const std::filesystem::path key_path = o.key_out.empty()
                                             ? std::filesystem::path(old_file).parent_path() /
                                                   (o.name + "-" + name_stamp(now) + ".hex")
                                             : std::filesystem::path(o.key_out);
  const std::filesystem::path key_on_disk = key_path.is_absolute() ? key_path : base / key_path;
  std::error_code ec;
  if (std::filesystem::exists(key_on_disk, ec)) {
    return fail(ErrorCode::kAlreadyExists,
                "credentials: key file " + key_on_disk.string() + " exists; not overwritten");
  }
  (*entry)["name"] = retired;
  (*entry)["expires"] = format_time(old_expires);
  successor["key_file"] = key_path.string();
  successor["expires"] = format_time(new_expires);
  keys.insert(entry, successor);
  const std::string updated = root.dump(2) + "\n";

  // The key file first, then the config is checked as the server would read it, then written
  // atomically; on any failure the new key file is removed, so nothing partial remains. Both
  // keep the config's owner and group (the service user must still read them after a root
  // rotation); the config keeps its mode, the key gets it without any "other" bits.
  struct stat config_stat {};
  if (::stat(config_path.c_str(), &config_stat) != 0) {
    return fail(ErrorCode::kUnavailable, "credentials: cannot stat " + o.config);
  }
  const unsigned config_mode = config_stat.st_mode & 07777U;
  SIGNET_ASSIGN_OR_RETURN(std::string key_text, new_key_hex());
  const Status wrote_key = write_file_atomic(key_on_disk, key_text, config_mode & 0660U);
  cleanse(key_text);
  SIGNET_RETURN_IF_ERROR(wrote_key);
  const auto undo = [&](Status s) {
    std::filesystem::remove(key_on_disk, ec);
    return s;
  };
  const auto same_owner = [&](const std::filesystem::path& p) -> Status {
    if (::chown(p.c_str(), config_stat.st_uid, config_stat.st_gid) != 0 && errno != EPERM) {
      return fail(ErrorCode::kUnavailable,
                  "credentials: cannot give " + p.string() + " the config's owner: " +
                      std::error_code(errno, std::generic_category()).message());
    }
    return {};
  };
  if (Status s = same_owner(key_on_disk); !s) return undo(s);
  auto after = serve::ServerConfig::parse(updated, base);
  if (!after) return undo(fail(after.error().context("credentials: the rotated config")));
  if (Status s = write_file_atomic(config_path, updated, config_mode); !s) return undo(s);
  if (Status s = same_owner(config_path); !s) return s;  // the config is already the new one

  emit(ctx,
       {{"config", o.config},
        {"new",
         {{"name", o.name},
          {"key_file", key_on_disk.string()},
          {"expires", format_time(new_expires)}}},
        {"old",
         {{"name", retired},
          {"key_file", old->key_file.string()},
          {"expires", format_time(old_expires)}}}},
       "rotated HMAC key '" + o.name + "' in " + o.config + "\n  new key " + o.name + ": " +
           key_on_disk.string() + ", expires " + format_time(new_expires) + "\n  old key now " +
           retired + ": valid until " + format_time(old_expires) +
           "\nGive clients the new key file's hex before then; restart signet serve to load it.\n");
  return {};
}

}  // namespace

void register_credentials_commands(CLI::App& app, Context& ctx, Action& action) {
  auto* cmd = app.add_subcommand("credentials", "HMAC authsign keys of a `signet serve` config");
  cmd->require_subcommand(1);

  auto lo = std::make_shared<CredentialsOptions>();
  auto* list = cmd->add_subcommand("list", "Every HMAC key with its expiry (never the key)");
  list->add_option("--config", lo->config, "server config file")->required();
  list->add_option("--expiring-within", lo->expiring_within,
                   "mark keys expiring within this duration (default 720h)");
  list->footer(
      "Examples:\n"
      "  signet credentials list --config /etc/signet/serve.json\n"
      "  signet --output json credentials list --config serve.json --expiring-within 168h");
  list->callback([&ctx, &action, lo] { action = [&ctx, lo] { return list_command(ctx, *lo); }; });

  auto ro = std::make_shared<CredentialsOptions>();
  auto* rotate = cmd->add_subcommand(
      "rotate", "Give an HMAC key a successor; the old key stays valid for a grace period");
  rotate->add_option("name", ro->name, "the key's name in the config")->required();
  rotate->add_option("--config", ro->config, "server config file (rewritten atomically)")
      ->required();
  rotate->add_option("--grace", ro->grace,
                     "how long the old key stays valid (default 24h; never extended)");
  rotate->add_option("--validity", ro->validity, "the new key's lifetime (default 2160h)");
  rotate->add_option("--key-out", ro->key_out,
                     "the new key file (default: NAME-<time>.hex beside the old one; mode 0600)");
  rotate->footer(
      "Examples:\n"
      "  signet credentials rotate ci --config /etc/signet/serve.json --grace 48h\n"
      "The old entry is renamed NAME.r<time> with expires = min(its expiry, now + grace); the new\n"
      "entry keeps NAME and its CA and profiles. Keys are 32 random bytes, written as hex.");
  rotate->callback(
      [&ctx, &action, ro] { action = [&ctx, ro] { return rotate_command(ctx, *ro); }; });
}

}  // namespace signet::cli
