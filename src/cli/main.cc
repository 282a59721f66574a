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
  get_cmd->add_option("--phase", get.phase,
                      "Projects only: Pending, Scheduled, Running, Failed, Terminating or "
                      "Terminated");
  get_cmd->footer(
      "Examples:\n  caractrl get nodes\n  caractrl get projects --phase Running\n"
      "  caractrl get project web -o yaml\n");

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
  std::cout << app.help();
  return kExitOk;
}
