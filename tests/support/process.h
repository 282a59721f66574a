// Running a real binary in tests: arguments, environment, stdin, captured
// stdout/stderr and the exit code.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace cara::testing {

struct ProcessResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// Runs `argv` to completion. `env` entries are added to the environment.
ProcessResult RunProcess(const std::vector<std::string>& argv,
                         const std::map<std::string, std::string>& env = {},
                         const std::string& stdin_text = "");

// Path of a binary built by this project, e.g. BuiltBinary("caractrl").
std::string BuiltBinary(const std::string& name);

}  // namespace cara::testing
