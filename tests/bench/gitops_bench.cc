// 2. GitOps: `caractrl diff` of N Project manifests (one file each, as in a
// repository) against a server holding the same N (targets: 10,000 in ≤ 1 s
// and ≤ 200 MiB RSS; 100,000 in ≤ 10 s and ≤ 1 GiB RSS; API calls
// O(kinds + objects / page)), and `caractrl sync` after `changed` of them
// were edited (target: ≤ 1.5× the bare PUTs). Figures: wall time and peak
// RSS of the caractrl process, and HTTP requests it made (the server's
// cara_http_requests_total before and after). Baselines: `caractrl get
// projects -o json` for diff (one list of everything: the least a diff must
// fetch), and for sync the same number of PUTs from one keep-alive client
// (the least a sync must write). The server runs API-only on SQLite.
//
// The 10,000 are created by a first sync; the 100,000 of the large row are
// written straight into the server's store (bulk_load.h) as exactly what a
// sync would have created (the plan engine's own create bodies), since
// 100,000 durable creates would take minutes.
//
// Needs `caractrl diff` and `caractrl sync`; until both are built the step
// reports n/a.
#include <httplib.h>
#include <fstream>
#include <stdexcept>

#include "api/codec.h"
#include "api/lifecycle.h"
#include "bench/bench.h"
#include "bench/bulk_load.h"
#include "bench/format.h"
#include "bench/manifests.h"
#include "bench/process_stats.h"
#include "bench/server_process.h"
#include "cli/output.h"
#include "gitops/manifest_source.h"
#include "gitops/plan.h"
#include "store/store.h"
#include "support/process.h"
#include "support/temp_dir.h"

