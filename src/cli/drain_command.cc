// caractrl drain|undrain NODE... (or node/NAME...): sets or clears a Node's
// spec.unschedulable through the API. The server makes a node with it
// Draining at once (nothing new is placed there; what runs keeps running) and
// returns it to Ready or NotReady by heartbeat age when it is cleared.
#include <ostream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "api/validation.h"
#include "cli/commands.h"

namespace cara::cli {
namespace {

using nlohmann::json;

// The agent's heartbeat rewrites the node every few seconds and may win the
// race between our GET and PUT; the change is re-applied on the fresh object.
constexpr int kConflictRetries = 5;
constexpr const char* kSourceAnnotation = "caravanserai.io/source";

// Node names from `NAME...` or `node/NAME...`; empty after reporting a usage error.
std::vector<std::string> NodeNamesOrReport(const CliContext& ctx, const char* verb,
                                           const std::vector<std::string>& args) {
  std::vector<std::string> names;
  for (const std::string& arg : args) {
    std::string name = arg;
    if (size_t slash = arg.find('/'); slash != std::string::npos) {
      std::string kind = arg.substr(0, slash);
      if (kind != "node" && kind != "nodes") {
        ReportError(ctx,
                    std::string(verb) + ": expected NODE or node/NODE, got " + api::GoQuote(arg),
                    kExitInvalid);
        return {};
      }
      name = arg.substr(slash + 1);
    }
    if (name.empty()) {
      ReportError(ctx, std::string(verb) + ": a node name is required", kExitInvalid);
      return {};
    }
    names.push_back(name);
  }
  if (names.empty())
    ReportError(ctx, std::string(verb) + ": a node name is required", kExitInvalid);
  return names;
}

struct DrainOutcome {
  bool changed = false;
  std::string source;  // the GitOps source that owns the node, if any
};

// GET, set spec.unschedulable, PUT with the resourceVersion read (so a
// concurrent edit of labels or spec is never overwritten).
Result<DrainOutcome> SetUnschedulableOnce(const CliContext& ctx, const std::string& path,
                                          bool unschedulable) {
  auto got = ctx.client->Get(path);
  CARA_RETURN_IF_ERROR(ExpectSuccess(got));
  json node = json::parse(got->body, nullptr, /*allow_exceptions=*/false);
  if (!node.is_object() || !node["metadata"].is_object()) {
    return Status::Internal("the server returned an unreadable node");
  }
  DrainOutcome outcome;
  const json& annotations = node["metadata"]["annotations"];
  if (annotations.is_object() && annotations.contains(kSourceAnnotation) &&
      annotations[kSourceAnnotation].is_string()) {
    outcome.source = annotations[kSourceAnnotation].get<std::string>();
  }
  json& spec = node["spec"];
  if (!spec.is_object()) spec = json::object();
  bool current = spec.value("unschedulable", false);
  if (current == unschedulable) return outcome;
  spec["unschedulable"] = unschedulable;
  CARA_RETURN_IF_ERROR(ExpectSuccess(ctx.client->Put(path, node.dump())));
  outcome.changed = true;
  return outcome;
}

int SetOne(const CliContext& ctx, const std::string& name, bool unschedulable) {
  const char* verb = unschedulable ? "drain" : "undrain";
  const std::string path = "/api/v1/nodes/" + PathEscape(name);
  auto outcome = SetUnschedulableOnce(ctx, path, unschedulable);
  for (int retry = 0;
       retry < kConflictRetries && !outcome.ok() && outcome.status().code() == Code::kConflict;
       ++retry) {
    outcome = SetUnschedulableOnce(ctx, path, unschedulable);
  }
  if (!outcome.ok()) return ReportError(ctx, ObjectError(verb, "node", name, outcome.status()));
  const char* done = unschedulable ? "drained" : "undrained";
  *ctx.out << "node/" << name << (outcome->changed ? " " : " already ") << done << "\n";
  if (outcome->changed && !outcome->source.empty()) {
    *ctx.err << "warning: node/" << name << " is synced from " << outcome->source
             << ": the next sync sets spec.unschedulable back to what the source says; "
                "change it there to keep it\n";
  }
  return kExitOk;
}

}  // namespace

int RunSetUnschedulable(const CliContext& ctx, const std::vector<std::string>& args,
                        bool unschedulable) {
  std::vector<std::string> names =
      NodeNamesOrReport(ctx, unschedulable ? "drain" : "undrain", args);
  if (names.empty()) return kExitInvalid;
  int failures = 0;
  for (const std::string& name : names) {
    if (SetOne(ctx, name, unschedulable) != kExitOk) ++failures;
  }
  return failures == 0 ? kExitOk : kExitError;
}

}  // namespace cara::cli
