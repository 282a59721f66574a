// Real Git repositories for tests, made with the git CLI (isolated from the
// user's and the system's git configuration).
#pragma once

#include <string>
#include <vector>

namespace cara::testing {

// The git executable found on PATH.
std::string GitBinary();

// Runs `git -C dir args...`; fails the test on a non-zero exit. Returns
// stdout without the trailing newline.
std::string Git(const std::string& dir, std::vector<std::string> args);

// A work tree on branch main.
class GitRepo {
 public:
  explicit GitRepo(std::string dir);  // git init

  const std::string& dir() const { return dir_; }
  void Write(const std::string& relative_path, const std::string& text) const;
  void Remove(const std::string& relative_path) const;
  // Commits everything; returns the new commit's SHA.
  std::string Commit(const std::string& message) const;

 private:
  std::string dir_;
};

}  // namespace cara::testing
