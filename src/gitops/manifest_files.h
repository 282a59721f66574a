// Finding and reading the files of a directory source. A source is all or
// nothing: an entry that cannot be resolved or read (a dangling symlink, a
// link loop, a permission or I/O error, a manifest name on something that is
// not a regular file) makes the whole source unusable, because skipping it
// would make the objects it defines look deleted and `sync` would prune them.
#pragma once

#include <string>
#include <vector>

#include "common/status.h"

namespace cara::gitops {

// Whether `path` names a manifest: *.yaml, *.yml or *.json.
bool IsManifestFileName(const std::string& path);

// Every *.yaml, *.yml and *.json file under `dir`, recursively, sorted by
// path. Paths start with `dir` as given. Symlinks are followed; each real
// directory is walked once, so a link back to an ancestor ends the walk there.
Result<std::vector<std::string>> ListManifestFiles(const std::string& dir);

// The whole content of `path`, or of standard input; a read error is an
// error, never a short text.
Result<std::string> ReadManifestFile(const std::string& path);
Result<std::string> ReadManifestStdin();

}  // namespace cara::gitops
