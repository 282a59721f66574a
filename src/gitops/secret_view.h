// How a plan sees a Secret without ever holding a value in what it shows.
// A manifest's keys are compared with the live Secret through their source
// digests (security/secret_digest.h): the server reports the digest of what
// was applied, the manifest side is computed from stringData/sealedData. The
// views shown in diffs and reports name the keys only; a key whose digest
// differs reads "(secret value changed)".
#pragma once

#include <nlohmann/json.hpp>

#include "api/types.h"

namespace cara::gitops {

inline constexpr char kSecretValueShown[] = "(secret value)";
inline constexpr char kSecretValueChanged[] = "(secret value changed)";

// The source digest of every key of a manifest's Secret.
api::StringMap SourceDigests(const api::Secret& secret);

// The Secret as compared: the effective type, and for a manifest its
// digests in place of its values (which are dropped).
void MakeComparable(api::Secret& secret);

// Labels, annotations, type and `data: {key: "(secret value)"}`.
nlohmann::json SecretView(const api::Secret& secret);

// In the `after` view, the keys whose digests differ from `have`'s read
// "(secret value changed)".
void MarkChangedValues(const api::Secret& want, const api::Secret& have, nlohmann::json* after);

// A Secret request body with its values replaced by their digests (what
// the server would answer): safe to print or hash.
nlohmann::json WithoutValues(const nlohmann::json& body);

}  // namespace cara::gitops
