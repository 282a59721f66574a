// Where diff and sync read their manifests from: a directory, or a Git
// repository at a revision (libgit2, no checkout). Loads every document,
// validates all of them (manifest_set.h) and names the source: its id (for
// ownership) and the commit it was read at (for every report).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "common/status.h"
#include "gitops/plan.h"
#include "gitops/source_info.h"
#include "gitops/source_spec.h"

namespace cara::gitops {

struct LoadedSource {
  SourceInfo info;                         // id and commit
  std::vector<DesiredObject> objects;      // valid only when errors is empty
  std::vector<std::string> errors;         // "file:line:col: /pointer: message"
  std::vector<std::string> plain_secrets;  // PlainSecretError of each such Secret
  size_t fingerprint = 0;                  // changes whenever any manifest does
};

// The id written into caravanserai.io/source: the directory's absolute path,
// or the repository URL (a local repository: its absolute path) followed by
// "//<path>" when a subdirectory is given.
std::string DeriveSourceId(const SourceSpec& spec);

// Reads and validates the source; `ref` overrides spec.ref (diff --base).
// A source that cannot be read is an error, never an empty source. When the
// files are exactly those `previous` was loaded from, its result is reused
// instead of validating everything again (sync --watch). The manifests are
// checked on `threads` threads (0: every core), with the same result.
Result<LoadedSource> LoadSource(const SourceSpec& spec, const std::string& ref,
                                const LoadedSource* previous = nullptr, size_t threads = 0);

// LoadSource for sources too large to hold whole: the objects go to `sink`
// a chunk at a time, in source order, as they are checked, instead of into
// the result (whose objects stay empty). Chunks go to the sink only while
// no error has been found; after one, the rest is still checked, so that
// every error is reported as LoadSource reports it.
using ObjectChunkSink = std::function<void(std::vector<DesiredObject>&& chunk)>;
Result<LoadedSource> LoadSourceInChunks(const SourceSpec& spec, const std::string& ref,
                                        const ObjectChunkSink& sink, size_t threads = 0);

}  // namespace cara::gitops
