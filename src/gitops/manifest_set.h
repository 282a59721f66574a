// Reading a set of manifests from a file, a directory or stdin, and checking
// all of them before anything is sent: YAML syntax, kind, JSON Schema, the
// server's semantic rules, duplicates. Every problem is reported at once as
// "file:line:col: /pointer: message".
#pragma once

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

ManifestSet LoadManifestSet(const std::vector<SourceFile>& files);

// "file:line:col: /stringData: ..." when `m` is a Secret with plain values,
// which sync refuses to take from Git (they belong sealed); "" otherwise.
std::string PlainSecretError(const Manifest& m);

}  // namespace cara::gitops
