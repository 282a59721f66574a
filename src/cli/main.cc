// caractrl: the Caravanserai command-line client. This file holds the CLI11
// command tree only (CLI11 is expensive to compile: one TU per binary).
#include <signal.h>
#include <unistd.h>

#include <iostream>

#include <CLI/CLI.hpp>

#include "cli/commands.h"
#include "common/version.h"

namespace {

const char kExitCodes[] =
    "Exit codes:\n"
    "  0  success\n"
    "  1  the server or the network failed the request\n"
    "  2  invalid manifests, arguments or flags (nothing was applied)\n"
    "  diff and sync have their own: see caractrl diff --help, caractrl sync --help\n";

std::string EnvOr(const char* name, const std::string& fallback) {
  const char* v = std::getenv(name);
  return v && *v ? v : fallback;
}

const char kDiffExamples[] =
    "Examples:\n"
    "  caractrl diff examples/manifests\n"
    "  caractrl diff --repo https://git.example.com/ops/cluster.git --ref main --path prod\n"
    "  caractrl diff --repo . --base origin/main --ref HEAD -o markdown   # in CI, no server\n\n";
const char kDiffExitCodes[] =
    "Exit codes:\n"
    "  0  the cluster matches the source\n"
    "  1  there are differences (an object sync would skip, e.g. a terminating one, counts)\n"
    "  2  error: invalid manifests, unreadable source, unreachable server or bad usage\n"
    "  3  sync would refuse the plan (a prune guard: empty source, --max-delete)\n";
const char kSyncExamples[] =
    "Examples:\n"
    "  caractrl sync examples/manifests\n"
    "  caractrl sync --repo https://git.example.com/ops/cluster.git --ref main --wait\n"
    "  caractrl sync --repo /srv/cluster.git --watch --interval 30s\n"
    "  caractrl sync ./manifests --dry-run -o json\n\n";
const char kSyncExitCodes[] =
    "Exit codes:\n"
    "  0  the cluster converged (or --dry-run: the plan was printed)\n"
    "  1  some actions failed or were interrupted, an object of the source was not applied\n"
    "     (it belongs to another source or is terminating), the server was unreachable, or a\n"
    "     project failed during --wait\n"
    "  2  invalid manifests, unreadable source or bad usage; nothing was applied\n"
    "  3  refused by a prune guard (empty source, --max-delete); nothing was applied\n"
    "  4  --wait timed out\n";

// The flags diff and sync share: where the manifests are, and pruning.
void AddSourceFlags(CLI::App* cmd, cara::cli::GitOpsOptions& o) {
  cmd->add_option("dir", o.source.dir, "Directory (recursive) or file of manifests");
  cmd->add_option("--repo", o.source.repo,
                  "Git repository: URL (https, ssh, git, file) or local path");
  cmd->add_option("--ref", o.source.ref, "Branch, tag or commit (default: the remote HEAD)");
  cmd->add_option("--path", o.source.path, "Subdirectory of the repository");
  cmd->add_option("--ssh-key", o.source.ssh_key,
                  "ssh:// remotes: private key file (env CARA_GIT_SSH_KEY; default: ssh-agent; "
                  "passphrase from CARA_GIT_SSH_PASSPHRASE). https: token from CARA_GIT_TOKEN")
      ->envname("CARA_GIT_SSH_KEY");
  cmd->add_option("--source-id", o.source.source_id,
                  "Ownership id written on every object (default: repo URL//path or the "
                  "directory's absolute path)");
  cmd->add_flag("--prune,!--no-prune", o.prune,
                "Delete owned objects missing from the source (default on)");
  cmd->add_flag("--prune-nodes", o.prune_nodes, "Also prune Nodes (never ones with projects)");
  cmd->add_flag("--allow-empty", o.allow_empty, "Accept a source with no manifests");
  cmd->add_option("--max-delete", o.max_delete,
                  "Refuse plans deleting more objects (default: 10, or 25% of the owned "
                  "objects if larger)");
  cmd->add_flag("--show-unchanged", o.show_noops, "Also list objects already in sync");
}

}  // namespace

