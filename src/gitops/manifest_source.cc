#include "gitops/manifest_source.h"

#include <algorithm>
#include <filesystem>
#include <functional>
#include <sstream>

#include "gitops/git_source.h"
#include "gitops/manifest_set.h"

namespace cara::gitops {
namespace {

namespace fs = std::filesystem;

// Files checked at a time by LoadSourceInChunks: enough for every core to
// have work, few enough that a chunk's parsed documents are small.
constexpr size_t kChunkFiles = 1000;

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

namespace {

// Objects of the checked manifests, in order; plain Secrets noted in *out.
std::vector<DesiredObject> ToObjects(std::vector<Manifest>& manifests, LoadedSource* out) {
  std::vector<DesiredObject> objects;
  objects.reserve(manifests.size());
  for (auto& m : manifests) {
    if (std::string plain = PlainSecretError(m); !plain.empty()) {
      out->plain_secrets.push_back(std::move(plain));
    }
    // Taken out so its marks go now, not with the whole set.
    api::ManifestDocument document = std::move(m.document);
    auto mark = document.MarkOf("");
    std::string origin = document.file() + ":" + std::to_string(mark.line);
    objects.push_back(
        {std::move(m.kind), std::move(m.name), document.ReleaseValue(), std::move(origin)});
  }
  return objects;
}

// Checks the files `chunk` at a time, letting each text go once parsed, and
// hands each chunk's objects to `sink` while no error has been found.
void CheckInChunks(std::vector<SourceFile>& files, size_t chunk, size_t threads,
                   const ObjectChunkSink& sink, LoadedSource* out) {
  ManifestSetLoader loader;
  for (size_t from = 0; from < files.size(); from += chunk) {
    const size_t count = std::min(chunk, files.size() - from);
    std::vector<Manifest> manifests = loader.Add({files.data() + from, count}, threads);
    for (size_t i = from; i < from + count; ++i) std::string().swap(files[i].text);
    std::vector<DesiredObject> objects = ToObjects(manifests, out);
    if (loader.errors().empty()) sink(std::move(objects));
  }
  out->errors = std::move(loader.errors());
}

}  // namespace

Result<LoadedSource> LoadSource(const SourceSpec& spec, const std::string& ref,
                                const LoadedSource* previous, size_t threads) {
  LoadedSource out;
  out.info.id = DeriveSourceId(spec);
  auto files = ReadFiles(spec, ref, &out.info.commit);
  if (!files.ok()) return files.status();
  out.fingerprint = Fingerprint(*files) ^ std::hash<std::string>()(out.info.commit);
  if (previous != nullptr && previous->fingerprint == out.fingerprint) return *previous;
  ManifestSetLoader loader;
  std::vector<Manifest> manifests = loader.Add(*files, threads);
  std::vector<SourceFile>().swap(*files);  // parsed: the memory is in the objects now
  out.objects = ToObjects(manifests, &out);
  out.errors = std::move(loader.errors());
  return out;
}

Result<LoadedSource> LoadSourceInChunks(const SourceSpec& spec, const std::string& ref,
                                        const ObjectChunkSink& sink, size_t threads) {
  LoadedSource out;
  out.info.id = DeriveSourceId(spec);
  auto files = ReadFiles(spec, ref, &out.info.commit);
  if (!files.ok()) return files.status();
  out.fingerprint = Fingerprint(*files) ^ std::hash<std::string>()(out.info.commit);
  CheckInChunks(*files, kChunkFiles, threads, sink, &out);
  return out;
}

}  // namespace cara::gitops
