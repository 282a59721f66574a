// Whole-file reads and crash-safe writes for the secrets in the data dir.
#pragma once

#include <sys/types.h>

#include <string>

#include "common/status.h"

namespace cara::security {

// Writes `contents` to a temporary file beside `path` created with `mode`,
// syncs it and renames it over `path`, so a crash leaves either the old file
// or the new one, never half a key. The mode is set explicitly, whatever the
// umask.
Status WriteFileAtomically(const std::string& path, const std::string& contents, mode_t mode);

// Creates `dir` (and its parents) if needed and makes it 0700, whatever the
// umask: it holds keys and tokens.
Status MakePrivateDirectory(const std::string& dir);

// The whole file; NotFound when it does not exist. Errors name the path.
Result<std::string> ReadWholeFile(const std::string& path);

}  // namespace cara::security
