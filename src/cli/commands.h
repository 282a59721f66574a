// caractrl's commands. main.cc only parses flags (CLI11 lives in one TU);
// each Run* function does the work and returns the process exit code.
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

#include "cli/api_client.h"
#include "cli/output.h"
#include "cli/resource_kind.h"
#include "cli/watch_endpoints.h"
#include "common/clock.h"
#include "gitops/manifest_set.h"
#include "gitops/source_spec.h"

namespace cara::cli {

// Exit codes, documented in --help.
inline constexpr int kExitOk = 0;
inline constexpr int kExitError = 1;    // API or transport failure
inline constexpr int kExitInvalid = 2;  // invalid manifests or usage; nothing applied
// diff and sync.
inline constexpr int kExitDiffers = 1;      // diff: the cluster differs from the source
inline constexpr int kExitRefused = 3;      // sync: a prune guard refused the plan
inline constexpr int kExitWaitTimeout = 4;  // sync --wait: timed out
inline constexpr int kExitSuspended = 5;    // sync: the source is suspended (see --resume)

struct CliContext {
  ApiClient* client;
  OutputFormat format;
  std::ostream* out;
  std::ostream* err;
  Clock* clock;
  bool color = false;  // ANSI colours allowed on *out (a TTY, NO_COLOR unset)
};

struct VersionOptions {
  bool client_only = false;  // --client: do not ask the server
};
int RunVersion(const CliContext& ctx, const VersionOptions& options);

struct GetOptions {
  std::string resource;            // node(s), project(s) or secret(s)
  std::vector<std::string> names;  // empty: the whole list
  std::string phase;               // projects only, any case
  std::string selector;            // -l: a Kubernetes label selector, sent to the server
  bool watch = false;              // -w: keep printing objects as they change
  bool no_headers = false;         // tables without the header line
  std::string for_object;          // events: --for project/NAME | node/NAME
};
int RunGet(const CliContext& ctx, const GetOptions& options);
// get events (events_command.cc): RunGet hands them over.
bool IsEventsWord(const std::string& word);
int RunGetEvents(const CliContext& ctx, const GetOptions& options);

struct ApplyOptions {
  std::string path;       // file, directory or "-" for stdin
  std::string expire_in;  // duration (Go syntax or days: 3d); sets spec.expireAt on Projects
  bool dry_run = false;
};
int RunApply(const CliContext& ctx, const ApplyOptions& options);

struct SealOptions {
  std::string path;             // file, directory or "-" for stdin
  std::string public_key_file;  // the JSON of GET /api/v1/secrets/publickey; empty: ask
};
int RunSeal(const CliContext& ctx, const SealOptions& options);

struct DescribeOptions {
  std::string resource;  // node(s), project(s) or secret(s)
  std::vector<std::string> names;
};
int RunDescribe(const CliContext& ctx, const DescribeOptions& options);

struct DeleteOptions {
  std::string resource;  // node(s), project(s) or secret(s) (empty with -f)
  std::vector<std::string> names;
  std::string path;               // -f FILE|DIR|-: delete every object the manifests name
  bool force = false;             // projects: ?force=true
  bool ignore_not_found = false;  // a missing object counts as deleted
};
int RunDelete(const CliContext& ctx, const DeleteOptions& options);

struct LogsOptions {
  std::string target;  // <project>/<service>
  std::string node;    // node name, or host:port of the agent
  bool follow = false;
  std::string tail = "all";
  bool timestamps = false;
};
int RunLogs(const CliContext& ctx, const LogsOptions& options);

struct PortForwardOptions {
  std::string target;  // <project>/<service>
  std::string ports;   // [LOCAL:]REMOTE
  std::string node;
};
int RunPortForward(const CliContext& ctx, const PortForwardOptions& options);

struct GitOpsOptions {
  gitops::SourceSpec source;  // a directory, or --repo/--ref/--path; --source-id
  std::string base;           // diff --base REV: compare two revisions, no server
  bool prune = true;
  bool prune_nodes = false;
  bool allow_empty = false;
  bool allow_plain_secrets = false;  // sync: take Secrets with stringData from the source
  int max_delete = -1;               // < 0: max(10, 25% of the owned objects)
  bool dry_run = false;
  bool wait = false;
  std::string timeout = "5m";
  bool watch = false;
  std::string interval = "30s";
  int parallelism = 8;  // concurrent writes within a stage
  // sync --watch: receivers of a message per cycle that wrote or failed.
  std::vector<std::string> notify;
  std::string notify_format = "json";  // json | slack
  bool show_noops = false;             // also list objects already in sync
  std::string selector;                // --selector: a partial sync of the manifests it matches
  bool resume = false;                 // sync --resume: lift the source's suspension first
  WatchEndpointOptions endpoints;      // sync --watch: --webhook-listen, --metrics-listen
  // sync --source ID: the source's id. With a location it must be the id of
  // what is synced; without one, the Git source the id names is synced.
  std::string source_id_arg;
  // rollback: the source it has just suspended is written all the same.
  bool ignore_suspension = false;
};
int RunDiff(const CliContext& ctx, const GitOpsOptions& options);

struct TokenCreateOptions {
  std::string role;
  std::string ttl;  // duration (Go syntax or days); empty: until revoked
  std::string name_prefix;
  std::string max_ttl;
  std::string description;
};
int RunTokenCreate(const CliContext& ctx, const TokenCreateOptions& options);
int RunTokenList(const CliContext& ctx);
int RunTokenRevoke(const CliContext& ctx, const std::string& id);

struct AuditOptions {
  int limit = 100;
};
int RunAudit(const CliContext& ctx, const AuditOptions& options);
int RunSync(const CliContext& ctx, const GitOpsOptions& options);

// Sync history and suspension (cli/history_command.cc).
struct HistoryOptions {
  std::string source;  // empty: every source's runs
};
int RunHistory(const CliContext& ctx, const HistoryOptions& options);
struct RollbackOptions {
  std::string source;  // the source id (as history shows it)
  std::string to;      // a run id of its history or a commit id
  GitOpsOptions sync;  // --repo/--path override the location the id names; --wait, ...
};
int RunRollback(const CliContext& ctx, const RollbackOptions& options);
struct SuspendOptions {
  std::string source;
  std::string reason;
};
int RunSuspend(const CliContext& ctx, const SuspendOptions& options);
int RunResume(const CliContext& ctx, const std::string& source);

// rollout restart: `project NAME...` or `project/NAME...`.
int RunRolloutRestart(const CliContext& ctx, const std::vector<std::string>& args);

// drain / undrain: `NODE...` or `node/NODE...`; sets or clears spec.unschedulable.
int RunSetUnschedulable(const CliContext& ctx, const std::vector<std::string>& args,
                        bool unschedulable);

// Reads and validates every manifest under `path`. On any error it prints
// them all, then "N error(s) in manifests; nothing was <done>", and returns
// kExitInvalid; otherwise kExitOk with `kind_first` manifests moved to the
// front (file order otherwise).
int LoadManifestsOrReport(const CliContext& ctx, const std::string& path, const char* done,
                          const char* kind_first, gitops::ManifestSet* out);

// The resource argument of get, describe and delete: sets *kind for
// node|nodes, project|projects, secret|secrets and returns kExitOk; reports
// anything else ("unknown resource type "x": expected <expected>") and
// returns kExitInvalid.
int ParseResourceOrReport(const CliContext& ctx, const std::string& resource, const char* expected,
                          ResourceKind* kind);

// describe and delete: the resource, then at least one name ("<verb> node:
// a name is required").
int ParseObjectArgsOrReport(const CliContext& ctx, const char* verb, const std::string& resource,
                            const std::vector<std::string>& names, ResourceKind* kind);

// "Error: <message>" on stderr; returns code.
int ReportError(const CliContext& ctx, const std::string& message, int code = kExitError);

}  // namespace cara::cli
