// cara-bench: the benchmark harness of issue 7. Run through tests/bench/run.sh.
//
//   cara-bench [--smoke] [--scale F] [--only STEP,...]   run the steps, print the table
//   cara-bench trivial-server PORT BODY_FILE  the baseline HTTP server (internal)
//
// Exits 1 if a step broke (an ERROR row), so the ctest smoke run catches a
// harness that rotted; missed targets do not fail it.
#include <signal.h>
#include <stdlib.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <functional>
#include <iostream>
#include <set>
#include <sstream>
#include <thread>

#include "bench/bench.h"
#include "bench/trivial_server.h"
#include "common/log.h"
#include "common/version.h"

namespace cara::bench {
namespace {

struct Step {
  const char* name;
  void (*run)(const Sizes&, Report&);
};

const Step kSteps[] = {
    {"validation", RunValidationBench}, {"gitops", RunGitopsBench},
    {"api", RunApiThroughputBench},     {"scheduler", RunSchedulerBench},
    {"agent", RunAgentBench},           {"control-plane", RunControlPlaneBench},
    {"tls", RunTlsCostBench},           {"watch", RunWatchBench},
};

std::string CpuModel() {
  std::ifstream in("/proc/cpuinfo");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("model name", 0) == 0) return line.substr(line.find(':') + 2);
  }
  return "unknown CPU";
}

std::string Machine() {
  long pages = ::sysconf(_SC_PHYS_PAGES);
  long page = ::sysconf(_SC_PAGE_SIZE);
  utsname u{};
  ::uname(&u);
  return CpuModel() + ", " + std::to_string(std::thread::hardware_concurrency()) + " cores, " +
         std::to_string((pages * page) >> 30) + " GiB, Linux " + u.release;
}

std::set<std::string> ParseOnly(const std::string& list) {
  std::set<std::string> names;
  std::stringstream in(list);
  for (std::string name; std::getline(in, name, ',');) {
    bool known = false;
    for (const Step& s : kSteps) known = known || name == s.name;
    if (!known) throw std::invalid_argument("unknown step \"" + name + "\"");
    names.insert(name);
  }
  return names;
}

int Usage() {
  std::cerr << "usage: cara-bench [--smoke] [--scale F] [--only STEP,...]\n  steps:";
  for (const Step& s : kSteps) std::cerr << " " << s.name;
  std::cerr << "\n";
  return 2;
}

int RunSteps(const Sizes& sizes, bool smoke, const std::set<std::string>& only) {
  Report report;
  for (const Step& step : kSteps) {
    if (!only.empty() && !only.count(step.name)) continue;
    Progress(std::string("step ") + step.name);
    // A broken step must not hide the others' results.
    try {
      step.run(sizes, report);
    } catch (const std::exception& e) {
      report.AddError(step.name, e.what());
    }
  }
  std::cout << "\ncara-bench " << (smoke ? "(smoke sizes) " : "") << "on " << Machine()
            << ", commit " << Commit() << "\n\n";
  report.Print(std::cout);
  return report.has_errors() ? 1 : 0;
}

}  // namespace

void Progress(const std::string& message) { std::cerr << "cara-bench: " << message << std::endl; }

}  // namespace cara::bench

int main(int argc, char** argv) {
  using namespace cara::bench;
  // Servers under test may close connections while we write to them.
  ::signal(SIGPIPE, SIG_IGN);
  cara::SetLogLevel(cara::LogLevel::kWarn);
  if (argc == 4 && std::strcmp(argv[1], "trivial-server") == 0) {
    return RunTrivialServer(std::atoi(argv[2]), argv[3]);
  }
  bool smoke = false;
  double scale = 1;
  std::set<std::string> only;
  try {
    for (int i = 1; i < argc; ++i) {
      std::string arg = argv[i];
      if (arg == "--smoke") {
        smoke = true;
      } else if (arg == "--scale" && i + 1 < argc) {
        scale = std::stod(argv[++i]);
      } else if (arg == "--only" && i + 1 < argc) {
        only = ParseOnly(argv[++i]);
      } else {
        return Usage();
      }
    }
  } catch (const std::exception& e) {
    std::cerr << "cara-bench: " << e.what() << "\n";
    return Usage();
  }
  // Measure PostgreSQL as production runs it (fsync on), like SQLite's
  // synchronous=FULL; a smoke run may take the test suite's fast server.
  if (!smoke) ::setenv("CARA_TEST_POSTGRES_DURABLE", "1", /*overwrite=*/0);
  return RunSteps((smoke ? Sizes::Smoke() : Sizes{}).Scaled(scale), smoke, only);
}
