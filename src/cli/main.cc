// caractrl: the Caravanserai command-line client. This file holds the CLI11
// command tree only (CLI11 is expensive to compile: one TU per binary).
#include <signal.h>
#include <unistd.h>

#include <iostream>
#include <optional>

#include <CLI/CLI.hpp>

#include "cli/command_help.h"
#include "cli/commands.h"
#include "cli/completion.h"
#include "cli/config_command.h"
#include "cli/connection_settings.h"
#include "cli/explain_command.h"
#include "cli/gitops_help.h"

namespace {

using namespace cara::cli;  // NOLINT: this file is the CLI's entry point

const char kExitCodes[] =
    "Exit codes:\n"
    "  0  success\n"
    "  1  the server or the network failed the request\n"
    "  2  invalid manifests, arguments or flags (nothing was applied)\n"
    "  diff, sync and rollback have their own: see caractrl diff --help, caractrl sync --help\n";

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
    if (command == "get") {
      choose({"nodes", "projects", "secrets", "events"});
    } else if (command == "explain") {
      choose({"project", "node", "secret", "event"});
    } else {
      choose({"node", "project", "secret"});
    }
  }
  if (name == "names") arg.value = CompletionValue::kObjectName;
  if (name == "target") arg.value = CompletionValue::kProjectRef;
  if (name == "filename" || name == "repo" || name == "ssh-key" || name == "dir" ||
      name == "certificate-authority" || name == "config") {
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
    // config's own subcommands complete like a positional argument.
    cara::cli::CompletionArg nested{
        {"subcommand"}, "", cara::cli::CompletionValue::kChoice, {}, false};
    for (const CLI::App* inner : sub->get_subcommands({}))
      nested.choices.push_back(inner->get_name());
    if (!nested.choices.empty()) command.positionals.push_back(std::move(nested));
    tree.commands.push_back(std::move(command));
  }
  return tree;
}

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
  cmd->add_option("-l,--selector", o.selector,
                  "Only the manifests whose labels match (Kubernetes syntax: k=v,k!=v,k in "
                  "(a,b)); prune only owned objects that match");
}

// Every subcommand's options and its node in the CLI11 tree, filled by the
// Add*Command functions below and read by Dispatch.
struct CommandLine {
  ConnectionFlags connection;  // flags only: WithEnvironment adds the variables
  std::string output = "table";
  VersionOptions version_options;
  GetOptions get;
  ApplyOptions apply;
  SealOptions seal;
  DescribeOptions describe;
  DeleteOptions del;
  LogsOptions logs;
  PortForwardOptions forward;
  GitOpsOptions diff;
  GitOpsOptions sync;
  std::string shell;
  std::string context_name;  // config use-context NAME
  TokenCreateOptions token_create;
  std::string token_id;
  AuditOptions audit;
  HistoryOptions history;
  RollbackOptions rollback;
  SuspendOptions suspend;
  std::string resume_source;
  std::vector<std::string> rollout_args;  // rollout restart
  std::vector<std::string> drain_args;    // drain, undrain
  ExplainOptions explain;
  CLI::App* version_cmd = nullptr;
  CLI::App* get_cmd = nullptr;
  CLI::App* apply_cmd = nullptr;
  CLI::App* seal_cmd = nullptr;
  CLI::App* describe_cmd = nullptr;
  CLI::App* delete_cmd = nullptr;
  CLI::App* logs_cmd = nullptr;
  CLI::App* forward_cmd = nullptr;
  CLI::App* diff_cmd = nullptr;
  CLI::App* sync_cmd = nullptr;
  CLI::App* completion_cmd = nullptr;
  CLI::App* config_cmd = nullptr;
  CLI::App* get_contexts_cmd = nullptr;
  CLI::App* use_context_cmd = nullptr;
  CLI::App* view_config_cmd = nullptr;
  CLI::App* token_create_cmd = nullptr;
  CLI::App* token_list_cmd = nullptr;
  CLI::App* token_revoke_cmd = nullptr;
  CLI::App* audit_cmd = nullptr;
  CLI::App* history_cmd = nullptr;
  CLI::App* rollback_cmd = nullptr;
  CLI::App* suspend_cmd = nullptr;
  CLI::App* resume_cmd = nullptr;
  CLI::App* rollout_restart_cmd = nullptr;
  CLI::App* drain_cmd = nullptr;
  CLI::App* undrain_cmd = nullptr;
  CLI::App* explain_cmd = nullptr;
};

