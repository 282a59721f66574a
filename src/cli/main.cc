// caractrl: the Caravanserai command-line client. This file holds the CLI11
// command tree only (CLI11 is expensive to compile: one TU per binary).
#include <signal.h>
#include <unistd.h>

#include <iostream>

#include <CLI/CLI.hpp>

#include "cli/commands.h"
#include "cli/completion.h"

namespace {

const char kExitCodes[] =
    "Exit codes:\n"
    "  0  success\n"
    "  1  the server or the network failed the request\n"
    "  2  invalid manifests, arguments or flags (nothing was applied)\n"
    "  diff and sync have their own: see caractrl diff --help, caractrl sync --help\n";

const std::vector<std::string> kOutputFormats = {"table", "json", "yaml",
                                                 "name",  "wide", "markdown"};
const std::vector<std::string> kShells = {"bash", "zsh", "fish"};

// What the completion scripts offer for a flag's value or a positional
// argument; CLI11 knows only whether one is taken.
cara::cli::CompletionArg CompletionHint(const std::string& command, const CLI::Option& opt) {
  using cara::cli::CompletionValue;
  cara::cli::CompletionArg arg;
  std::string name = opt.get_positional() ? opt.get_name() : opt.get_lnames().front();
  arg.help = opt.get_description();
  arg.value = opt.get_expected_max() == 0 ? CompletionValue::kNone : CompletionValue::kFree;
  arg.repeats = opt.get_expected_max() > 1;
  auto choose = [&](std::vector<std::string> choices) {
    arg.value = CompletionValue::kChoice;
    arg.choices = std::move(choices);
  };
  if (name == "output") choose(kOutputFormats);
  if (name == "phase") {
    choose({"Pending", "Scheduled", "Running", "Failed", "Terminating", "Terminated"});
  }
  if (name == "shell") choose(kShells);
  if (name == "resource") {
    choose(command == "get" ? std::vector<std::string>{"nodes", "projects"}
                            : std::vector<std::string>{"node", "project"});
  }
  if (name == "names") arg.value = CompletionValue::kObjectName;
  if (name == "target") arg.value = CompletionValue::kProjectRef;
  if (name == "filename" || name == "repo" || name == "ssh-key" || name == "dir") {
    arg.value = CompletionValue::kFile;
  }
  return arg;
}

std::vector<std::string> FlagNames(const CLI::Option& opt) {
  std::vector<std::string> names;
  for (const auto& s : opt.get_snames()) names.push_back("-" + s);
  for (const auto& l : opt.get_lnames()) names.push_back("--" + l);
  return names;
}

// The command tree as the completion scripts need it, read from CLI11.
cara::cli::CompletionTree DescribeCommandTree(const CLI::App& app) {
  cara::cli::CompletionTree tree;
  tree.program = app.get_name();
  for (const CLI::Option* opt : app.get_options()) {
    auto arg = CompletionHint("", *opt);
    arg.names = FlagNames(*opt);
    tree.globals.push_back(std::move(arg));
  }
  for (const CLI::App* sub : app.get_subcommands({})) {
    cara::cli::CompletionCommand command{sub->get_name(), sub->get_description(), {}, {}};
    for (const CLI::Option* opt : sub->get_options()) {
      if (opt == sub->get_help_ptr()) continue;  // a global already
      auto arg = CompletionHint(command.name, *opt);
      if (opt->get_positional()) {
        arg.names = {opt->get_name()};
        command.positionals.push_back(std::move(arg));
      } else {
        arg.names = FlagNames(*opt);
        command.flags.push_back(std::move(arg));
      }
    }
    tree.commands.push_back(std::move(command));
  }
  return tree;
}

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
  app.add_option("--server", server, "cara-server URL: http(s)://HOST[:PORT] (env CARA_SERVER)")
      ->capture_default_str();
  app.add_option("-o,--output", output,
                 "Output format: table, json or yaml; name (kind/name: get, apply, delete); "
                 "wide (get: more columns); markdown (diff and sync)")
      ->capture_default_str()
      ->check(CLI::IsMember(kOutputFormats));

  VersionOptions version_options;
  CLI::App* version = app.add_subcommand("version", "Print the client's and the server's version");
  version->add_flag("--client", version_options.client_only, "Only the client's version");
  version->footer(
      "Exit codes: 0, or 1 when the server cannot be asked (the client line is printed "
      "first)\n");

  GetOptions get;
  CLI::App* get_cmd = app.add_subcommand("get", "List nodes or projects, or show some by name");
  get_cmd->add_option("resource", get.resource, "nodes | projects")->required();
  get_cmd->add_option("names", get.names, "Names of objects (default: the whole list)");
  get_cmd->add_option("-l,--selector", get.selector,
                      "Label selector, filtered by the server (Kubernetes syntax): k=v, k==v, "
                      "k!=v, 'k in (a,b)', 'k notin (a)', k, !k; comma-separated, all must hold");
  get_cmd->add_flag("-w,--watch", get.watch, "After listing, print objects again as they change");
  get_cmd->add_flag("--no-headers", get.no_headers, "Tables: leave out the header line");
  get_cmd->add_option("--phase", get.phase,
                      "Projects only: Pending, Scheduled, Running, Failed, Terminating or "
                      "Terminated (any case)");
  get_cmd->footer(
      "Examples:\n  caractrl get nodes\n  caractrl get projects --phase Running\n"
      "  caractrl get project web -o yaml\n  caractrl get projects web shop -o wide\n"
      "  caractrl get projects -o name --no-headers\n"
      "  caractrl get projects -l caravanserai.io/preview=true\n"
      "  caractrl get projects -l 'tier in (web,api),!caravanserai.io/preview'\n"
      "  caractrl get nodes -w\n  caractrl get projects -o yaml > backup.yaml   # caractrl apply "
      "-f "
      "backup.yaml restores it\n");

