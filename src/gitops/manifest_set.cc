#include "gitops/manifest_set.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <tuple>

#include <nlohmann/json.hpp>

#include "api/codec.h"
#include "api/ingress_host.h"
#include "api/manifest_list.h"
#include "api/schema.h"
#include "api/semantic_rules.h"
#include "api/validation.h"
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
    for (const auto& p : *paths) {
      auto text = ReadManifestFile(p);
      if (!text.ok()) return text.status();
      files.push_back({p, std::move(*text)});
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

// Rules across the documents of a set: a kind/name is defined once, and an
// ingress host belongs to one project (the server refuses a second one with
// 409, so the set could never be applied whole).
class CrossDocumentChecks {
 public:
  void CheckName(const Manifest& m, std::vector<std::string>& errors) {
    auto [it, inserted] =
        names_.emplace(std::make_pair(m.kind, m.name), Where(m, "/metadata/name"));
    if (inserted || m.name.empty()) return;
    errors.push_back(api::FormatManifestError(
        m.document, {"/metadata/name", "duplicate " + m.kind + " " + api::GoQuote(m.name) +
                                           " (also defined at " + it->second + ")"}));
  }

  void CheckIngressHosts(const Manifest& m, const api::Project& p,
                         std::vector<std::string>& errors) {
    if (m.name.empty()) return;
    for (size_t i = 0; i < p.spec.ingress.size(); ++i) {
      const std::string pointer = "/spec/ingress/" + std::to_string(i) + "/host";
      std::string host =
          api::LowercaseHost(api::ResolveIngressHost(p.spec.ingress[i].host, m.name));
      auto [it, inserted] = hosts_.emplace(host, std::make_pair(m.name, Where(m, pointer)));
      if (inserted || it->second.first == m.name) continue;
      errors.push_back(api::FormatManifestError(
          m.document,
          {pointer, "ingress host " + api::GoQuote(host) + " is already used by project " +
                        api::GoQuote(it->second.first) + " (" + it->second.second + ")"}));
    }
  }

 private:
  static std::string Where(const Manifest& m, const std::string& pointer) {
    return m.document.file() + ":" + std::to_string(m.document.MarkOf(pointer).line);
  }

  std::map<std::pair<std::string, std::string>, std::string> names_;  // kind/name → where
  std::map<std::string, std::pair<std::string, std::string>> hosts_;  // host → project, where
};

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

ManifestSet LoadManifestSet(const std::vector<SourceFile>& files) {
  ManifestSet set;
  CrossDocumentChecks cross;
  for (const SourceFile& file : files) {
    auto docs = api::LoadManifests(file.text, file.name);
    if (!docs.ok()) {
      set.errors.push_back(docs.status().message());
      continue;
    }
    for (auto& doc : api::ExpandLists(std::move(*docs), &set.errors)) {
      const nlohmann::json& v = doc.value();
      if (!v.is_object()) {
        set.errors.push_back(api::FormatManifestError(doc, {"", "a manifest must be a mapping"}));
        continue;
      }
      std::string kind =
          v.contains("kind") && v["kind"].is_string() ? v["kind"].get<std::string>() : "";
      if (kind != api::kKindNode && kind != api::kKindProject && kind != api::kKindSecret) {
        set.errors.push_back(
            api::FormatManifestError(doc, {"/kind", "unsupported kind " + api::GoQuote(kind) +
                                                        ": expected Node, Project or Secret"}));
        continue;
      }
      std::optional<api::Project> project;
      for (const auto& e : DocumentErrors(doc, kind, &project)) {
        set.errors.push_back(api::FormatManifestError(doc, e));
      }
      if (std::string wave = SyncWaveError(doc); !wave.empty()) set.errors.push_back(wave);
      std::string name = MetadataName(v);
      Manifest m{std::move(doc), kind, std::move(name)};
      cross.CheckName(m, set.errors);
      if (project) cross.CheckIngressHosts(m, *project, set.errors);
      set.manifests.push_back(std::move(m));
    }
  }
  return set;
}

}  // namespace cara::gitops