void AddGlobalFlags(CLI::App& app, CommandLine& c) {
  app.footer(kExitCodes);
  app.require_subcommand(0, 1);
  // Global flags may follow the subcommand, as in the reference CLI.
  app.fallthrough(true);
  app.add_option("--server", c.connection.server,
                 "cara-server URL: http(s)://HOST[:PORT] (env CARA_SERVER; default: the "
                 "context's, else http://localhost:8080)");
  app.add_option("--token", c.connection.token, "Bearer token (env CARA_TOKEN)");
  app.add_option("--certificate-authority", c.connection.ca_file,
                 "CA certificate file to verify the server with (env CARA_CA_FILE)");
  app.add_flag("--insecure-skip-tls-verify", c.connection.insecure_skip_tls_verify,
               "Do not verify the server's certificate (insecure)");
  app.add_option("--config", c.connection.config_path,
                 "Client config file (env CARA_CONFIG; default "
                 "$XDG_CONFIG_HOME/caravanserai/config.yaml)");
  app.add_option("--context", c.connection.context,
                 "Context of the config file to use (env CARA_CONTEXT; default its "
                 "current-context)");
  app.add_option("-o,--output", c.output,
                 "Output format: table, json or yaml; name (kind/name: get, apply, delete); "
                 "wide (get: more columns); markdown (diff, sync; explain: the manifest reference)")
      ->capture_default_str()
      ->check(CLI::IsMember(kOutputFormats));
}

void AddVersionCommand(CLI::App& app, CommandLine& c) {
  c.version_cmd = app.add_subcommand("version", "Print the client's and the server's version");
  c.version_cmd->add_flag("--client", c.version_options.client_only, "Only the client's version");
  c.version_cmd->footer(kVersionHelp);
}

void AddGetCommand(CLI::App& app, CommandLine& c) {
  c.get_cmd =
      app.add_subcommand("get", "List nodes, projects, secrets or events, or show some by name");
  c.get_cmd->add_option("resource", c.get.resource, "nodes | projects | secrets | events")
      ->required();
  c.get_cmd->add_option("names", c.get.names, "Names of objects (default: the whole list)");
  c.get_cmd->add_option("-l,--selector", c.get.selector,
                        "Label selector, filtered by the server (Kubernetes syntax): k=v, k==v, "
                        "k!=v, 'k in (a,b)', 'k notin (a)', k, !k; comma-separated, all must hold");
  c.get_cmd->add_flag("-w,--watch", c.get.watch,
                      "Nodes, projects and events: after listing, print each change as it happens "
                      "(EVENT column ADDED/MODIFIED/DELETED; -o json: one {\"type\",\"object\"} "
                      "per line); Ctrl-C ends it (exit 0)");
  c.get_cmd->add_flag("--no-headers", c.get.no_headers, "Tables: leave out the header line");
  c.get_cmd->add_option("--for", c.get.for_object,
                        "Events only: those of one object, project/NAME or node/NAME");
  c.get_cmd->add_option("--phase", c.get.phase,
                        "Projects only: Pending, Scheduled, Running, Failed, Terminating or "
                        "Terminated (any case)");
  c.get_cmd->footer(kGetHelp);
}

