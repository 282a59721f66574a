// Reading a set of manifests from a file, a directory or stdin, and checking
// all of them before anything is sent: YAML syntax, kind, JSON Schema, the
// server's semantic rules, duplicates. Every problem is reported at once as
// "file:line:col: /pointer: message".
#pragma once

#include <memory>
#include <span>
#include <string>
#include <vector>

#include "api/manifest.h"
#include "common/status.h"

namespace cara::gitops {

struct SourceFile {
  std::string name;  // as shown in messages ("-" → "<stdin>")
  std::string text;
};

// path: a file, a directory (recursive: *.yaml, *.yml, *.json, sorted by
// path) or "-" for stdin. Any entry of a directory that cannot be read is an
// error for the whole directory (manifest_files.h).
Result<std::vector<SourceFile>> ReadManifestFiles(const std::string& path);

struct Manifest {
  api::ManifestDocument document;
  std::string kind;  // "Node" | "Project" | "Secret"
  std::string name;
};

struct ManifestSet {
  std::vector<Manifest> manifests;  // in file order
  std::vector<std::string> errors;  // empty when everything is valid
};

// LoadManifestSet a chunk of files at a time, for sources too large to hold
// whole as parsed documents (diff and sync plan each chunk and let it go):
// the checks across documents (a name defined twice, an ingress host
// claimed twice) span every chunk, and the errors are those
// LoadManifestSet gives for all the files at once, in the same order.
class ManifestSetLoader {
 public:
  ManifestSetLoader();
  ~ManifestSetLoader();
  ManifestSetLoader(const ManifestSetLoader&) = delete;
  ManifestSetLoader& operator=(const ManifestSetLoader&) = delete;

  // The manifests of `files` in file order, checked on `threads` threads
  // (0: every core); their errors are appended to errors().
  std::vector<Manifest> Add(std::span<const SourceFile> files, size_t threads = 0);
  // Every error so far; empty while everything is valid.
  std::vector<std::string>& errors() { return errors_; }

 private:
  class CrossChecks;
  std::unique_ptr<CrossChecks> cross_;
  std::vector<std::string> errors_;
};

// Checks the files in parallel on `threads` threads (0: every core); the
// result, errors included, is the same whatever the number.
ManifestSet LoadManifestSet(const std::vector<SourceFile>& files, size_t threads = 0);

// "file:line:col: /stringData: ..." when `m` is a Secret with plain values,
// which sync refuses to take from Git (they belong sealed); "" otherwise.
std::string PlainSecretError(const Manifest& m);

}  // namespace cara::gitops
