// cara-agent: the node agent. Registration, heartbeats and Docker reconcile
// arrive with issue #4; for now it answers --version and --help.
#include <iostream>

#include <CLI/CLI.hpp>

int main(int argc, char** argv) {
  CLI::App app{"cara-agent: Caravanserai node agent (not yet implemented)", "cara-agent"};
  bool version = false;
  app.add_flag("--version", version, "Print the version and exit");
  CLI11_PARSE(app, argc, argv);
  std::cout << "cara-agent " << CARA_VERSION << " (commit " << CARA_COMMIT << ")\n";
  if (!version) {
    std::cerr << "cara-agent: the agent is not implemented yet\n";
    return 1;
  }
  return 0;
}