static int CaractrlMain(int argc, char** argv) {
  signal(SIGPIPE, SIG_IGN);
  using namespace cara::cli;

  CLI::App app{"caractrl controls a Caravanserai cluster.", "caractrl"};
  app.footer(kExitCodes);
  app.require_subcommand(0, 1);
  // Global flags may follow the subcommand, as in the reference CLI.
  app.fallthrough(true);
  std::string server = EnvOr("CARA_SERVER", "http://localhost:8080");
  std::string output = "table";
  app.add_option("--server", server, "cara-server URL (env CARA_SERVER)")->capture_default_str();
  app.add_option("-o,--output", output,
                 "Output format: table, json or yaml (diff and sync: also markdown)")
      ->capture_default_str()
      ->check(CLI::IsMember({"table", "json", "yaml", "markdown"}));

  CLI::App* version = app.add_subcommand("version", "Print the client version");

  GetOptions get;
  CLI::App* get_cmd = app.add_subcommand("get", "List nodes or projects, or show one");
  get_cmd->add_option("resource", get.resource, "nodes | projects")->required();
  get_cmd->add_option("name", get.name, "Name of one object");
  get_cmd->add_option("-l,--selector", get.selector,
                      "Label selector, filtered by the server (Kubernetes syntax): k=v, k==v, "
                      "k!=v, 'k in (a,b)', 'k notin (a)', k, !k; comma-separated, all must hold");
  get_cmd->add_flag("-w,--watch", get.watch, "After listing, print objects again as they change");
  get_cmd->add_option("--phase", get.phase,
                      "Projects only: Pending, Scheduled, Running, Failed, Terminating or "
                      "Terminated (any case)");
  get_cmd->footer(
      "Examples:\n  caractrl get nodes\n  caractrl get projects --phase Running\n"
      "  caractrl get project web -o yaml\n"
      "  caractrl get projects -l caravanserai.io/preview=true\n"
      "  caractrl get projects -l 'tier in (web,api),!caravanserai.io/preview'\n"
      "  caractrl get nodes -w\n");

  ApplyOptions apply;
  CLI::App* apply_cmd =
      app.add_subcommand("apply", "Create or update objects from manifests (all validated first)");
  apply_cmd->add_option("-f,--filename", apply.path, "File, directory (recursive) or - for stdin")
      ->required();
  apply_cmd->add_option("--expire-in", apply.expire_in,
                        "Set spec.expireAt = now + DURATION on every Project (e.g. 72h)");
  apply_cmd->add_flag("--dry-run", apply.dry_run, "Validate and show what would change");
  apply_cmd->footer(
      "Examples:\n  caractrl apply -f examples/manifests\n"
      "  caractrl apply -f preview.yaml --expire-in 72h\n  cat web.yaml | caractrl apply -f -\n");

  DescribeOptions describe;
  CLI::App* describe_cmd =
      app.add_subcommand("describe", "Show every field of one node or project");
  describe_cmd->add_option("resource", describe.resource, "node | project")->required();
  describe_cmd->add_option("name", describe.name, "Object name")->required();
  describe_cmd->footer(
      "Examples:\n  caractrl describe node node-1\n  caractrl describe project web\n");

  DeleteOptions del;
  CLI::App* delete_cmd =
      app.add_subcommand("delete", "Delete a node or project, or what manifests name");
  delete_cmd->add_option("resource", del.resource, "node | project");
  delete_cmd->add_option("name", del.name, "Object name");
  delete_cmd->add_option("-f,--filename", del.path, "Delete every object named in these manifests");
  delete_cmd->add_flag("--force", del.force,
                       "Projects: remove the record at once, without waiting for teardown");
  delete_cmd->footer(
      "Examples:\n  caractrl delete project web\n  caractrl delete project web --force\n"
      "  caractrl delete node node-2\n  caractrl delete -f examples/manifests/previews\n");

  LogsOptions logs;
  CLI::App* logs_cmd =
      app.add_subcommand("logs", "Print a service's container logs (via its agent)");
  logs_cmd->add_option("target", logs.target, "<project>/<service>")->required();
  logs_cmd->add_option("--node", logs.node, "Agent to ask: a node name or host:port");
  logs_cmd->add_flag("-f,--follow", logs.follow, "Keep streaming new output");
  logs_cmd->add_option("--tail", logs.tail, "Lines from the end, or all")->capture_default_str();
  logs_cmd->add_flag("--timestamps", logs.timestamps, "Prefix lines with timestamps");
  logs_cmd->footer(
      "Examples:\n  caractrl logs web/web\n  caractrl logs guestbook/api -f --tail 20\n");

  PortForwardOptions forward;
  CLI::App* forward_cmd =
      app.add_subcommand("port-forward", "Forward a local port to a service's container port");
  forward_cmd->add_option("target", forward.target, "<project>/<service>")->required();
  forward_cmd->add_option("ports", forward.ports, "[LOCAL:]REMOTE")->required();
  forward_cmd->add_option("--node", forward.node, "Agent to use: a node name or host:port");
  forward_cmd->footer("Examples:\n  caractrl port-forward web/web 8080:80\n");

  GitOpsOptions diff;
  CLI::App* diff_cmd = app.add_subcommand(
      "diff", "Show how the cluster differs from a directory or Git revision of manifests");
  AddSourceFlags(diff_cmd, diff);
  diff_cmd->add_option("--base", diff.base,
                       "Compare --ref against this revision of --repo instead of the cluster "
                       "(offline: no server)");
  diff_cmd->footer(std::string(kDiffExamples) + kDiffExitCodes);

  GitOpsOptions sync;
  CLI::App* sync_cmd = app.add_subcommand(
      "sync", "Converge the cluster to a directory or Git revision of manifests");
  AddSourceFlags(sync_cmd, sync);
  sync_cmd->add_flag("--dry-run", sync.dry_run, "Print the plan; change nothing");
  sync_cmd->add_flag(
      "--wait", sync.wait,
      "Then wait until every Project of the source runs its current spec and pruned ones are gone");
  sync_cmd->add_option("--timeout", sync.timeout, "Limit for --wait (Go duration)")
      ->capture_default_str();
  sync_cmd->add_flag("--watch", sync.watch,
                     "Keep reconciling: re-read the source and repair drift every --interval");
  sync_cmd->add_option("--interval", sync.interval, "Period of --watch (Go duration)")
      ->capture_default_str();
  sync_cmd->add_option("--parallel", sync.parallelism, "Concurrent writes")->capture_default_str();
  sync_cmd->footer(std::string(kSyncExamples) + kSyncExitCodes);

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return kExitInvalid;
  }

  if (*version) {
    std::cout << "caractrl " << cara::Version() << " (commit " << cara::Commit() << ")\n";
    return kExitOk;
  }
  if (output == "markdown" && !*diff_cmd && !*sync_cmd) {
    std::cerr << "Error: -o markdown is only for diff and sync\n";
    return kExitInvalid;
  }
  ApiClient client(server);
  CliContext ctx{
      &client,    *ParseOutputFormat(output),   &std::cout,
      &std::cerr, cara::SystemClock::Default(), isatty(STDOUT_FILENO) && !std::getenv("NO_COLOR")};
  if (*get_cmd) return RunGet(ctx, get);
  if (*apply_cmd) return RunApply(ctx, apply);
  if (*describe_cmd) return RunDescribe(ctx, describe);
  if (*delete_cmd) return RunDelete(ctx, del);
  if (*logs_cmd) return RunLogs(ctx, logs);
  if (*forward_cmd) return RunPortForward(ctx, forward);
  if (*diff_cmd) return RunDiff(ctx, diff);
  if (*sync_cmd) return RunSync(ctx, sync);
  std::cout << app.help();
  return kExitOk;
}

int main(int argc, char** argv) {
  // The last resort: whatever goes wrong ends as an "Error: ..." line and an
  // exit code, never as an uncaught exception (abort and a core dump).
  try {
    return CaractrlMain(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "Error: " << e.what() << "\n";
  } catch (...) {
    std::cerr << "Error: unexpected failure\n";
  }
  return cara::cli::kExitError;
}
