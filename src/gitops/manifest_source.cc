#include "gitops/manifest_source.h"

#include <filesystem>
#include <functional>
#include <sstream>

#include "gitops/git_source.h"
#include "gitops/manifest_set.h"

namespace cara::gitops {
namespace {

namespace fs = std::filesystem;

// Lexical, not canonical: a path through a symlink ("releases/current")
// must keep naming the same source when the link is repointed.
std::string AbsolutePath(const std::string& path) {
  std::string s = fs::absolute(path).lexically_normal().string();
  while (s.size() > 1 && s.back() == '/') s.pop_back();
  return s;
}

// "./a//b/." -> "a/b"; "." and "" -> "".
std::string NormalizeSubpath(const std::string& path) {
  std::string out;
  std::stringstream parts(path);
  for (std::string part; std::getline(parts, part, '/');) {
    if (part.empty() || part == ".") continue;
    out += (out.empty() ? "" : "/") + part;
  }
  return out;
}

Result<std::vector<SourceFile>> ReadFiles(const SourceSpec& spec, const std::string& ref,
                                          std::string* commit) {
  if (spec.repo.empty()) return ReadManifestFiles(spec.dir);
  GitSourceOptions options{spec.repo, ref, spec.path, "", spec.ssh_key};
  auto snapshot = ReadGitSource(options);
  if (!snapshot.ok()) return snapshot.status();
  *commit = snapshot->commit;
  std::vector<SourceFile> files;
  files.reserve(snapshot->files.size());
  for (auto& f : snapshot->files) files.push_back({std::move(f.path), std::move(f.text)});
  return files;
}

size_t Fingerprint(const std::vector<SourceFile>& files) {
  size_t h = 0;
  std::hash<std::string> hash;
  for (const auto& f : files) h = h * 1000003u ^ hash(f.name) ^ (hash(f.text) << 1);
  return h;
}

}  // namespace

std::string DeriveSourceId(const SourceSpec& spec) {
  if (!spec.source_id.empty()) return spec.source_id;
  if (spec.repo.empty()) return AbsolutePath(spec.dir);
  std::string id = IsRemoteRepo(spec.repo) ? RedactUrl(spec.repo) : AbsolutePath(spec.repo);
  std::string path = NormalizeSubpath(spec.path);
  return path.empty() ? id : id + "//" + path;
}

Result<LoadedSource> LoadSource(const SourceSpec& spec, const std::string& ref,
                                const LoadedSource* previous) {
  LoadedSource out;
  out.info.id = DeriveSourceId(spec);
  auto files = ReadFiles(spec, ref, &out.info.commit);
  if (!files.ok()) return files.status();
  out.fingerprint = Fingerprint(*files) ^ std::hash<std::string>()(out.info.commit);
  if (previous != nullptr && previous->fingerprint == out.fingerprint) return *previous;
  ManifestSet set = LoadManifestSet(*files);
  out.errors = std::move(set.errors);
  out.objects.reserve(set.manifests.size());
  for (auto& m : set.manifests) {
    if (std::string plain = PlainSecretError(m); !plain.empty()) {
      out.plain_secrets.push_back(std::move(plain));
    }
    auto mark = m.document.MarkOf("");
    std::string origin = m.document.file() + ":" + std::to_string(mark.line);
    out.objects.push_back({m.kind, m.name, m.document.ReleaseValue(), std::move(origin)});
  }
  return out;
}

}  // namespace cara::gitops
