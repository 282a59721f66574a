// What sync last applied to an object, recorded on the object itself, so a
// later plan can tell a source change from a live edit: when the live object
// differs from the source while its record still matches what the source
// says now, the source did not change since sync wrote it, so somebody
// edited the object, and the update that reverts the edit is a drift repair.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "api/types.h"
#include "gitops/plan.h"

namespace cara::gitops {

// "sha256:<hex>" of the comparable view sync applied. Written with every
// sync write; plans never count it as a difference.
inline constexpr char kAppliedHashAnnotation[] = "caravanserai.io/applied-hash";

// The record of `view` (a desired object's comparable view: labels,
// annotations, spec; a Secret's key digests): its SHA-256 without the
// annotations whose values sync does not decide (this record and
// `caractrl rollout restart`'s restarted-at), so it depends on the source and
// the source id only.
std::string AppliedHash(nlohmann::json view);

// Removes the record from a comparable view: diffs and reports never show
// it, as they never count it.
void DropAppliedHash(nlohmann::json& view);

// Desired objects take the live record (or none), so the record itself is
// never a difference and an object already as the source says is not
// rewritten just to add one.
void KeepAppliedHash(const api::ObjectMeta* live, api::StringMap& want_annotations);

// The record a write carries: sync's is `applied` (what it writes now);
// `caractrl apply` (no source id) keeps the live one, so applying something
// else by hand reads as a live edit at the next sync.
std::string AppliedHashToWrite(const PlanOptions& o, const api::ObjectMeta* live,
                               const std::string& applied);

// True when a sync update of `live` reverts a live edit: the live object
// records that sync applied exactly `applied`, what the source says now.
bool RevertsLiveEdit(const PlanOptions& o, const api::ObjectMeta& live, const std::string& applied);

}  // namespace cara::gitops
