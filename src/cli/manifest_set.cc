#include "cli/manifest_set.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <map>
#include <set>
#include <sstream>
#include <tuple>

#include <nlohmann/json.hpp>

#include "api/codec.h"
#include "api/schema.h"
#include "api/semantic_rules.h"
#include "api/validation.h"
#include "cli/manifest_files.h"

namespace cara::cli {
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

// The server's semantic rules (api/semantic_rules.h); none when the document
// does not decode (the schema reports its type errors).
std::vector<api::Violation> RuleViolations(const nlohmann::json& value, const std::string& kind) {
  if (kind == api::kKindNode) {
    auto node = api::DecodeNode(value);
    return node.ok() ? api::CheckNode(*node) : std::vector<api::Violation>();
  }
  auto project = api::DecodeProject(value);
  return project.ok() ? api::CheckProject(*project) : std::vector<api::Violation>();
}

// The schema's errors and the rules' violations of one document, ordered by
// their position in the file. The rules run whenever the document decodes,
// so a schema error (an unknown field, say) hides none of them.
std::vector<api::SchemaError> DocumentErrors(const api::ManifestDocument& doc,
                                             const std::string& kind) {
  const nlohmann::json& value = doc.value();
  auto schema = kind == api::kKindNode ? api::ValidateNodeDocument(value)
                                       : api::ValidateProjectDocument(value);
  auto errors = api::MergeWithSchemaErrors(RuleViolations(value, kind), schema);
  std::vector<std::pair<api::Mark, api::SchemaError>> placed;
  for (auto& e : errors) placed.emplace_back(doc.MarkOf(e.pointer), std::move(e));
  std::stable_sort(placed.begin(), placed.end(), [](const auto& a, const auto& b) {
    return std::tie(a.first.line, a.first.column) < std::tie(b.first.line, b.first.column);
  });
  errors.clear();
  for (auto& [mark, e] : placed) errors.push_back(std::move(e));
  return errors;
}

}  // namespace

ManifestSet LoadManifestSet(const std::vector<SourceFile>& files) {
  ManifestSet set;
  std::map<std::pair<std::string, std::string>, std::string> seen;  // kind/name → where
  for (const SourceFile& file : files) {
    auto docs = api::LoadManifests(file.text, file.name);
    if (!docs.ok()) {
      set.errors.push_back(docs.status().message());
      continue;
    }
    for (auto& doc : *docs) {
      const nlohmann::json& v = doc.value();
      if (!v.is_object()) {
        set.errors.push_back(api::FormatManifestError(doc, {"", "a manifest must be a mapping"}));
        continue;
      }
      std::string kind =
          v.contains("kind") && v["kind"].is_string() ? v["kind"].get<std::string>() : "";
      if (kind != api::kKindNode && kind != api::kKindProject) {
        set.errors.push_back(api::FormatManifestError(
            doc,
            {"/kind", "unsupported kind " + api::GoQuote(kind) + ": expected Node or Project"}));
        continue;
      }
      for (const auto& e : DocumentErrors(doc, kind)) {
        set.errors.push_back(api::FormatManifestError(doc, e));
      }
      std::string name;
      if (v.contains("metadata") && v["metadata"].is_object() && v["metadata"].contains("name") &&
          v["metadata"]["name"].is_string()) {
        name = v["metadata"]["name"];
      }
      Manifest m{std::move(doc), kind, name};
      auto mark = m.document.MarkOf("/metadata/name");
      std::string where = m.document.file() + ":" + std::to_string(mark.line);
      auto [it, inserted] = seen.emplace(std::make_pair(kind, name), where);
      if (!inserted && !name.empty()) {
        set.errors.push_back(api::FormatManifestError(
            m.document, {"/metadata/name", "duplicate " + kind + " " + api::GoQuote(name) +
                                               " (also defined at " + it->second + ")"}));
      }
      set.manifests.push_back(std::move(m));
    }
  }
  return set;
}

}  // namespace cara::cli