namespace cara::bench {
namespace {

// The targets: 10,000 vs 10,000 and 100,000 vs 100,000.
struct DiffTarget {
  double seconds;
  double bytes;
  const char* text_seconds;
  const char* text_bytes;
};
constexpr DiffTarget kDiffTarget = {1.0, 200.0 * 1024 * 1024, "≤ 1 s", "≤ 200 MiB"};
constexpr DiffTarget kLargeDiffTarget = {10.0, 1024.0 * 1024 * 1024, "≤ 10 s", "≤ 1 GiB"};
constexpr double kTargetSyncRatio = 1.5;  // of the bare PUTs
// Manifests planned and loaded at a time when filling the large store.
constexpr int kLoadBatch = 10000;
constexpr int kKinds = 2;  // Node, Project
// "O(kinds + changed)": one list per kind plus one write per changed object,
// with a little slack for e.g. a version check. Lists are read in pages of
// caractrl's page size (cli::kListPageSize), so a list of n objects counts
// as n / 500 + 1 requests.
constexpr int kRequestSlack = 8;
constexpr int kListPageSize = 500;

// List requests for one list of `objects` objects read page by page.
int ListRequests(int objects) { return objects / kListPageSize + 1; }

// True when `caractrl --help` lists every one of the subcommands.
bool CaractrlHas(const std::string& caractrl, const std::vector<std::string>& subcommands) {
  CommandRun help = RunCommand({caractrl, "--help"});
  for (const auto& s : subcommands) {
    if (help.out.find("\n  " + s + " ") == std::string::npos) return false;
  }
  return true;
}

void WriteManifests(const std::string& dir, int from, int to, int revision) {
  for (int i = from; i < to; ++i) {
    std::ofstream(dir + "/" + ProjectName(i) + ".yaml")
        << cli::RenderYaml(ProjectDocument(i, revision));
  }
}

struct Measured {
  CommandRun run;
  uint64_t requests = 0;
};

// Runs caractrl against the server; throws unless it exits with `want_exit`.
Measured Caractrl(const ServerProcess& server, std::vector<std::string> args, int want_exit) {
  uint64_t before = server.RequestsServed();
  args.insert(args.begin(), {testing::BuiltBinary("caractrl"), "--server", server.url()});
  Measured m{RunCommand(args), 0};
  m.requests = server.RequestsServed() - before;
  if (m.run.exit_code != want_exit) {
    std::string cmd;
    for (size_t i = 1; i < args.size(); ++i) cmd += " " + args[i];
    throw std::runtime_error("caractrl" + cmd + " exited " + std::to_string(m.run.exit_code) +
                             " (expected " + std::to_string(want_exit) +
                             "): " + m.run.err.substr(0, 2000) + m.run.out.substr(0, 2000));
  }
  return m;
}

// `changed` PUTs of edited projects from one keep-alive client: the write floor of a sync.
double PutFloor(const ServerProcess& server, int changed, int revision) {
  httplib::Client client(server.url());
  client.set_tcp_nodelay(true);
  client.set_keep_alive(true);
  auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < changed; ++i) {
    auto res = client.Put(("/api/v1/projects/" + ProjectName(i)).c_str(),
                          ProjectDocument(i, revision).dump(), "application/json");
    if (!res || res->status != 200) throw std::runtime_error("PUT of an edited project failed");
  }
  return SecondsSince(start);
}

void ReportDiff(Report& report, int n, const DiffTarget& target, const Measured& diff,
                const Measured& get) {
  const std::string what =
      "gitops: caractrl diff, " + Thousands(n) + " manifests vs " + Thousands(n) + " objects";
  const std::string base = " `get projects -o json`";
  report.Add({what + ": wall", Seconds(diff.run.wall_seconds), Seconds(get.run.wall_seconds) + base,
              Ratio(diff.run.wall_seconds, get.run.wall_seconds), target.text_seconds,
              PassIf(diff.run.wall_seconds <= target.seconds)});
  report.Add({what + ": peak RSS", MiB(diff.run.peak_rss_bytes), MiB(get.run.peak_rss_bytes) + base,
              Ratio(diff.run.peak_rss_bytes, get.run.peak_rss_bytes), target.text_bytes,
              PassIf(diff.run.peak_rss_bytes <= target.bytes)});
  // Nodes fit in one page; projects take n / 500 + 1.
  const uint64_t limit = kKinds - 1 + ListRequests(n) + kRequestSlack;
  report.Add({what + ": HTTP requests", Thousands(diff.requests), Thousands(get.requests) + base,
              Ratio(diff.requests, get.requests),
              "≤ " + Thousands(limit) + " (O(kinds + objects / page))",
              PassIf(diff.requests <= limit)});
}

void ReportSync(Report& report, int n, int changed, const Measured& sync, double floor) {
  const std::string what =
      "gitops: caractrl sync, " + Thousands(changed) + " of " + Thousands(n) + " changed";
  const std::string base = Thousands(changed) + " PUTs";
  report.Add({what + ": wall", Seconds(sync.run.wall_seconds), Seconds(floor) + ", " + base,
              Ratio(sync.run.wall_seconds, floor), "≤ 1.5× the PUTs",
              PassIf(sync.run.wall_seconds <= kTargetSyncRatio * floor)});
  const uint64_t limit = kKinds - 1 + ListRequests(n) + changed + kRequestSlack;
  report.Add({what + ": HTTP requests", Thousands(sync.requests), base,
              Ratio(sync.requests, changed),
              "≤ " + Thousands(limit) + " (O(kinds + objects / page + changed))",
              PassIf(sync.requests <= limit)});
}

// What `caractrl sync` of the repository at `dir` would create for
// manifests [from, to): the plan engine's create bodies, decoded and
// initialised as the server initialises a new project.
std::vector<api::Project> SyncedProjects(const std::string& dir, int from, int to) {
  std::vector<gitops::DesiredObject> desired;
  for (int i = from; i < to; ++i) {
    desired.push_back({api::kKindProject, ProjectName(i),
                       nlohmann::json::parse(ProjectDocument(i, 1).dump()), ""});
  }
  gitops::PlanOptions options;
  options.now = SystemClock::Default()->Now();
  gitops::SourceSpec spec;
  spec.dir = dir;
  options.source_id = gitops::DeriveSourceId(spec);
  gitops::Plan plan = gitops::ComputePlan(desired, {}, options);
  std::vector<api::Project> projects;
  for (const gitops::Action& a : plan.actions) {
    auto p = api::DecodeProject(a.body);
    if (a.type != gitops::ActionType::kCreate || !p.ok()) {
      throw std::runtime_error("bulk load: no create body for " + a.name);
    }
    api::InitNewProject(*p);
    projects.push_back(std::move(*p));
  }
  return projects;
}

// A SQLite store at `db` holding what a sync of the n manifests at `dir`
// would have created.
void FillStore(const std::string& db, const std::string& data_dir, const std::string& dir, int n) {
  auto backend = store::OpenBackend("sqlite:" + db, data_dir);
  if (!backend.ok()) throw std::runtime_error("open store: " + backend.status().ToString());
  for (int from = 0; from < n; from += kLoadBatch) {
    BulkLoad(**backend, {}, SyncedProjects(dir, from, std::min(n, from + kLoadBatch)));
  }
}

// The large row: diff only (its sync is the 10,000 row's, at scale).
void RunLargeDiff(int n, Report& report) {
  testing::TempDir repo, data;
  Progress("gitops: writing " + Thousands(n) + " manifests and loading them into a store");
  WriteManifests(repo.path(), 0, n, 1);
  const std::string db = data.path() + "/cara.db";
  FillStore(db, data.path(), repo.path(), n);
  ServerProcess server("sqlite", /*controllers=*/false, false, false,
                       {"--database-url", "sqlite:" + db});
  Progress("gitops: diff of " + Thousands(n) + " in-sync manifests");
  Measured get = Caractrl(server, {"get", "projects", "-o", "json"}, 0);
  Measured diff = Caractrl(server, {"diff", repo.path()}, 0);
  ReportDiff(report, n, kLargeDiffTarget, diff, get);
}

}  // namespace

