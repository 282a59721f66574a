#include "cli/commands.h"

#include <algorithm>
#include <ostream>

#include "common/go_quote.h"

namespace cara::cli {

using gitops::Manifest;
using gitops::ManifestSet;

int ReportError(const CliContext& ctx, const std::string& message, int code) {
  *ctx.err << "Error: " << message << "\n";
  return code;
}

int ParseResourceOrReport(const CliContext& ctx, const std::string& resource, const char* expected,
                          ResourceKind* kind) {
  auto parsed = ParseResourceWord(resource);
  if (parsed) {
    *kind = *parsed;
    return kExitOk;
  }
  return ReportError(ctx, "unknown resource type " + GoQuote(resource) + ": expected " + expected,
                     kExitInvalid);
}

int ParseObjectArgsOrReport(const CliContext& ctx, const char* verb, const std::string& resource,
                            const std::vector<std::string>& names, ResourceKind* kind) {
  int rc = ParseResourceOrReport(ctx, resource, "node, project or secret", kind);
  if (rc != kExitOk || !names.empty()) return rc;
  return ReportError(ctx,
                     std::string(verb) + " " + NamesOf(*kind).singular + ": a name is required",
                     kExitInvalid);
}

int LoadManifestsOrReport(const CliContext& ctx, const std::string& path, const char* done,
                          const char* kind_first, ManifestSet* out) {
  auto files = gitops::ReadManifestFiles(path);
  if (!files.ok()) return ReportError(ctx, files.status().message(), kExitInvalid);
  *out = gitops::LoadManifestSet(*files);
  if (!out->errors.empty()) {
    for (const auto& e : out->errors) *ctx.err << e << "\n";
    return ReportError(
        ctx, std::to_string(out->errors.size()) + " error(s) in manifests; nothing was " + done,
        kExitInvalid);
  }
  if (out->manifests.empty())
    return ReportError(ctx, "no manifests found in " + path, kExitInvalid);
  std::stable_sort(out->manifests.begin(), out->manifests.end(),
                   [&](const Manifest& a, const Manifest& b) {
                     return a.kind == kind_first && b.kind != kind_first;
                   });
  return kExitOk;
}

}  // namespace cara::cli