void AddSealCommand(CLI::App& app, CommandLine& c) {
  c.seal_cmd = app.add_subcommand(
      "seal", "Seal the stringData of Secret manifests to the cluster key, for Git");
  c.seal_cmd->add_option("-f,--filename", c.seal.path, "File, directory (recursive) or - for stdin")
      ->required();
  c.seal_cmd->add_option("--public-key-file", c.seal.public_key_file,
                         "The cluster key as GET /api/v1/secrets/publickey returns it (JSON); "
                         "without it the server is asked");
  c.seal_cmd->footer(kSealHelp);
}

void AddApplyCommand(CLI::App& app, CommandLine& c) {
  c.apply_cmd =
      app.add_subcommand("apply", "Create or update objects from manifests (all validated first)");
  c.apply_cmd
      ->add_option("-f,--filename", c.apply.path, "File, directory (recursive) or - for stdin")
      ->required();
  c.apply_cmd->add_option(
      "--expire-in", c.apply.expire_in,
      "Set spec.expireAt = now + DURATION on every Project (e.g. 72h, 3d, 1d12h)");
  c.apply_cmd->add_flag("--dry-run", c.apply.dry_run, "Validate and show what would change");
  c.apply_cmd->footer(kApplyHelp);
}

void AddDescribeCommand(CLI::App& app, CommandLine& c) {
  c.describe_cmd = app.add_subcommand(
      "describe", "Show every field of nodes, projects or secrets (text, or -o json|yaml)");
  c.describe_cmd->add_option("resource", c.describe.resource, "node | project | secret")
      ->required();
  c.describe_cmd->add_option("names", c.describe.names, "Object names")->required();
  c.describe_cmd->footer(kDescribeHelp);
}

void AddRolloutCommand(CLI::App& app, CommandLine& c) {
  CLI::App* rollout = app.add_subcommand("rollout", "Manage the rollout of projects");
  rollout->require_subcommand(1);
  c.rollout_restart_cmd = rollout->add_subcommand(
      "restart", "Recreate every service of projects (a new generation; Failed ones retry)");
  // Not required(): the command says what it expects, as delete does.
  c.rollout_restart_cmd->add_option("args", c.rollout_args, "project NAME... | project/NAME...");
  c.rollout_restart_cmd->footer(kRolloutRestartHelp);
}

void AddDrainCommands(CLI::App& app, CommandLine& c) {
  c.drain_cmd = app.add_subcommand(
      "drain", "Mark nodes unschedulable (Draining): nothing new is placed; projects stay");
  c.undrain_cmd = app.add_subcommand("undrain", "Make drained nodes schedulable again");
  for (CLI::App* cmd : {c.drain_cmd, c.undrain_cmd}) {
    cmd->add_option("nodes", c.drain_args, "NODE... | node/NODE...");
    cmd->footer(kDrainHelp);
  }
}

void AddDeleteCommand(CLI::App& app, CommandLine& c) {
  c.delete_cmd =
      app.add_subcommand("delete", "Delete nodes, projects or secrets, or what manifests name");
  c.delete_cmd->add_option("resource", c.del.resource, "node | project | secret");
  c.delete_cmd->add_option("names", c.del.names, "Object names");
  c.delete_cmd->add_option("-f,--filename", c.del.path,
                           "Delete every object named in these manifests");
  c.delete_cmd->add_flag("--force", c.del.force,
                         "Projects: remove the record at once, without waiting for teardown");
  c.delete_cmd->add_flag("--ignore-not-found", c.del.ignore_not_found,
                         "Treat objects that do not exist as deleted (exit 0)");
  c.delete_cmd->footer(kDeleteHelp);
}

