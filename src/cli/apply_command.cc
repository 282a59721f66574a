// caractrl apply -f PATH: validate every document, then create or update each
// object, reporting created / configured / unchanged (product.md §6).
#include <algorithm>
#include <ostream>

#include <nlohmann/json.hpp>

#include "api/codec.h"
#include "cli/commands.h"
#include "cli/manifest_set.h"
#include "common/time_format.h"

namespace cara::cli {
namespace {

using nlohmann::json;

std::string Collection(const std::string& kind) {
  return kind == api::kKindNode ? "nodes" : "projects";
}

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

// True when the live object already has what the manifest asks for: the
// fields PUT would write (spec, labels, annotations), compared as decoded
// values so formatting and key order never count as a change.
bool UpToDate(const std::string& kind, const json& desired, const std::string& live_body) {
  if (kind == api::kKindNode) {
    auto want = api::DecodeNode(desired);
    auto have = api::ParseNode(live_body);
    return want.ok() && have.ok() && want->spec == have->spec &&
           want->metadata.labels == have->metadata.labels &&
           want->metadata.annotations == have->metadata.annotations;
  }
  auto want = api::DecodeProject(desired);
  auto have = api::ParseProject(live_body);
  return want.ok() && have.ok() && want->spec == have->spec &&
         want->metadata.labels == have->metadata.labels &&
         want->metadata.annotations == have->metadata.annotations;
}

struct Outcome {
  std::string verb;  // created | configured | unchanged
  std::string body;  // the object as the server returned it
};

Result<Outcome> ApplyOne(const CliContext& ctx, const Manifest& m, const json& doc, bool dry_run) {
  std::string item = "/api/v1/" + Collection(m.kind) + "/" + PathEscape(m.name);
  auto live = ctx.client->Get(item);
  if (!live.ok()) return live.status();
  if (live->status == 404) {
    if (dry_run) return Outcome{"created", doc.dump()};
    auto created = ctx.client->Post("/api/v1/" + Collection(m.kind), doc.dump());
    CARA_RETURN_IF_ERROR(ExpectSuccess(created));
    return Outcome{"created", created->body};
  }
  CARA_RETURN_IF_ERROR(ExpectSuccess(live));
  if (UpToDate(m.kind, doc, live->body)) return Outcome{"unchanged", live->body};
  if (dry_run) return Outcome{"configured", doc.dump()};
  auto updated = ctx.client->Put(item, doc.dump());
  CARA_RETURN_IF_ERROR(ExpectSuccess(updated));
  return Outcome{"configured", updated->body};
}

void PrintOutcome(const CliContext& ctx, const Manifest& m, const Outcome& o, bool dry_run) {
  switch (ctx.format) {
    case OutputFormat::kJson:
      *ctx.out << RenderJson(o.body);
      break;
    case OutputFormat::kYaml:
      *ctx.out << RenderYaml(json::parse(o.body)) << "---\n";
      break;
    case OutputFormat::kTable:
      *ctx.out << Lower(m.kind) << "/" << m.name << " " << o.verb << (dry_run ? " (dry run)" : "")
               << "\n";
  }
}

}  // namespace

int RunApply(const CliContext& ctx, const ApplyOptions& o) {
  std::optional<Timestamp> expire_at;
  if (!o.expire_in.empty()) {
    auto d = ParseDuration(o.expire_in);
    if (!d.ok() || d->count() <= 0) {
      return ReportError(
          ctx, "--expire-in: " + (d.ok() ? std::string("must be positive") : d.status().message()),
          kExitInvalid);
    }
    expire_at = ctx.clock->Now() + *d;
  }
  ManifestSet set;
  // Nodes before Projects, file order otherwise.
  int loaded = LoadManifestsOrReport(ctx, o.path, "applied", api::kKindNode, &set);
  if (loaded != kExitOk) return loaded;
  int failures = 0;
  for (const Manifest& m : set.manifests) {
    json doc = m.document.value();
    if (expire_at && m.kind == api::kKindProject)
      doc["spec"]["expireAt"] = FormatRfc3339(*expire_at);
    auto outcome = ApplyOne(ctx, m, doc, o.dry_run);
    if (!outcome.ok()) {
      ReportError(ctx, "apply " + Lower(m.kind) + "/" + m.name + ": " + outcome.status().message());
      ++failures;
      continue;
    }
    PrintOutcome(ctx, m, *outcome, o.dry_run);
  }
  return failures == 0 ? kExitOk : kExitError;
}

}  // namespace cara::cli
