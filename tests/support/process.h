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

// Starts `argv` (argv[0] a path; no shell) in the background: stdin from
// /dev/null, stdout to `stdout_path` (truncated; "" = /dev/null), stderr
// appended to `stderr_path`; given the same path, both are appended to it.
// Throws std::runtime_error when the files cannot be opened or fork fails.
int SpawnProcess(const std::vector<std::string>& argv, const std::string& stdout_path,
                 const std::string& stderr_path);

// Waits for a spawned process; its exit code, or -1 if it did not exit
// normally (killed by a signal).
int WaitForExit(int pid);

// Path of a binary built by this project, e.g. BuiltBinary("caractrl").
std::string BuiltBinary(const std::string& name);

// A process running in the background (a cara-server replica, say); its
// output goes to `log_path`. Killed with SIGKILL when destroyed.
class BackgroundProcess {
 public:
  BackgroundProcess(const std::vector<std::string>& argv,
                    const std::map<std::string, std::string>& env, const std::string& log_path);
  ~BackgroundProcess();
  BackgroundProcess(const BackgroundProcess&) = delete;
  BackgroundProcess& operator=(const BackgroundProcess&) = delete;

  void Signal(int signal);
  // Waits for exit; returns the exit code (128+signal when killed).
  int Wait();
  bool running();
  int pid() const { return pid_; }

 private:
  int pid_ = -1;
  int status_ = -1;
};

// A fresh log file path for a subprocess under <build dir>/test-logs, named
// `prefix`-<pid>-<n>.log. Unlike a temp dir it survives the test, so a
// failure can be read afterwards and contrib/test.sh can check that no
// subprocess wrote a secret.
std::string TestLogPath(const std::string& prefix);

// A TCP port on 127.0.0.1 that was free a moment ago.
int FreeLoopbackPort();

}  // namespace cara::testing