void AddLogsCommand(CLI::App& app, CommandLine& c) {
  c.logs_cmd = app.add_subcommand("logs", "Print a service's container logs (via the server)");
  c.logs_cmd->add_option("target", c.logs.target, "<project>/<service>")->required();
  c.logs_cmd->add_option("--node", c.logs.node,
                         "Ask this agent directly (node name or host:port; only agents "
                         "without TLS, i.e. --no-auth clusters)");
  c.logs_cmd->add_flag("-f,--follow", c.logs.follow, "Keep streaming new output");
  c.logs_cmd->add_option("--tail", c.logs.tail, "Lines from the end, or all")
      ->capture_default_str();
  c.logs_cmd->add_flag("--timestamps", c.logs.timestamps, "Prefix lines with timestamps");
  c.logs_cmd->footer(kLogsHelp);
}

void AddPortForwardCommand(CLI::App& app, CommandLine& c) {
  c.forward_cmd =
      app.add_subcommand("port-forward", "Forward a local port to a service's container port");
  c.forward_cmd->add_option("target", c.forward.target, "<project>/<service>")->required();
  c.forward_cmd->add_option("ports", c.forward.ports, "[LOCAL:]REMOTE")->required();
  c.forward_cmd->add_option("--node", c.forward.node, "Agent to use: a node name or host:port");
  c.forward_cmd->footer("Examples:\n  caractrl port-forward web/web 8080:80\n");
}

void AddDiffCommand(CLI::App& app, CommandLine& c) {
  c.diff_cmd = app.add_subcommand(
      "diff", "Show how the cluster differs from a directory or Git revision of manifests");
  AddSourceFlags(c.diff_cmd, c.diff);
  c.diff_cmd->add_option("--base", c.diff.base,
                         "Compare --ref against this revision of --repo instead of the cluster "
                         "(offline: no server)");
  c.diff_cmd->footer(std::string(kDiffExamples) + kDiffExitCodes);
}

// sync --watch's listeners (the secret never on the command line: ps shows it).
void AddWatchEndpointFlags(CLI::App* cmd, cara::cli::WatchEndpointOptions& o) {
  cmd->add_option("--webhook-listen", o.webhook_listen,
                  "With --watch: accept GitHub, Gitea and GitLab push webhooks on IP:PORT; a "
                  "signed push for --repo and --ref starts a round at once");
  cmd->add_option("--webhook-secret-file", o.webhook_secret_file,
                  "The webhooks' shared secret, first line of this file (default: env "
                  "CARA_WEBHOOK_SECRET)");
  cmd->add_option("--webhook-tls-cert", o.webhook_tls_cert,
                  "Serve webhooks over HTTPS: certificate chain (PEM)");
  cmd->add_option("--webhook-tls-key", o.webhook_tls_key, "The --webhook-tls-cert's key (PEM)");
  cmd->add_option("--metrics-listen", o.metrics_listen,
                  "With --watch: serve the watcher's Prometheus metrics at http://IP:PORT/metrics");
}

void AddSyncCommand(CLI::App& app, CommandLine& c) {
  c.sync_cmd = app.add_subcommand(
      "sync", "Converge the cluster to a directory or Git revision of manifests");
  AddSourceFlags(c.sync_cmd, c.sync);
  c.sync_cmd->add_flag("--dry-run", c.sync.dry_run, "Print the plan; change nothing");
  c.sync_cmd->add_flag("--allow-plain-secrets", c.sync.allow_plain_secrets,
                       "Accept Secrets with plain stringData in the source (refused otherwise: "
                       "seal them with caractrl seal)");
  c.sync_cmd->add_flag(
      "--wait", c.sync.wait,
      "Then wait until every Project of the source runs its current spec and pruned ones are "
      "gone; with sync waves, each wave before the next is written");
  c.sync_cmd
      ->add_option("--timeout", c.sync.timeout, "Limit for all of --wait (e.g. 90s, 5m, 1h, 1d)")
      ->capture_default_str();
  c.sync_cmd->add_flag("--watch", c.sync.watch,
                       "Keep reconciling: re-read the source and repair drift every --interval");
  c.sync_cmd->add_option("--interval", c.sync.interval, "Period of --watch (e.g. 30s, 5m, 1h)")
      ->capture_default_str();
  c.sync_cmd->add_option("--parallel", c.sync.parallelism, "Concurrent writes")
      ->capture_default_str();
  c.sync_cmd->add_option("--notify", c.sync.notify,
                         "With --watch: POST a summary of each cycle that wrote or failed to this "
                         "URL (repeatable; retried, never fatal)");
  c.sync_cmd
      ->add_option("--notify-format", c.sync.notify_format,
                   "json (versioned caractrl/v1 SyncNotification) or slack "
                   "(Slack/Mattermost incoming webhooks)")
      ->capture_default_str();
  c.sync_cmd->add_flag("--resume", c.sync.resume,
                       "Lift the source's suspension (after caractrl rollback or suspend) first");
  c.sync_cmd->add_option("--source", c.sync.source_id_arg,
                         "The source's id (as caractrl history shows it): must be the id of the "
                         "source synced; without a directory or --repo, the Git source it names");
  AddWatchEndpointFlags(c.sync_cmd, c.sync.endpoints);
  c.sync_cmd->footer(std::string(kSyncExamples) + kSyncExitCodes);
}

