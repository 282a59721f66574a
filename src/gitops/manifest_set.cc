#include "gitops/manifest_set.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <map>
#include <optional>
#include <set>
#include <span>
#include <sstream>
#include <tuple>

#include <nlohmann/json.hpp>

#include "api/codec.h"
#include "api/ingress_host.h"
#include "api/manifest_list.h"
#include "api/schema.h"
#include "api/semantic_rules.h"
#include "api/validation.h"
#include "common/parallel_for.h"
#include "gitops/manifest_files.h"
#include "gitops/sync_wave.h"

namespace cara::gitops {
namespace fs = std::filesystem;

Result<std::vector<SourceFile>> ReadManifestFiles(const std::string& path) {
  std::vector<SourceFile> files;
  if (path == "-") {
    auto text = ReadManifestStdin();
    if (!text.ok()) return text.status();
    files.push_back({"<stdin>", std::move(*text)});
    return files;
  }
  std::error_code ec;
  if (fs::is_directory(path, ec)) {
    auto paths = ListManifestFiles(path);
    if (!paths.ok()) return paths.status();
    // On every core: 10,000 small files are mostly system calls, and the
    // time of reading them one by one is the start of every large diff.
    std::vector<Result<std::string>> texts(paths->size(), std::string());
    ParallelFor(paths->size(), 0, [&](size_t i) { texts[i] = ReadManifestFile((*paths)[i]); });
    files.reserve(paths->size());
    for (size_t i = 0; i < paths->size(); ++i) {
      if (!texts[i].ok()) return texts[i].status();  // the first in path order
      files.push_back({std::move((*paths)[i]), std::move(*texts[i])});
    }
    return files;
  }
  auto text = ReadManifestFile(path);
  if (!text.ok()) return text.status();
  files.push_back({path, std::move(*text)});
  return files;
}

namespace {

// The schema's errors and the semantic rules' violations (api/semantic_rules.h)
// of one document, ordered by their position in the file. The rules run
// whenever the document decodes (otherwise the schema reports the type
// errors), so a schema error hides none of them. Sets *project to a Project
// that decodes.
std::vector<api::SchemaError> DocumentErrors(const api::ManifestDocument& doc,
                                             const std::string& kind,
                                             std::optional<api::Project>* project) {
  const nlohmann::json& value = doc.value();
  std::vector<api::Violation> violations;
  std::vector<api::SchemaError> schema;
  if (kind == api::kKindSecret) {
    if (auto secret = api::DecodeSecret(value); secret.ok()) violations = api::CheckSecret(*secret);
    schema = api::ValidateSecretDocument(value);
  } else if (kind == api::kKindNode) {
    if (auto node = api::DecodeNode(value); node.ok()) violations = api::CheckNode(*node);
    schema = api::ValidateNodeDocument(value);
  } else if (auto decoded = api::DecodeProject(value); decoded.ok()) {
    violations = api::CheckProject(*decoded);
    *project = std::move(*decoded);
  }
  if (kind == api::kKindProject) schema = api::ValidateProjectDocument(value);
  auto errors = api::MergeWithSchemaErrors(violations, schema);
  std::vector<std::pair<api::Mark, api::SchemaError>> placed;
  for (auto& e : errors) placed.emplace_back(doc.MarkOf(e.pointer), std::move(e));
  std::stable_sort(placed.begin(), placed.end(), [](const auto& a, const auto& b) {
    return std::tie(a.first.line, a.first.column) < std::tie(b.first.line, b.first.column);
  });
  errors.clear();
  for (auto& [mark, e] : placed) errors.push_back(std::move(e));
  return errors;
}

// Where a document defines something, "file:line" (for "also defined at").
std::string Where(const api::ManifestDocument& doc, const std::string& pointer) {
  return doc.file() + ":" + std::to_string(doc.MarkOf(pointer).line);
}

// An ingress host a Project claims, and where.
struct HostClaim {
  std::string pointer;  // "/spec/ingress/0/host"
  std::string host;     // resolved and lowercased
  std::string where;
};

// One document checked on its own (on any thread): the manifest, the errors
// found in it alone, and what the checks across documents need.
struct CheckedDocument {
  std::optional<Manifest> manifest;  // none: not a mapping, or not a kind we take
  std::vector<std::string> errors;
  std::string name_where;  // Where(/metadata/name)
  std::vector<HostClaim> hosts;
};

// One file: the errors of the file as a whole (YAML syntax, a List without
// items), then its documents in order.
struct CheckedFile {
  std::vector<std::string> errors;
  std::vector<CheckedDocument> documents;
};

std::vector<HostClaim> HostClaims(const api::ManifestDocument& doc, const std::string& name,
                                  const api::Project& p) {
  std::vector<HostClaim> claims;
  if (name.empty()) return claims;
  for (size_t i = 0; i < p.spec.ingress.size(); ++i) {
    std::string pointer = "/spec/ingress/" + std::to_string(i) + "/host";
    std::string host = api::LowercaseHost(api::ResolveIngressHost(p.spec.ingress[i].host, name));
    std::string where = Where(doc, pointer);
    claims.push_back({std::move(pointer), std::move(host), std::move(where)});
  }
  return claims;
}

std::string MetadataName(const nlohmann::json& v) {
  if (v.contains("metadata") && v["metadata"].is_object() && v["metadata"].contains("name") &&
      v["metadata"]["name"].is_string()) {
    return v["metadata"]["name"];
  }
  return "";
}

}  // namespace

std::string PlainSecretError(const Manifest& m) {
  if (m.kind != api::kKindSecret) return "";
  const nlohmann::json& v = m.document.value();
  auto data = v.find("stringData");
  if (data == v.end() || !data->is_object() || data->empty()) return "";
  return api::FormatManifestError(
      m.document,
      {"/stringData", "Secret " + api::GoQuote(m.name) +
                          " holds plain values; seal them with `caractrl seal -f " +
                          m.document.file() + "` (or sync with --allow-plain-secrets)"});
}

namespace {

CheckedDocument CheckDocument(api::ManifestDocument doc) {
  CheckedDocument out;
  const nlohmann::json& v = doc.value();
  if (!v.is_object()) {
    out.errors.push_back(api::FormatManifestError(doc, {"", "a manifest must be a mapping"}));
    return out;
  }
  std::string kind =
      v.contains("kind") && v["kind"].is_string() ? v["kind"].get<std::string>() : "";
  if (kind != api::kKindNode && kind != api::kKindProject && kind != api::kKindSecret) {
    out.errors.push_back(api::FormatManifestError(
        doc, {"/kind",
              "unsupported kind " + api::GoQuote(kind) + ": expected Node, Project or Secret"}));
    return out;
  }
  std::optional<api::Project> project;
  for (const auto& e : DocumentErrors(doc, kind, &project)) {
    out.errors.push_back(api::FormatManifestError(doc, e));
  }
  if (std::string wave = SyncWaveError(doc); !wave.empty()) out.errors.push_back(wave);
  std::string name = MetadataName(v);
  out.name_where = Where(doc, "/metadata/name");
  if (project) out.hosts = HostClaims(doc, name, *project);
  out.manifest = Manifest{std::move(doc), kind, std::move(name)};
  return out;
}

CheckedFile CheckFile(const SourceFile& file) {
  CheckedFile out;
  auto docs = api::LoadManifests(file.text, file.name);
  if (!docs.ok()) {
    out.errors.push_back(docs.status().message());
    return out;
  }
  for (auto& doc : api::ExpandLists(std::move(*docs), &out.errors)) {
    out.documents.push_back(CheckDocument(std::move(doc)));
  }
  return out;
}

}  // namespace

// Rules across the documents of a set: a kind/name is defined once, and an
// ingress host belongs to one project (the server refuses a second one with
// 409, so the set could never be applied whole). Run in file order.
class ManifestSetLoader::CrossChecks {
 public:
  void CheckName(const Manifest& m, const std::string& where, std::vector<std::string>& errors) {
    auto [it, inserted] = names_.emplace(std::make_pair(m.kind, m.name), where);
    if (inserted || m.name.empty()) return;
    errors.push_back(api::FormatManifestError(
        m.document, {"/metadata/name", "duplicate " + m.kind + " " + api::GoQuote(m.name) +
                                           " (also defined at " + it->second + ")"}));
  }

