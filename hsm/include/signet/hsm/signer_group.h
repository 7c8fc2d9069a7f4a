// Several tokens (HSMs, slots, partitions, modules) holding the same key, used as one Signer: an
// HA group. Each signature goes to the member with the fewest signatures in flight; a member that
// fails (after its own session-level retries) or does not answer within answer_timeout is taken
// out of service and the signature moves to another member; a member out of service is probed
// with a test signature every probe_interval and taken back when the probe verifies.
//
// The group works on core's Signer interface only — members are usually hsm's PKCS#11 signers,
// and tests also use in-memory ones. A hung PKCS#11 call cannot be cancelled (PKCS#11 has no
// timeout or cancel for C_Sign), so an abandoned signature keeps that member's session thread
// until the token answers; its late answer is discarded.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "signet/core/result.h"
#include "signet/core/signer.h"
#include "signet/hsm/pkcs11_uri.h"
#include "signet/hsm/token.h"

namespace signet::hsm {

struct GroupOptions {
  // A member that has not answered a signature in this long is taken out; the signature moves.
  std::chrono::milliseconds answer_timeout{2000};
  // How often a member out of service is probed with one test signature.
  std::chrono::milliseconds probe_interval{1000};
  // How many members one signature may try before its error is returned.
  int max_moves = 3;
};

struct GroupMemberStatus {
  std::string name;  // the member's describe()
  bool in_service = true;
  std::size_t in_flight = 0;
  std::uint64_t signed_count = 0;
  std::uint64_t taken_out = 0;  // times the member was taken out of service
  std::string last_error;       // why it was last taken out
};

class SignerGroup;

// Builds a group from open signers; all must hold the same public key and algorithm.
[[nodiscard]] Result<std::unique_ptr<SignerGroup>> make_signer_group(
    std::vector<std::unique_ptr<Signer>> members, const GroupOptions& options = {});

// Opens every key (module path, URI) with open_signer and groups them. Every member must open:
// a token that cannot be reached at startup is an error, not a silently smaller group.
struct GroupMemberSpec {
  std::string module_path;
  Pkcs11Uri uri;
};
[[nodiscard]] Result<std::unique_ptr<SignerGroup>> open_signer_group(
    const std::vector<GroupMemberSpec>& members, const SignerOptions& signer_options = {},
    const GroupOptions& group_options = {});

class SignerGroup final : public Signer {
 public:
  ~SignerGroup() override;
  SignerGroup(const SignerGroup&) = delete;
  SignerGroup& operator=(const SignerGroup&) = delete;
  SignerGroup(SignerGroup&&) = delete;
  SignerGroup& operator=(SignerGroup&&) = delete;

  [[nodiscard]] SignatureAlgorithm algorithm() const noexcept override;
  [[nodiscard]] ByteView public_key_der() const noexcept override;
  [[nodiscard]] std::string describe() const override;
  [[nodiscard]] Result<Bytes> sign(ByteView input) override;
  void submit(Bytes input, Completion done) override;

  [[nodiscard]] std::vector<GroupMemberStatus> status() const;

 private:
  struct State;
  explicit SignerGroup(std::shared_ptr<State> state);
  friend Result<std::unique_ptr<SignerGroup>> make_signer_group(
      std::vector<std::unique_ptr<Signer>> members, const GroupOptions& options);

  std::shared_ptr<State> state_;
};

}  // namespace signet::hsm
