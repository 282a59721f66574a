#include "support/git_repo.h"

#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "support/process.h"

namespace cara::testing {
namespace {

namespace fs = std::filesystem;

}  // namespace

// RunProcess execs without a PATH search.
std::string GitBinary() {
  const char* path = std::getenv("PATH");
  std::string dirs = path != nullptr ? path : "/usr/bin:/bin";
  size_t i = 0;
  while (i <= dirs.size()) {
    size_t j = dirs.find(':', i);
    if (j == std::string::npos) j = dirs.size();
    fs::path candidate = fs::path(dirs.substr(i, j - i)) / "git";
    if (::access(candidate.c_str(), X_OK) == 0) return candidate.string();
    i = j + 1;
  }
  return "/usr/bin/git";
}

std::string Git(const std::string& dir, std::vector<std::string> args) {
  std::vector<std::string> argv = {GitBinary(),
                                   "-C",
                                   dir,
                                   "-c",
                                   "user.name=Test",
                                   "-c",
                                   "user.email=test@example.com",
                                   "-c",
                                   "commit.gpgsign=false",
                                   "-c",
                                   "init.defaultBranch=main"};
  argv.insert(argv.end(), args.begin(), args.end());
  auto r = RunProcess(argv, {{"GIT_CONFIG_NOSYSTEM", "1"}});
  INFO("git " << args.front() << ": " << r.err);
  REQUIRE(r.exit_code == 0);
  std::string out = r.out;
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
  return out;
}

GitRepo::GitRepo(std::string dir) : dir_(std::move(dir)) {
  fs::create_directories(dir_);
  Git(dir_, {"init", "-q"});
}

void GitRepo::Write(const std::string& relative_path, const std::string& text) const {
  fs::path p = fs::path(dir_) / relative_path;
  fs::create_directories(p.parent_path());
  std::ofstream(p) << text;
}

void GitRepo::Remove(const std::string& relative_path) const {
  fs::remove(fs::path(dir_) / relative_path);
}

std::string GitRepo::Commit(const std::string& message) const {
  Git(dir_, {"add", "-A"});
  Git(dir_, {"commit", "-q", "--allow-empty", "-m", message});
  return Git(dir_, {"rev-parse", "HEAD"});
}

}  // namespace cara::testing