void AddHistoryCommands(CLI::App& app, CommandLine& c) {
  c.history_cmd = app.add_subcommand("history", "Show the sync runs the server recorded");
  c.history_cmd->add_option("--source", c.history.source, "Only this source's runs (its id)");
  c.history_cmd->footer(kHistoryHelp);
  RollbackOptions& r = c.rollback;
  c.rollback_cmd =
      app.add_subcommand("rollback", "Sync a source's earlier revision and suspend the source");
  c.rollback_cmd->add_option("--source", r.source, "The source's id (caractrl history)")
      ->required();
  c.rollback_cmd->add_option("--to", r.to, "A run of its history (RUN) or a commit id")->required();
  c.rollback_cmd->add_option("--repo", r.sync.source.repo,
                             "Read the revision here instead of the repository the id names");
  c.rollback_cmd->add_option("--path", r.sync.source.path, "Subdirectory (with --repo)");
  c.rollback_cmd->add_option("--ssh-key", r.sync.source.ssh_key, "ssh:// remotes: private key file")
      ->envname("CARA_GIT_SSH_KEY");
  c.rollback_cmd->add_flag("--wait", r.sync.wait, "Then wait until the projects run");
  c.rollback_cmd->add_option("--timeout", r.sync.timeout, "Limit for --wait")
      ->capture_default_str();
  c.rollback_cmd->footer(kRollbackHelp);
  c.suspend_cmd =
      app.add_subcommand("suspend", "Stop syncs of a source from writing (no rollback)");
  c.suspend_cmd->add_option("--source", c.suspend.source, "The source's id")->required();
  c.suspend_cmd->add_option("--reason", c.suspend.reason, "Why (shown to whoever syncs it)");
  c.resume_cmd = app.add_subcommand("resume", "Let syncs of a suspended source write again");
  c.resume_cmd->add_option("--source", c.resume_source, "The source's id")->required();
}

void AddTokenCommands(CLI::App& app, CommandLine& c) {
  CLI::App* token = app.add_subcommand("token", "Create, list and revoke API tokens (admin)");
  token->require_subcommand(1);
  TokenCreateOptions& o = c.token_create;
  c.token_create_cmd = token->add_subcommand("create", "Create a token; it is printed once");
  c.token_create_cmd
      ->add_option("--role", o.role,
                   "admin | deployer | preview | viewer | join (a node join token)")
      ->required();
  c.token_create_cmd->add_option("--ttl", o.ttl, "Lifetime (e.g. 30d, 12h); default: no expiry");
  c.token_create_cmd->add_option("--name-prefix", o.name_prefix,
                                 "preview: the project name prefix it may use (e.g. pr-)");
  c.token_create_cmd->add_option("--max-ttl", o.max_ttl,
                                 "preview: latest spec.expireAt of its projects, from now (72h)");
  c.token_create_cmd->add_option("--description", o.description, "What the token is for");
  c.token_list_cmd = token->add_subcommand("list", "List tokens (never their secrets)");
  c.token_revoke_cmd = token->add_subcommand("revoke", "Revoke a token at once");
  c.token_revoke_cmd->add_option("id", c.token_id, "Token ID (from token list)")->required();
  c.audit_cmd = app.add_subcommand("audit", "Show who wrote what (newest records, admin)");
  c.audit_cmd->add_option("--limit", c.audit.limit, "Records to show (1..10000)")
      ->capture_default_str()
      ->check(CLI::Range(1, 10000));
}

