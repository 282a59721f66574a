// caractrl rollout restart project NAME... (or project/NAME...): sets the
// annotation caravanserai.io/restarted-at to now through the API. The server
// counts a new value as a spec change: a new generation, so the agent
// recreates every service, and a Failed project goes back to Pending.
#include <ostream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "api/types.h"
#include "api/validation.h"
#include "cli/commands.h"
#include "common/time_format.h"

namespace cara::cli {
namespace {

using nlohmann::json;

// A concurrent writer (the agent's status, a controller) may win the race
// between our GET and PUT; the annotation is re-applied on the fresh object.
constexpr int kConflictRetries = 5;

bool IsProjectKind(const std::string& kind) { return kind == "project" || kind == "projects"; }

// Project names from `project NAME...` or `project/NAME...`; empty after
// reporting a usage error.
std::vector<std::string> ProjectNamesOrReport(const CliContext& ctx,
                                              const std::vector<std::string>& args) {
  std::vector<std::string> names;
  auto usage = [&](const std::string& message) {
    ReportError(ctx, "rollout restart: " + message, kExitInvalid);
    return std::vector<std::string>{};
  };
  if (args.empty()) return usage("expected project NAME or project/NAME");
  if (args[0].find('/') == std::string::npos) {
    if (!IsProjectKind(args[0])) {
      return usage("unknown resource type " + api::GoQuote(args[0]) + ": expected project");
    }
    names.assign(args.begin() + 1, args.end());
    if (names.empty()) return usage("a project name is required");
    return names;
  }
  for (const std::string& arg : args) {
    size_t slash = arg.find('/');
    if (slash == std::string::npos || !IsProjectKind(arg.substr(0, slash)) ||
        slash + 1 == arg.size()) {
      return usage("expected project/NAME, got " + api::GoQuote(arg));
    }
    names.push_back(arg.substr(slash + 1));
  }
  return names;
}

// GET, set the annotation, PUT with the resourceVersion read.
Status RestartOnce(const CliContext& ctx, const std::string& path) {
  auto got = ctx.client->Get(path);
  CARA_RETURN_IF_ERROR(ExpectSuccess(got));
  json project = json::parse(got->body, nullptr, /*allow_exceptions=*/false);
  if (!project.is_object() || !project["metadata"].is_object()) {
    return Status::Internal("the server returned an unreadable project");
  }
  json& annotations = project["metadata"]["annotations"];
  if (!annotations.is_object()) annotations = json::object();
  annotations[api::kRestartedAtAnnotation] = FormatRfc3339(ctx.clock->Now());
  return ExpectSuccess(ctx.client->Put(path, project.dump()));
}

int RestartOne(const CliContext& ctx, const std::string& name) {
  const std::string path = "/api/v1/projects/" + PathEscape(name);
  Status st = RestartOnce(ctx, path);
  for (int retry = 0; retry < kConflictRetries && st.code() == Code::kConflict; ++retry) {
    st = RestartOnce(ctx, path);
  }
  if (!st.ok()) return ReportError(ctx, ObjectError("restart", "project", name, st));
  *ctx.out << "project/" << name << " restarted\n";
  return kExitOk;
}

}  // namespace

int RunRolloutRestart(const CliContext& ctx, const std::vector<std::string>& args) {
  std::vector<std::string> names = ProjectNamesOrReport(ctx, args);
  if (names.empty()) return kExitInvalid;
  int failures = 0;
  for (const std::string& name : names) {
    if (RestartOne(ctx, name) != kExitOk) ++failures;
  }
  return failures == 0 ? kExitOk : kExitError;
}

}  // namespace cara::cli
