// What the benchmarks measure about processes: CPU time of a running server,
// and wall time and peak memory of a command run to completion.
#pragma once

#include <string>
#include <vector>

namespace cara::bench {

// User + system CPU seconds the process (all its threads) has used so far,
// from /proc/PID/stat. Throws if the process is gone.
double ProcessCpuSeconds(int pid);

struct CommandRun {
  int exit_code = -1;  // 128 + signal when killed
  double wall_seconds = 0;
  double peak_rss_bytes = 0;  // the child's maximum resident set (wait4)
  std::string out;            // stdout
  std::string err;            // stderr
};

// Runs argv (argv[0] a path) with stdin from /dev/null; its output goes to
// files, not pipes, so a chatty command never blocks and the timing covers
// the command alone.
CommandRun RunCommand(const std::vector<std::string>& argv);

}  // namespace cara::bench
