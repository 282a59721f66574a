// The last steps of ComputePlan (plan.cc), on the finished actions: the
// prune guards that make sync refuse a plan, and the plan hash.
#pragma once

#include <string>
#include <vector>

#include "gitops/plan.h"

namespace cara::gitops {

// "the source has no manifests; ...", "the plan deletes 12 objects, more
// than the limit of 10 (--max-delete)"; none for caractrl apply (no source
// id). `desired`: the manifests the plan selected.
std::vector<std::string> PlanRefusals(const Plan& plan, size_t desired, const PlanOptions& o);

// Hex SHA-256 over what the plan would write, minus resourceVersions:
// heartbeats bump a node's version every few seconds, and the same changes
// must hash the same. A Secret counts by its digests: the hash is printed,
// and must not be a fast hash of a (guessable) value.
std::string PlanHash(const Plan& plan);

}  // namespace cara::gitops
