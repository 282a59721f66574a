// The semantic rules of Nodes and Projects: everything the JSON Schema
// cannot say. One implementation, used by cara-server (a 400
// problem listing every violation with its JSON pointer) and by caractrl
// (file:line:col of each pointer). Structural checks (types, unknown fields,
// enums, formats, number ranges) stay the schema's job: see schema.h.
//
// Rules, in the order they are reported:
// * metadata.name (create only): required, at most 253 characters, lowercase
//   DNS-subdomain syntax.                                             [reference]
// * spec.services: at least one; every service has a name, then an image. [reference]
// * spec.ingress, entry by entry: a name, unique; the target service exists;
//   the target port is > 0; the scope is Internal.                   [reference]
// * service names: DNS labels (<= 63 of [a-z0-9-]), unique.
// * env names: non-empty, no '=' or control characters, unique per service.
// * volume names: DNS labels, unique; volumeMounts name a declared volume,
//   mountPath is absolute and unique per service.
// * ingress hosts: no blanks or control characters.
// * spec.resources.cpu / memory: quantities that fit in 64 bits.
// * a node's status.capacity / allocatable: quantities that fit in 64 bits,
//   not negative (also what a heartbeat carries).
// * the workload fields (ports, healthcheck, limits, dependsOn, nodeSelector):
//   workload_rules.h; references to Secrets: secret_rules.h.
// * metadata.labels: Kubernetes label keys and values (label_syntax.h);
//   metadata.annotations: label-syntax keys, any value.
// * limits: at most kMaxLabels labels, kMaxAnnotations annotations, and
//   kMaxMetadataBytes for all their keys and values together.
//
// [reference] marks the checks of the original implementation: their texts
// are kept exactly, and the first one that fails is what the API's problem `detail` says.
#pragma once

#include <cstddef>
#include <vector>

#include "api/schema.h"
#include "api/types.h"

namespace cara::api {

// Kubernetes-like bounds on the metadata of one object.
inline constexpr size_t kMaxLabels = 256;
inline constexpr size_t kMaxAnnotations = 256;
// Sum of the lengths of every label and annotation key and value.
inline constexpr size_t kMaxMetadataBytes = 256 * 1024;

// A rule violation: the JSON pointer of the offending value and a message.
struct Violation : SchemaError {
  // One of the reference implementation's checks (see above).
  bool reference = false;
};

// Appends a (non-reference) violation.
void AddViolation(std::vector<Violation>& out, std::string pointer, std::string message);

struct RuleOptions {
  // metadata.name is checked on create; a PUT takes the name from the path.
  bool check_name = true;
};

// Every violation, in the order listed above; empty when the object is valid.
std::vector<Violation> CheckNode(const Node& node, const RuleOptions& options = {});
std::vector<Violation> CheckProject(const Project& project, const RuleOptions& options = {});
// Name and metadata as above, then secret_rules.h.
std::vector<Violation> CheckSecret(const Secret& secret, const RuleOptions& options = {});

// The first reference violation, if any: the problem detail of the API.
const Violation* FirstReferenceViolation(const std::vector<Violation>& violations);

// One list for a document: every violation, plus the schema's errors at
// other pointers (where a rule speaks for a value, its message says more),
// ordered by pointer.
std::vector<SchemaError> MergeWithSchemaErrors(const std::vector<Violation>& violations,
                                               const std::vector<SchemaError>& schema_errors);

}  // namespace cara::api