void AddExplainCommand(CLI::App& app, CommandLine& c) {
  c.explain_cmd = app.add_subcommand(
      "explain", "Describe the fields of a manifest kind, from the schemas (no server needed)");
  c.explain_cmd->add_option("resource", c.explain.target,
                            "RESOURCE[.FIELD...]: project, node, secret or event (singular, plural "
                            "or kind), then field names");
  c.explain_cmd->add_flag("--recursive", c.explain.recursive,
                          "List every field below, names and types only");
  c.explain_cmd->footer(kExplainHelp);
}

void AddCompletionCommand(CLI::App& app, CommandLine& c) {
  c.completion_cmd =
      app.add_subcommand("completion", "Print the shell completion script for bash, zsh or fish");
  c.completion_cmd->add_option("shell", c.shell, "bash | zsh | fish")
      ->required()
      ->check(CLI::IsMember(kShells));
  c.completion_cmd->footer(kCompletionHelp);
}

void AddConfigCommand(CLI::App& app, CommandLine& c) {
  c.config_cmd = app.add_subcommand("config", "Show or switch the contexts of the config file");
  c.config_cmd->require_subcommand(1);
  c.get_contexts_cmd = c.config_cmd->add_subcommand("get-contexts", "List the contexts");
  c.use_context_cmd = c.config_cmd->add_subcommand("use-context", "Make a context the current one");
  c.use_context_cmd->add_option("name", c.context_name, "Context name")->required();
  c.view_config_cmd = c.config_cmd->add_subcommand("view", "Print the file, tokens redacted");
  c.config_cmd->footer(kConfigHelp);
}

int RunConfigCommand(const CommandLine& c, const LoadedConfig& file) {
  ConfigCommandContext ctx{file, *ParseOutputFormat(c.output), &std::cout, &std::cerr};
  if (*c.get_contexts_cmd) return RunConfigGetContexts(ctx);
  if (*c.use_context_cmd) return RunConfigUseContext(ctx, c.context_name);
  return RunConfigView(ctx);
}

// The output formats only some subcommands have; an error line and the exit
// code, or nullopt when the combination is fine.
std::optional<std::string> OutputFormatMisuse(const CommandLine& c) {
  if (c.output == "markdown" && !*c.diff_cmd && !*c.sync_cmd && !*c.rollback_cmd &&
      !*c.explain_cmd) {
    return "-o markdown is only for diff, sync, rollback and explain";
  }
  if (c.output == "name" && !*c.get_cmd && !*c.apply_cmd && !*c.delete_cmd &&
      !*c.get_contexts_cmd && !*c.token_list_cmd) {
    return "-o name is only for get, apply, delete, token list and config get-contexts";
  }
  if (c.output == "wide" && !*c.get_cmd) return "-o wide is only for get";
  return std::nullopt;
}

