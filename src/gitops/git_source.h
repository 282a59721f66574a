// Reading manifests from a Git repository through libgit2, without a checkout:
// resolve a branch, tag or commit, walk the tree under a subdirectory and read
// every *.yaml, *.yml and *.json blob at that commit.
//
// Remote repositories (file://, git://, https://, ssh:// and scp-style
// user@host:path) are kept as one bare repository per URL under a cache
// directory and fetched on every call; a fetch failure is an error, never an
// empty snapshot. Local paths are opened in place.
#pragma once

#include <string>
#include <vector>

#include "common/status.h"

namespace cara::gitops {

struct GitSourceOptions {
  std::string repo;       // URL or local path
  std::string ref;        // branch, tag or commit SHA; empty: remote HEAD / local HEAD
  std::string path;       // subdirectory; empty: the repository root
  std::string cache_dir;  // empty: $XDG_CACHE_HOME/caractrl, else ~/.cache/caractrl
  std::string ssh_key;    // ssh:// private key file; empty: ssh-agent
};

struct GitFile {
  std::string path;  // relative to the repository root, e.g. "manifests/projects/web.yaml"
  std::string text;
};

struct GitSnapshot {
  std::string commit;          // full SHA of the resolved commit
  std::vector<GitFile> files;  // sorted by path
};

// True when `repo` names a remote (a URL or scp-style "user@host:path"), false
// for a local path.
bool IsRemoteRepo(const std::string& repo);

// `url` without the user:password (or token) part of an http(s) URL, for
// messages, logs and source ids.
std::string RedactUrl(const std::string& url);

// The default cache directory: $XDG_CACHE_HOME/caractrl, else ~/.cache/caractrl
// (empty when neither variable is set).
std::string DefaultGitCacheDir();

Result<GitSnapshot> ReadGitSource(const GitSourceOptions& o);

}  // namespace cara::gitops
