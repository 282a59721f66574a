#include "api/semantic_rules.h"

#include <algorithm>
#include <set>
#include <string>
#include <string_view>

#include "api/label_syntax.h"
#include "api/quantity.h"
#include "api/secret_rules.h"
#include "api/validation.h"
#include "api/workload_rules.h"

namespace cara::api {
namespace {

// The list being built; Reference() marks the reference implementation's checks.
class Violations {
 public:
  void Add(std::string pointer, std::string message, bool reference = false) {
    Violation v;
    v.pointer = std::move(pointer);
    v.message = std::move(message);
    v.reference = reference;
    list_.push_back(std::move(v));
  }
  void Reference(std::string pointer, std::string message) {
    Add(std::move(pointer), std::move(message), /*reference=*/true);
  }
  std::vector<Violation> Take() { return std::move(list_); }

 private:
  std::vector<Violation> list_;
};

std::string Index(const char* list, size_t i) {
  return std::string("/spec/") + list + "/" + std::to_string(i);
}

// [a-z0-9]([-a-z0-9]*[a-z0-9])?, at most 63: names that become DNS aliases
// and parts of Docker object names.
bool IsDnsLabel(std::string_view s) {
  auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  if (s.empty() || s.size() > 63 || !alnum(s.front()) || !alnum(s.back())) return false;
  for (char c : s) {
    if (!alnum(c) && c != '-') return false;
  }
  return true;
}

const char kDnsLabelRule[] =
    " is invalid: must be at most 63 lowercase alphanumeric characters or '-', starting and "
    "ending with an alphanumeric character";

// ---- metadata -------------------------------------------------------------------

void CheckMap(const StringMap& map, const char* field, size_t max_entries, bool label_values,
              Violations& out) {
  const std::string base = std::string("/metadata/") + field;
  if (map.size() > max_entries) {
    // Listing each entry of an oversized map would only bury this message.
    out.Add(base, "has " + std::to_string(map.size()) + " entries: must have no more than " +
                      std::to_string(max_entries) + " " + field);
    return;
  }
  for (const auto& [key, value] : map) {
    std::string pointer = base;
    AppendPointerToken(pointer, key);
    if (Status st = ValidateLabelKey(key); !st.ok()) out.Add(pointer, st.message());
    if (!label_values) continue;
    if (Status st = ValidateLabelValue(value); !st.ok()) out.Add(pointer, st.message());
  }
}

void CheckName(const ObjectMeta& meta, const RuleOptions& options, Violations& out) {
  if (!options.check_name) return;
  if (Status st = ValidateName(meta.name); !st.ok()) out.Reference("/metadata/name", st.message());
}

void CheckLabelsAndAnnotations(const ObjectMeta& meta, Violations& out) {
  CheckMap(meta.labels, "labels", kMaxLabels, /*label_values=*/true, out);
  CheckMap(meta.annotations, "annotations", kMaxAnnotations, /*label_values=*/false, out);
  size_t bytes = 0;
  for (const StringMap* map : {&meta.labels, &meta.annotations}) {
    for (const auto& [key, value] : *map) bytes += key.size() + value.size();
  }
  if (bytes > kMaxMetadataBytes) {
    out.Add("/metadata", "labels and annotations take " + std::to_string(bytes) +
                             " bytes: must be no more than " + std::to_string(kMaxMetadataBytes) +
                             " bytes (256 KiB) together");
  }
}

// ---- the reference's spec checks --------------------------------------------

void CheckServicesAsReference(const ProjectSpec& spec, Violations& out) {
  if (spec.services.empty()) {
    out.Reference("/spec/services", "spec.services must contain at least one service");
  }
  for (size_t i = 0; i < spec.services.size(); ++i) {
    if (spec.services[i].name.empty()) {
      out.Reference(Index("services", i) + "/name", "each service must have a non-empty name");
    }
  }
  for (size_t i = 0; i < spec.services.size(); ++i) {
    const ServiceDef& s = spec.services[i];
    if (s.image.empty()) {
      out.Reference(Index("services", i) + "/image", "service " + s.name + ": image is required");
    }
  }
}

// Entry by entry, each entry's checks in the reference order, so the first
// reference violation is the error the reference returns.
void CheckIngressAsReference(const ProjectSpec& spec, Violations& out) {
  std::set<std::string> services;
  for (const auto& s : spec.services) services.insert(s.name);
  std::set<std::string> names;
  for (size_t i = 0; i < spec.ingress.size(); ++i) {
    const IngressDef& in = spec.ingress[i];
    const std::string at = Index("ingress", i);
    if (in.name.empty()) {
      out.Reference(at + "/name", "each ingress entry must have a non-empty name");
    } else if (!names.insert(in.name).second) {
      out.Reference(at + "/name", "duplicate ingress name: " + in.name);
    }
    if (!services.count(in.target_service)) {
      out.Reference(at + "/target/service", "ingress " + in.name + ": target service " +
                                                in.target_service +
                                                " does not exist in spec.services");
    }
    if (in.target_port <= 0) {
      out.Reference(at + "/target/port",
                    "ingress " + in.name + ": target port must be greater than 0");
    }
    if (!in.access_scope.empty() && in.access_scope != "Internal") {
      out.Reference(at + "/access/scope",
                    "ingress " + in.name + ": only \"Internal\" scope is supported");
    }
  }
}

// ---- our spec rules ----------------------------------------------------------------

std::string EnvNameProblem(const std::string& name) {
  if (name.empty()) return "must not be empty";
  for (unsigned char c : name) {
    if (c == '=') return "must not contain '='";
    if (c < 0x20 || c == 0x7f) return "must not contain control characters";
  }
  return "";
}

void CheckEnv(const ServiceDef& s, const std::string& at, Violations& out) {
  std::set<std::string> names;
  for (size_t j = 0; j < s.env.size(); ++j) {
    const std::string& name = s.env[j].name;
    const std::string pointer = at + "/env/" + std::to_string(j) + "/name";
    if (std::string problem = EnvNameProblem(name); !problem.empty()) {
      out.Add(pointer, "service " + s.name + ": env name " + GoQuote(name) + " " + problem);
    } else if (!names.insert(name).second) {
      out.Add(pointer, "service " + s.name + ": duplicate env name: " + name);
    }
  }
}

void CheckMounts(const ServiceDef& s, const std::string& at, const std::set<std::string>& volumes,
                 Violations& out) {
  std::set<std::string> paths;
  for (size_t j = 0; j < s.volume_mounts.size(); ++j) {
    const VolumeMount& m = s.volume_mounts[j];
    const std::string mount = at + "/volumeMounts/" + std::to_string(j);
    if (!volumes.count(m.name)) {
      out.Add(mount + "/name", "service " + s.name + ": volume " + GoQuote(m.name) +
                                   " does not exist in spec.volumes");
    }
    if (m.mount_path.empty() || m.mount_path.front() != '/') {
      out.Add(mount + "/mountPath", "service " + s.name + ": mountPath " + GoQuote(m.mount_path) +
                                        " must be an absolute path");
    } else if (!paths.insert(m.mount_path).second) {
      out.Add(mount + "/mountPath", "service " + s.name + ": duplicate mountPath " + m.mount_path);
    }
  }
}

void CheckServices(const ProjectSpec& spec, Violations& out) {
  std::set<std::string> volumes;
  for (size_t i = 0; i < spec.volumes.size(); ++i) {
    const std::string& name = spec.volumes[i].name;
    const std::string pointer = Index("volumes", i) + "/name";
    if (!IsDnsLabel(name)) {
      out.Add(pointer, "volume name " + GoQuote(name) + kDnsLabelRule);
    } else if (!volumes.insert(name).second) {
      out.Add(pointer, "duplicate volume name: " + name);
    }
  }
  std::set<std::string> names;
  for (size_t i = 0; i < spec.services.size(); ++i) {
    const ServiceDef& s = spec.services[i];
    const std::string at = Index("services", i);
    if (s.name.empty()) {
      // reported by the reference's check
    } else if (!IsDnsLabel(s.name)) {
      out.Add(at + "/name", "service name " + GoQuote(s.name) + kDnsLabelRule);
    } else if (!names.insert(s.name).second) {
      out.Add(at + "/name", "duplicate service name: " + s.name);
    }
    CheckEnv(s, at, out);
    CheckMounts(s, at, volumes, out);
  }
}

// The reference takes any host; one with blanks or control characters can
// never match a Host header, and the store keeps hosts as plain text.
void CheckIngressHosts(const ProjectSpec& spec, Violations& out) {
  for (size_t i = 0; i < spec.ingress.size(); ++i) {
    const IngressDef& in = spec.ingress[i];
    bool printable = std::all_of(in.host.begin(), in.host.end(),
                                 [](unsigned char c) { return c > 0x20 && c != 0x7f; });
    if (printable) continue;
    out.Add(Index("ingress", i) + "/host", "ingress " + in.name + ": host " + GoQuote(in.host) +
                                               " must not contain blanks or control characters");
  }
}

void CheckQuantity(const std::string& value, const char* field, Violations& out) {
  if (value.empty()) return;
  auto q = ParseQuantity(value);
  if (!q.ok()) {
    out.Add(std::string("/spec/resources/") + field, q.status().message());
  } else if (q->milli < 0) {
    out.Add(std::string("/spec/resources/") + field,
            "quantity " + GoQuote(value) + " must not be negative");
  }
}

// What the agent reports of a node's resources: quantities the scheduler can
// compare. It reads one it cannot parse as unlimited room (NodeAllocatable),
// so a typo would silently attract every project.
void CheckStatusQuantities(const NodeStatus& status, Violations& out) {
  const std::pair<const char*, const StringMap*> lists[] = {{"capacity", &status.capacity},
                                                            {"allocatable", &status.allocatable}};
  for (const auto& [list, values] : lists) {
    for (const auto& [key, value] : *values) {
      std::string pointer = std::string("/status/") + list;
      AppendPointerToken(pointer, key);
      auto q = ParseQuantity(value);
      if (!q.ok()) {
        out.Add(pointer, q.status().message());
      } else if (q->milli < 0) {
        out.Add(pointer, "quantity " + GoQuote(value) + " must not be negative");
      }
    }
  }
}

}  // namespace

std::vector<Violation> CheckNode(const Node& node, const RuleOptions& options) {
  Violations out;
  CheckName(node.metadata, options, out);
  CheckLabelsAndAnnotations(node.metadata, out);
  CheckStatusQuantities(node.status, out);
  return out.Take();
}

std::vector<Violation> CheckProject(const Project& project, const RuleOptions& options) {
  Violations out;
  CheckName(project.metadata, options, out);
  CheckServicesAsReference(project.spec, out);
  CheckIngressAsReference(project.spec, out);
  CheckServices(project.spec, out);
  CheckIngressHosts(project.spec, out);
  CheckQuantity(project.spec.resources.cpu, "cpu", out);
  CheckQuantity(project.spec.resources.memory, "memory", out);
  std::vector<Violation> violations = out.Take();
  CheckWorkload(project.spec, violations);
  for (Violation& v : CheckSecretReferences(project.spec)) violations.push_back(std::move(v));
  CheckLabelsAndAnnotations(project.metadata, out);
  for (Violation& v : out.Take()) violations.push_back(std::move(v));
  return violations;
}

std::vector<Violation> CheckSecret(const Secret& secret, const RuleOptions& options) {
  Violations out;
  CheckName(secret.metadata, options, out);
  std::vector<Violation> violations = out.Take();
  for (Violation& v : CheckSecretData(secret)) violations.push_back(std::move(v));
  CheckLabelsAndAnnotations(secret.metadata, out);
  for (Violation& v : out.Take()) violations.push_back(std::move(v));
  return violations;
}

void AddViolation(std::vector<Violation>& out, std::string pointer, std::string message) {
  Violation v;
  v.pointer = std::move(pointer);
  v.message = std::move(message);
  out.push_back(std::move(v));
}

const Violation* FirstReferenceViolation(const std::vector<Violation>& violations) {
  for (const Violation& v : violations) {
    if (v.reference) return &v;
  }
  return nullptr;
}

std::vector<SchemaError> MergeWithSchemaErrors(const std::vector<Violation>& violations,
                                               const std::vector<SchemaError>& schema_errors) {
  std::vector<SchemaError> merged(violations.begin(), violations.end());
  std::set<std::string> covered;
  for (const auto& v : violations) covered.insert(v.pointer);
  for (const auto& e : schema_errors) {
    if (!covered.count(e.pointer)) merged.push_back(e);
  }
  std::stable_sort(merged.begin(), merged.end(), [](const SchemaError& a, const SchemaError& b) {
    return a.pointer < b.pointer;
  });
  return merged;
}

}  // namespace cara::api
