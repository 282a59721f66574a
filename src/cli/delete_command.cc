// caractrl delete node|project|secret NAME... [--force] [--ignore-not-found]
// and delete -f PATH: every object the manifests
// name, Projects first (a Node still holding Projects refuses deletion). The manifests are
// validated first; nothing is deleted if any is invalid. A failure for one object is reported and
// the rest are still deleted; the run then exits 1.
#include <algorithm>
#include <ostream>

#include "api/validation.h"
#include "cli/commands.h"
#include "cli/resource_printer.h"
#include "gitops/manifest_set.h"

namespace cara::cli {
namespace {

using gitops::Manifest;
using gitops::ManifestSet;

struct Target {
  ResourceKind kind = ResourceKind::kProject;
  std::string name;
};

std::string Singular(const Target& t) { return NamesOf(t.kind).singular; }

// Deletes one object; prints the outcome on stdout, or the error on stderr.
int DeleteOne(const CliContext& ctx, const Target& t, const DeleteOptions& o) {
  const bool project = t.kind == ResourceKind::kProject;
  std::string path = NamesOf(t.kind).collection + ("/" + PathEscape(t.name));
  if (project && o.force) path += "?force=true";
  const std::string quoted = api::GoQuote(t.name);
  auto response = ctx.client->Delete(path);
  Status st = ExpectSuccess(response);
  if (!st.ok() && st.code() == Code::kNotFound && o.ignore_not_found) return kExitOk;
  if (!st.ok()) return ReportError(ctx, ObjectError("delete", Singular(t), t.name, st));
  if (ctx.format == OutputFormat::kName) {
    *ctx.out << ObjectRef(t.kind, t.name) << "\n";
  } else if (project && response->status == 202) {
    *ctx.out << "project " << quoted << " is being deleted\n";
  } else {
    *ctx.out << Singular(t) << " " << quoted << " deleted\n";
  }
  return kExitOk;
}

int DeleteFromManifests(const CliContext& ctx, const DeleteOptions& o) {
  ManifestSet set;
  // Projects before Nodes, file order otherwise.
  int loaded = LoadManifestsOrReport(ctx, o.path, "deleted", api::kKindProject, &set);
  if (loaded != kExitOk) return loaded;
  int failures = 0;
  for (const Manifest& m : set.manifests) {
    Target t{FromKind(m.kind), m.name};
    if (DeleteOne(ctx, t, o) != kExitOk) ++failures;
  }
  return failures == 0 ? kExitOk : kExitError;
}

}  // namespace

int RunDelete(const CliContext& ctx, const DeleteOptions& o) {
  if (!o.path.empty()) {
    if (!o.resource.empty() || !o.names.empty()) {
      return ReportError(ctx, "delete: give either -f PATH or a resource and a name, not both",
                         kExitInvalid);
    }
    return DeleteFromManifests(ctx, o);
  }
  if (o.resource.empty()) {
    return ReportError(ctx, "delete: expected node|project|secret NAME, or -f PATH", kExitInvalid);
  }
  ResourceKind kind = ResourceKind::kProject;
  if (int rc = ParseObjectArgsOrReport(ctx, "delete", o.resource, o.names, &kind); rc != kExitOk) {
    return rc;
  }
  int failures = 0;
  for (const auto& name : o.names) {
    if (DeleteOne(ctx, Target{kind, name}, o) != kExitOk) ++failures;
  }
  return failures == 0 ? kExitOk : kExitError;
}

}  // namespace cara::cli