void RunGitopsBench(const Sizes& sizes, Report& report) {
  const int n = sizes.gitops_projects, changed = sizes.gitops_changed;
  if (!CaractrlHas(testing::BuiltBinary("caractrl"), {"diff", "sync"})) {
    report.AddNa("gitops: caractrl diff, " + Thousands(n) + " vs " + Thousands(n),
                 "caractrl diff not built");
    report.AddNa(
        "gitops: caractrl sync, " + Thousands(changed) + " of " + Thousands(n) + " changed",
        "caractrl sync not built");
    return;
  }
  testing::TempDir repo;
  WriteManifests(repo.path(), 0, n, 1);
  ServerProcess server("sqlite", /*controllers=*/false);
  Progress("gitops: first sync creates " + Thousands(n) + " projects");
  Caractrl(server, {"sync", repo.path()}, 0);

  Progress("gitops: diff of " + Thousands(n) + " in-sync manifests");
  Measured get = Caractrl(server, {"get", "projects", "-o", "json"}, 0);
  Measured diff = Caractrl(server, {"diff", repo.path()}, 0);
  ReportDiff(report, n, kDiffTarget, diff, get);

  Progress("gitops: sync of " + Thousands(changed) + " edited manifests");
  WriteManifests(repo.path(), 0, changed, 2);
  Caractrl(server, {"diff", repo.path()}, 1);  // the edits show
  Measured sync = Caractrl(server, {"sync", repo.path()}, 0);
  Caractrl(server, {"diff", repo.path()}, 0);  // and are gone after the sync
  double floor = PutFloor(server, changed, 3);
  ReportSync(report, n, changed, sync, floor);

  RunLargeDiff(sizes.gitops_large_projects, report);
}

}  // namespace cara::bench
