// caractrl completion bash|zsh|fish: scripts generated from the command tree,
// exercised in the real shells (zsh and fish when installed), against a real
// cara-server for object names.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "support/caractrl.h"
#include "support/process.h"
#include "support/temp_dir.h"
#include "support/test_server.h"

namespace cara::testing {
namespace {

std::string Script(const std::string& shell) {
  auto r = RunProcess({BuiltBinary("caractrl"), "completion", shell});
  REQUIRE(r.exit_code == 0);
  return r.out;
}

std::string SearchPath() {
  const char* path = std::getenv("PATH");
  return std::filesystem::path(BuiltBinary("caractrl")).parent_path().string() + ":" +
         (path ? path : "/usr/bin:/bin");
}

// What bash's completion function offers for the words of a command line (the
// last one is the word being completed), one per line, sorted.
std::string BashComplete(const std::string& script_path, const std::string& line,
                         const std::string& server_url = "http://127.0.0.1:1") {
  std::string program = "source '" + script_path + "'\n" + "COMP_WORDS=(" + line +
                        ")\n"
                        "COMP_CWORD=$((${#COMP_WORDS[@]} - 1))\n"
                        "_caractrl\n"
                        "((${#COMPREPLY[@]})) && printf '%s\\n' \"${COMPREPLY[@]}\" | sort\n"
                        "true\n";
  auto r =
      RunProcess({"/bin/bash", "-c", program}, CaractrlEnv(server_url, {{"PATH", SearchPath()}}));
  INFO(r.err);
  CHECK(r.exit_code == 0);
  return r.out;
}

// The path of an installed program, or "".
std::string Installed(const std::string& program) {
  auto r = RunProcess({"/bin/sh", "-c", "command -v " + program});
  return r.exit_code == 0 ? r.out.substr(0, r.out.find('\n')) : "";
}

}  // namespace

TEST_CASE("contrib/caractrl-completion.bash is what `completion bash` generates",
          "[cli][completion]") {
  std::ifstream in(std::string(CARA_SOURCE_DIR) + "/contrib/caractrl-completion.bash");
  std::stringstream contrib;
  contrib << in.rdbuf();
  CHECK(contrib.str() == Script("bash"));
}

TEST_CASE("bash completion offers commands, flags, values and object names", "[cli][completion]") {
  TestServer server("sqlite");
  TempDir dir;
  std::string script = dir.path() + "/caractrl.bash";
  std::ofstream(script) << Script("bash");
  REQUIRE(RunProcess({BuiltBinary("caractrl"), "apply", "-f",
                      std::string(CARA_SOURCE_DIR) + "/examples/manifests"},
                     CaractrlEnv(server.url()))
              .exit_code == 0);

  CHECK(BashComplete(script, "caractrl ''") ==
        "apply\naudit\ncompletion\nconfig\ndelete\ndescribe\ndiff\ndrain\nexplain\nget\n"
        "history\nlogs\nport-forward\nresume\nrollback\nrollout\nseal\nsuspend\nsync\ntoken\n"
        "undrain\nversion\n");
  CHECK(BashComplete(script, "caractrl de") == "delete\ndescribe\n");
  CHECK(BashComplete(script, "caractrl get ''") == "events\nnodes\nprojects\nsecrets\n");
  CHECK(BashComplete(script, "caractrl explain ''") == "event\nnode\nproject\nsecret\n");
  CHECK(BashComplete(script, "caractrl get --ph") == "--phase\n");
  CHECK(BashComplete(script, "caractrl get projects --phase R") == "Running\n");
  CHECK(BashComplete(script, "caractrl -o ''") == "json\nmarkdown\nname\ntable\nwide\nyaml\n");
  CHECK(BashComplete(script, "caractrl completion ''") == "bash\nfish\nzsh\n");
  CHECK(BashComplete(script, "caractrl rollout ''") == "restart\n");
  CHECK(BashComplete(script, "caractrl delete --ig") == "--ignore-not-found\n");
  CHECK(BashComplete(script, "caractrl get --no") == "--no-headers\n");
  CHECK(BashComplete(script, "caractrl sync --no-") == "--no-prune\n");
  // -f takes a value for apply (a file) but not for logs (--follow).
  CHECK(BashComplete(script, "caractrl logs -f ''") == "");
  CHECK(BashComplete(script, "caractrl get projects web", server.url()) == "web\nweb-pr-42\n");
  CHECK(BashComplete(script, "caractrl describe node ''", server.url()) == "node-1\nnode-2\n");
  // Connection flags on the command line are passed on (nothing in the environment).
  CHECK(BashComplete(script, "caractrl --server " + server.url() + " --token " +
                                 server.admin_token() + " --certificate-authority " +
                                 server.ca_file() + " delete project g") == "guestbook\n");
  CHECK(BashComplete(script, "caractrl --server " + server.url() + " --token " +
                                 server.admin_token() +
                                 " --insecure-skip-tls-verify delete project g") == "guestbook\n");
  // Without a token the server refuses, and nothing is offered.
  CHECK(BashComplete(script, "caractrl --server " + server.url() +
                                 " --insecure-skip-tls-verify delete project g") == "");
}

TEST_CASE("zsh and fish completion scripts load and complete", "[cli][completion]") {
  TempDir dir;
  const std::string zsh = Installed("zsh");
  const std::string fish = Installed("fish");
  if (!zsh.empty()) {
    std::string script = dir.path() + "/_caractrl";
    std::ofstream(script) << Script("zsh");
    auto check = RunProcess({zsh, "-n", script});
    INFO(check.err);
    CHECK(check.exit_code == 0);
    auto loaded = RunProcess({zsh, "-f", "-c",
                              "autoload -U compinit && compinit -u && source " + script +
                                  " && print -r -- ${_comps[caractrl]}"});
    INFO(loaded.err);
    CHECK(loaded.out == "_caractrl\n");
  } else {
    WARN("zsh is not installed: its completion script was not run");
  }
  if (!fish.empty()) {
    std::string script = dir.path() + "/caractrl.fish";
    std::ofstream(script) << Script("fish");
    auto complete = [&](const std::string& line) {
      auto r = RunProcess(
          {fish, "--no-config", "-c", "source " + script + "; complete -C '" + line + "'"},
          {{"PATH", SearchPath()}});
      INFO(r.err);
      CHECK(r.exit_code == 0);
      std::string words;
      std::istringstream lines(r.out);
      for (std::string l; std::getline(lines, l);) words += l.substr(0, l.find('\t')) + "\n";
      return words;
    };
    CHECK(complete("caractrl ge") == "get\n");
    CHECK(complete("caractrl get ") == "events\nnodes\nprojects\nsecrets\n");
    CHECK(complete("caractrl get projects --pha") == "--phase\n");
    CHECK(complete("caractrl completion ") == "bash\nfish\nzsh\n");
  } else {
    WARN("fish is not installed: its completion script was not run");
  }
}

}  // namespace cara::testing
