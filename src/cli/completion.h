// Shell completion scripts for caractrl (bash, zsh, fish), generated from a
// description of the command tree that main.cc builds from its CLI11 tree,
// so the scripts cannot drift from the real commands and flags.
#pragma once

#include <string>
#include <vector>

namespace cara::cli {

// What a flag or positional argument takes.
enum class CompletionValue {
  kNone,        // a boolean flag
  kFree,        // any text: nothing to offer
  kFile,        // a path
  kChoice,      // one of `choices`
  kObjectName,  // names, from the server, of the kind the first positional names
  kProjectRef   // <project>/<service>: project names from the server, then "/"
};

struct CompletionArg {
  std::vector<std::string> names;  // flags: "-o", "--output"; positionals: one name
  std::string help;
  CompletionValue value = CompletionValue::kNone;
  std::vector<std::string> choices;
  bool repeats = false;  // positionals: the last one may be given several times
};

struct CompletionCommand {
  std::string name;
  std::string help;
  std::vector<CompletionArg> flags;
  std::vector<CompletionArg> positionals;  // in order; the last may repeat
};

struct CompletionTree {
  std::string program;                 // "caractrl"
  std::vector<CompletionArg> globals;  // flags valid everywhere
  std::vector<CompletionCommand> commands;
};

// "bash" | "zsh" | "fish"; empty for another shell.
std::string CompletionScript(const CompletionTree& tree, const std::string& shell);

}  // namespace cara::cli
