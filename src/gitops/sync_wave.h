// caravanserai.io/sync-wave: the order in which sync writes objects. Writes
// run wave by wave (ascending), deletes in the reverse order, so a database
// in wave 0 exists before the app of wave 1 that needs it, and outlives it
// when both are pruned. Objects without the annotation are in wave 0.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "api/manifest.h"
#include "api/types.h"
#include "common/status.h"

namespace cara::gitops {

inline constexpr char kSyncWaveAnnotation[] = "caravanserai.io/sync-wave";

// The wave these annotations put an object in: 0 without the annotation; an
// Invalid status for a value that is not a decimal integer ("-1", "3") that
// fits an int.
Result<int> ParseSyncWave(const api::StringMap& annotations);

// The wave of a manifest as loaded (metadata.annotations); 0 when it has
// none or an invalid one (the manifest's validation reports that).
int SyncWaveOf(const nlohmann::json& document);

// "file:line:col: /metadata/annotations/caravanserai.io~1sync-wave: ..."
// for a manifest whose sync wave is not an integer; "" otherwise (also for a
// non-string value, which the schema reports).
std::string SyncWaveError(const api::ManifestDocument& document);

}  // namespace cara::gitops
