// Which objects a sync source owns, and the metadata every write carries:
// shared by the plans of all kinds (plan.cc, secret_plan.cc).
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "api/types.h"
#include "gitops/plan.h"

namespace cara::gitops {

std::string Lookup(const api::StringMap& map, const std::string& key);
std::string SourceOf(const api::ObjectMeta& m);

// Labelled managed-by=caractrl and annotated with this (non-empty) source id.
bool Owned(const api::ObjectMeta& m, const std::string& source_id);

// Another sync source claims the object: writing it would start a tug of war.
bool OwnedByOther(const api::ObjectMeta& m, const std::string& source_id);

// Adds this source's label and annotation (nothing for caractrl apply).
void AddOwnership(api::ObjectMeta& m, const std::string& source_id);

// caractrl apply writes no ownership of its own but keeps sync's, so an
// object applied by hand stays prunable by the source that owns it.
void KeepOwnership(const api::ObjectMeta& live, api::ObjectMeta& want);

// The request body's metadata: name, the manifest's labels and annotations,
// ownership (added by sync, kept by apply), and for updates the live
// resourceVersion so a concurrent edit fails with a conflict instead of
// being overwritten.
nlohmann::json WriteMetadata(const DesiredObject& d, const api::ObjectMeta* live,
                             const PlanOptions& o);

}  // namespace cara::gitops
