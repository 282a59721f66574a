// Field-level differences between two JSON views of an object. Lists whose
// items all carry a distinct "name" (services, volumes, env, ...) are matched
// by name, so reordering them is not a change; other lists compare whole.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace cara::gitops {

// One field that differs. Paths read like "spec.services[web].image" or
// `metadata.labels["app.io/tier"]`; a null before/after means the field is
// absent on that side.
struct FieldChange {
  std::string path;
  nlohmann::json before;
  nlohmann::json after;
};

// Appends every leaf that differs between `before` and `after`, in key order.
// A null on either side stands for "absent".
void DiffFields(const nlohmann::json& before, const nlohmann::json& after,
                std::vector<FieldChange>* out);

// Reorders the named lists inside `before` to follow the order of the same
// names in `after` (names only in `before` go last), so a rendered text diff
// shows real changes and not reordering.
void AlignNamedLists(nlohmann::json& before, const nlohmann::json& after);

}  // namespace cara::gitops
