// signet fleet generate — a synthetic Kubernetes fleet for sign-batch and the demo: per node a
// kubelet-client CSR (O=system:nodes, CN=system:node:<name>) and a kubelet-serving CSR (same
// subject, DNS <name>.<domain> and an IPv4 SAN), P-256, as JSON lines
// {"id":"<name>/client"|"<name>/serving","csr":PEM,"profile":...}. The requests are written by
// core's CSR builder (core/csr_builder.h), signed by software keys: one per node by default, or
// a pool of --key-pool K keys reused round-robin (faster; the nodes then share keys).
#include <unistd.h>

#include <array>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "signet/core/csr_builder.h"
#include "signet/core/pem.h"
#include "signet/core/software_signer.h"

#include "commands.h"

namespace signet::cli {
namespace {

struct FleetOptions {
  std::size_t nodes = 0;
  std::string out;
  std::size_t key_pool = 0;
  std::string domain = "nodes.cluster.example";
  std::string prefix = "node-";
};

Result<std::unique_ptr<SoftwareSigner>> new_key() {
  return SoftwareSigner::generate(KeySpec{KeyType::kEcP256, 0});
}

Status generate(const Context& ctx, const FleetOptions& o) {
  const auto start = std::chrono::steady_clock::now();
  std::vector<std::unique_ptr<SoftwareSigner>> pool;
  for (std::size_t i = 0; i < o.key_pool; ++i) {
    SIGNET_ASSIGN_OR_RETURN(auto key, new_key());
    pool.push_back(std::move(key));
  }
  const std::string tmp = o.out + ".tmp";
  std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
  if (!out) return fail(ErrorCode::kFailedPrecondition, "--out: cannot write " + tmp);
  const bool tty = isatty(STDERR_FILENO) == 1;
  for (std::size_t n = 0; n < o.nodes; ++n) {
    const std::string name = o.prefix + std::to_string(n);
    std::unique_ptr<SoftwareSigner> own;
    SoftwareSigner* key = nullptr;
    if (pool.empty()) {
      SIGNET_ASSIGN_OR_RETURN(own, new_key());
      key = own.get();
    } else {
      key = pool[n % pool.size()].get();
    }
    const DistinguishedName subject = {{NameAttributeType::kOrganization, "system:nodes"},
                                       {NameAttributeType::kCommonName, "system:node:" + name}};
    SIGNET_ASSIGN_OR_RETURN(const Bytes client, build_csr(subject, {}, *key));
    // 10.<n/65536>.<n/256>.<n%256>: distinct per node up to 16.7 M nodes.
    SubjectAltNames sans;
    sans.dns.push_back(name + "." + o.domain);
    sans.ip.push_back(Bytes{10, static_cast<std::uint8_t>((n >> 16) & 0xff),
                            static_cast<std::uint8_t>((n >> 8) & 0xff),
                            static_cast<std::uint8_t>(n & 0xff)});
    SIGNET_ASSIGN_OR_RETURN(const RequestedExtension san, subject_alt_name_extension(sans));
    SIGNET_ASSIGN_OR_RETURN(const Bytes serving, build_csr(subject, {san}, *key));
    out << nlohmann::json({{"id", name + "/client"},
                           {"csr", pem_encode("CERTIFICATE REQUEST", client)},
                           {"profile", "kubelet-client"}})
               .dump()
        << '\n'
        << nlohmann::json({{"id", name + "/serving"},
                           {"csr", pem_encode("CERTIFICATE REQUEST", serving)},
                           {"profile", "kubelet-serving"}})
               .dump()
        << '\n';
    if (!out) return fail(ErrorCode::kUnavailable, "--out: writing " + tmp + " failed");
    if (tty && (n + 1) % 500 == 0) {
      std::cerr << "\rgenerated " << (n + 1) << "/" << o.nodes << " nodes" << std::flush;
    }
  }
  out.close();
  if (!out) return fail(ErrorCode::kUnavailable, "--out: writing " + tmp + " failed");
  std::error_code ec;
  std::filesystem::rename(tmp, o.out, ec);
  if (ec) return fail(ErrorCode::kUnavailable, "--out: rename to " + o.out + ": " + ec.message());
  if (tty) std::cerr << '\n';
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const nlohmann::json j = {{"nodes", o.nodes},
                            {"requests", 2 * o.nodes},
                            {"key_pool", o.key_pool},
                            {"out", o.out},
                            {"elapsed_seconds", std::round(seconds * 1000) / 1000}};
  char buf[200];  // NOLINT(modernize-avoid-c-arrays)
  std::snprintf(buf, sizeof buf, "wrote %zu requests for %zu nodes (%s) to %s in %.2f s",
                2 * o.nodes, o.nodes,
                o.key_pool == 0 ? "one key per node"
                                : ("a pool of " + std::to_string(o.key_pool) + " keys").c_str(),
                o.out.c_str(), seconds);
  emit(ctx, j, buf);
  return {};
}

}  // namespace

void register_fleet_commands(CLI::App& app, Context& ctx, Action& action) {
  auto o = std::make_shared<FleetOptions>();
  auto* fleet = app.add_subcommand("fleet", "Synthetic fleets for batch signing and demos");
  fleet->require_subcommand(1);
  auto* cmd = fleet->add_subcommand(
      "generate", "Write N nodes' kubelet-client and kubelet-serving CSRs as JSON lines");
  cmd->add_option("--nodes", o->nodes, "number of nodes")
      ->required()
      ->check(CLI::Range(std::size_t{1}, std::size_t{16777216}));
  cmd->add_option("--out", o->out, "JSON lines file for `signet sign-batch --in`")->required();
  cmd->add_option("--key-pool", o->key_pool,
                  "reuse K P-256 keys round-robin instead of one key per node (0: one per node)")
      ->check(CLI::Range(std::size_t{0}, std::size_t{1} << 20));
  cmd->add_option("--domain", o->domain, "DNS domain of the nodes' serving names")
      ->check([](const std::string& d) {
        return d.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789.-") == std::string::npos &&
                       !d.empty() && d.size() <= 200
                   ? std::string()
                   : std::string("domain must be 1-200 of [a-z0-9.-]");
      });
  cmd->footer(
      "Examples:\n"
      "  signet fleet generate --nodes 10000 --out fleet.jsonl\n"
      "  signet fleet generate --nodes 1000000 --key-pool 64 --out big.jsonl\n"
      "  signet sign-batch --ca kubernetes --in fleet.jsonl --out certs.jsonl");
  cmd->callback([&ctx, &action, o] { action = [&ctx, o] { return generate(ctx, *o); }; });
}

}  // namespace signet::cli
