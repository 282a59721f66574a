// caractrl: the Caravanserai command-line client. This file holds the CLI11
// command tree only (CLI11 is expensive to compile: one TU per binary).
#include <signal.h>

#include <iostream>

#include <CLI/CLI.hpp>

#include "cli/commands.h"
#include "common/version.h"

namespace {

const char kExitCodes[] =
    "Exit codes:\n"
    "  0  success\n"
    "  1  the server or the network failed the request\n"
    "  2  invalid manifests, arguments or flags (nothing was applied)\n";

std::string EnvOr(const char* name, const std::string& fallback) {
  const char* v = std::getenv(name);
  return v && *v ? v : fallback;
}

}  // namespace

int main(int argc, char** argv) {
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
  app.add_option("-o,--output", output, "Output format: table, json or yaml")
      ->capture_default_str()
      ->check(CLI::IsMember({"table", "json", "yaml"}));

  CLI::App* version = app.add_subcommand("version", "Print the client version");

  GetOptions get;
  CLI::App* get_cmd = app.add_subcommand("get", "List nodes or projects, or show one");
  get_cmd->add_option("resource", get.resource, "nodes | projects")->required();
  get_cmd->add_option("name", get.name, "Name of one object");
  get_cmd->add_option("-l,--selector", get.selector,
                      "Label selector: key=value, key!=value or key, comma-separated");
  get_cmd->add_flag("-w,--watch", get.watch, "After listing, print objects again as they change");
  get_cmd->add_option("--phase", get.phase,
                      "Projects only: Pending, Scheduled, Running, Failed, Terminating or "
                      "Terminated");
  get_cmd->footer(
      "Examples:\n  caractrl get nodes\n  caractrl get projects --phase Running\n"
      "  caractrl get project web -o yaml\n"
      "  caractrl get projects -l caravanserai.io/preview=true\n  caractrl get nodes -w\n");

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
  ApiClient client(server);
  CliContext ctx{&client, *ParseOutputFormat(output), &std::cout, &std::cerr,
                 cara::SystemClock::Default()};
  if (*get_cmd) return RunGet(ctx, get);
  if (*apply_cmd) return RunApply(ctx, apply);
  if (*describe_cmd) return RunDescribe(ctx, describe);
  if (*delete_cmd) return RunDelete(ctx, del);
  if (*logs_cmd) return RunLogs(ctx, logs);
  if (*forward_cmd) return RunPortForward(ctx, forward);
  std::cout << app.help();
  return kExitOk;
}