int Dispatch(const CommandLine& c, const CliContext& ctx) {
  if (*c.version_cmd) return RunVersion(ctx, c.version_options);
  if (*c.get_cmd) return RunGet(ctx, c.get);
  if (*c.apply_cmd) return RunApply(ctx, c.apply);
  if (*c.seal_cmd) return RunSeal(ctx, c.seal);
  if (*c.describe_cmd) return RunDescribe(ctx, c.describe);
  if (*c.delete_cmd) return RunDelete(ctx, c.del);
  if (*c.logs_cmd) return RunLogs(ctx, c.logs);
  if (*c.forward_cmd) return RunPortForward(ctx, c.forward);
  if (*c.diff_cmd) return RunDiff(ctx, c.diff);
  if (*c.sync_cmd) return RunSync(ctx, c.sync);
  if (*c.rollout_restart_cmd) return RunRolloutRestart(ctx, c.rollout_args);
  if (*c.drain_cmd) return RunSetUnschedulable(ctx, c.drain_args, true);
  if (*c.undrain_cmd) return RunSetUnschedulable(ctx, c.drain_args, false);
  if (*c.token_create_cmd) return RunTokenCreate(ctx, c.token_create);
  if (*c.token_list_cmd) return RunTokenList(ctx);
  if (*c.token_revoke_cmd) return RunTokenRevoke(ctx, c.token_id);
  if (*c.audit_cmd) return RunAudit(ctx, c.audit);
  if (*c.history_cmd) return RunHistory(ctx, c.history);
  if (*c.rollback_cmd) return RunRollback(ctx, c.rollback);
  if (*c.suspend_cmd) return RunSuspend(ctx, c.suspend);
  if (*c.resume_cmd) return RunResume(ctx, c.resume_source);
  return -1;
}

}  // namespace

static int CaractrlMain(int argc, char** argv) {
  signal(SIGPIPE, SIG_IGN);

  CLI::App app{"caractrl controls a Caravanserai cluster.", "caractrl"};
  CommandLine c;
  AddGlobalFlags(app, c);
  for (auto add :
       {AddVersionCommand, AddGetCommand, AddApplyCommand, AddSealCommand, AddDescribeCommand,
        AddRolloutCommand, AddDrainCommands, AddDeleteCommand, AddLogsCommand,
        AddPortForwardCommand, AddDiffCommand, AddSyncCommand, AddHistoryCommands, AddTokenCommands,
        AddExplainCommand, AddCompletionCommand, AddConfigCommand}) {
    add(app, c);
  }
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

  if (*c.completion_cmd) {
    std::cout << CompletionScript(DescribeCommandTree(app), c.shell);
    return kExitOk;
  }
  if (auto misuse = OutputFormatMisuse(c)) {
    std::cerr << "Error: " << *misuse << "\n";
    return kExitInvalid;
  }
  if (app.get_subcommands().empty()) {
    std::cout << app.help();
    return kExitOk;
  }
  // Offline: no config file or server is consulted.
  if (*c.explain_cmd) {
    return RunExplain(c.explain, *ParseOutputFormat(c.output), std::cout, std::cerr);
  }
  ConnectionFlags flags = WithEnvironment(c.connection, ProcessEnvironment());
  cara::Result<LoadedConfig> file = LoadSelectedConfig(flags, ProcessEnvironment());
  bool offline = (*c.version_cmd && c.version_options.client_only) ||
                 (*c.seal_cmd && !c.seal.public_key_file.empty());
  if (!file.ok() && !offline) {
    std::cerr << "Error: " << file.status().message() << "\n";
    return kExitInvalid;
  }
  if (*c.config_cmd) return RunConfigCommand(c, *file);
  cara::Result<ApiConnection> connection =
      offline ? ApiConnection{kDefaultServer, "", {}} : ResolveUsableConnection(flags, *file);
  if (!connection.ok()) {
    std::cerr << "Error: " << connection.status().message() << "\n";
    return kExitInvalid;
  }
  ApiClient client(*connection);
  CliContext ctx{
      &client,    *ParseOutputFormat(c.output), &std::cout,
      &std::cerr, cara::SystemClock::Default(), isatty(STDOUT_FILENO) && !std::getenv("NO_COLOR")};
  int rc = Dispatch(c, ctx);
  if (rc >= 0) return rc;
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
