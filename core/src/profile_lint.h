// The startup lint of profiles (signet issue 4, item 4): before a ProfileSet is accepted, every
// leaf profile's sample certificates — one per subject key type it accepts and per CA key type
// (P-256, P-384, RSA-2048, Ed25519) — are written by the hot path's TBS writer and judged by
// lint_certificate(). A profile whose certificates would lint dirty is a configuration error.
#pragma once

#include "signet/core/profile.h"
#include "signet/core/result.h"

namespace signet {

// kInvalidArgument naming the profile, the key pairing and the findings. CA profiles are not
// templated (their certificates come from `signet ca init`, linted in its tests) and pass.
[[nodiscard]] Status lint_profile_samples(const Profile& profile);

// The same on a spec as it stands: Profile::create's own checks already refuse every dirty spec
// known today, so tests reach the lint itself through this seam.
[[nodiscard]] Status lint_profile_spec(const ProfileSpec& spec);

}  // namespace signet