  void CheckIngressHosts(const Manifest& m, const std::vector<HostClaim>& claims,
                         std::vector<std::string>& errors) {
    for (const HostClaim& c : claims) {
      auto [it, inserted] = hosts_.emplace(c.host, std::make_pair(m.name, c.where));
      if (inserted || it->second.first == m.name) continue;
      errors.push_back(api::FormatManifestError(
          m.document,
          {c.pointer, "ingress host " + api::GoQuote(c.host) + " is already used by project " +
                          api::GoQuote(it->second.first) + " (" + it->second.second + ")"}));
    }
  }

 private:
  std::map<std::pair<std::string, std::string>, std::string> names_;  // kind/name → where
  std::map<std::string, std::pair<std::string, std::string>> hosts_;  // host → project, where
};

ManifestSetLoader::ManifestSetLoader() : cross_(std::make_unique<CrossChecks>()) {}
ManifestSetLoader::~ManifestSetLoader() = default;

std::vector<Manifest> ManifestSetLoader::Add(std::span<const SourceFile> files, size_t threads) {
  // Each file on its own, in parallel; then, in file order, what spans
  // files. The errors come out in the order of a one-by-one pass.
  std::vector<CheckedFile> checked(files.size());
  ParallelFor(files.size(), threads, [&](size_t i) { checked[i] = CheckFile(files[i]); });
  std::vector<Manifest> manifests;
  for (CheckedFile& file : checked) {
    for (auto& e : file.errors) errors_.push_back(std::move(e));
    for (CheckedDocument& doc : file.documents) {
      for (auto& e : doc.errors) errors_.push_back(std::move(e));
      if (!doc.manifest) continue;
      cross_->CheckName(*doc.manifest, doc.name_where, errors_);
      cross_->CheckIngressHosts(*doc.manifest, doc.hosts, errors_);
      manifests.push_back(std::move(*doc.manifest));
    }
    file = CheckedFile();  // its documents moved on; free the rest now
  }
  return manifests;
}

ManifestSet LoadManifestSet(const std::vector<SourceFile>& files, size_t threads) {
  ManifestSetLoader loader;
  ManifestSet set;
  set.manifests = loader.Add(files, threads);
  set.errors = std::move(loader.errors());
  return set;
}

}  // namespace cara::gitops
