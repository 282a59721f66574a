// Where diff and sync read manifests from (kept apart from manifest_source.h
// so the flag parser does not compile the JSON and plan headers).
#pragma once

#include <string>

namespace cara::gitops {

struct SourceSpec {
  std::string dir;        // a directory (or one file) of manifests; or
  std::string repo;       // a Git URL or local repository path,
  std::string ref;        // at this branch, tag or commit (empty: HEAD),
  std::string path;       // under this subdirectory.
  std::string ssh_key;    // ssh remotes: private key file (default: ssh-agent)
  std::string source_id;  // overrides the derived id
};

}  // namespace cara::gitops