  ApplyOptions apply;
  CLI::App* apply_cmd =
      app.add_subcommand("apply", "Create or update objects from manifests (all validated first)");
  apply_cmd->add_option("-f,--filename", apply.path, "File, directory (recursive) or - for stdin")
      ->required();
  apply_cmd->add_option(
      "--expire-in", apply.expire_in,
      "Set spec.expireAt = now + DURATION on every Project (e.g. 72h, 3d, 1d12h)");
  apply_cmd->add_flag("--dry-run", apply.dry_run, "Validate and show what would change");
  apply_cmd->footer(
      "Examples:\n  caractrl apply -f examples/manifests\n"
      "  caractrl apply -f preview.yaml --expire-in 3d\n  cat web.yaml | caractrl apply -f -\n"
      "  caractrl get projects -o yaml | caractrl apply -f -   # Lists are accepted\n");

  DescribeOptions describe;
  CLI::App* describe_cmd = app.add_subcommand(
      "describe", "Show every field of nodes or projects (text, or -o json|yaml)");
  describe_cmd->add_option("resource", describe.resource, "node | project")->required();
  describe_cmd->add_option("names", describe.names, "Object names")->required();
  describe_cmd->footer(
      "Examples:\n  caractrl describe node node-1\n  caractrl describe project web shop\n"
      "  caractrl describe project web -o yaml\n");

  DeleteOptions del;
  CLI::App* delete_cmd =
      app.add_subcommand("delete", "Delete nodes or projects, or what manifests name");
  delete_cmd->add_option("resource", del.resource, "node | project");
  delete_cmd->add_option("names", del.names, "Object names");
  delete_cmd->add_option("-f,--filename", del.path, "Delete every object named in these manifests");
  delete_cmd->add_flag("--force", del.force,
                       "Projects: remove the record at once, without waiting for teardown");
  delete_cmd->add_flag("--ignore-not-found", del.ignore_not_found,
                       "Treat objects that do not exist as deleted (exit 0)");
  delete_cmd->footer(
      "Examples:\n  caractrl delete project web shop\n  caractrl delete project web --force\n"
      "  caractrl delete project pr-42 --ignore-not-found\n"
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
  sync_cmd->add_option("--timeout", sync.timeout, "Limit for --wait (e.g. 90s, 5m, 1h, 1d)")
      ->capture_default_str();
  sync_cmd->add_flag("--watch", sync.watch,
                     "Keep reconciling: re-read the source and repair drift every --interval");
  sync_cmd->add_option("--interval", sync.interval, "Period of --watch (e.g. 30s, 5m, 1h)")
      ->capture_default_str();
  sync_cmd->add_option("--parallel", sync.parallelism, "Concurrent writes")->capture_default_str();
  sync_cmd->footer(std::string(kSyncExamples) + kSyncExitCodes);

  std::string shell;
  CLI::App* completion_cmd =
      app.add_subcommand("completion", "Print the shell completion script for bash, zsh or fish");
  completion_cmd->add_option("shell", shell, "bash | zsh | fish")
      ->required()
      ->check(CLI::IsMember(kShells));
  completion_cmd->footer(
      "Examples:\n  source <(caractrl completion bash)\n"
      "  caractrl completion zsh > \"${fpath[1]}/_caractrl\"\n"
      "  caractrl completion fish > ~/.config/fish/completions/caractrl.fish\n");

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

  if (*completion_cmd) {
    std::cout << CompletionScript(DescribeCommandTree(app), shell);
    return kExitOk;
  }
  if (output == "markdown" && !*diff_cmd && !*sync_cmd) {
    std::cerr << "Error: -o markdown is only for diff and sync\n";
    return kExitInvalid;
  }
  if (output == "name" && !*get_cmd && !*apply_cmd && !*delete_cmd) {
    std::cerr << "Error: -o name is only for get, apply and delete\n";
    return kExitInvalid;
  }
  if (output == "wide" && !*get_cmd) {
    std::cerr << "Error: -o wide is only for get\n";
    return kExitInvalid;
  }
  if (app.get_subcommands().empty()) {
    std::cout << app.help();
    return kExitOk;
  }
  // Checked before any request: a bad URL is a usage error, not a server that is down.
  cara::Status server_ok = ValidateServerUrl(server);
  if (!server_ok.ok() && !(*version && version_options.client_only)) {
    std::cerr << "Error: " << server_ok.message() << "\n";
    return kExitInvalid;
  }
  ApiClient client(server);
  CliContext ctx{
      &client,    *ParseOutputFormat(output),   &std::cout,
      &std::cerr, cara::SystemClock::Default(), isatty(STDOUT_FILENO) && !std::getenv("NO_COLOR")};
  if (*version) return RunVersion(ctx, version_options);
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
