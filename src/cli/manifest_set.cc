#include "cli/manifest_set.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <map>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "api/codec.h"
#include "api/manifest_list.h"
#include "api/schema.h"
#include "api/validation.h"

namespace cara::cli {
namespace fs = std::filesystem;

namespace {

bool IsManifestFile(const fs::path& p) {
  std::string ext = p.extension().string();
  return ext == ".yaml" || ext == ".yml" || ext == ".json";
}

Result<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::Invalid("read manifest: open " + path + ": " + std::strerror(errno));
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

Result<std::vector<SourceFile>> ReadManifestFiles(const std::string& path) {
  std::vector<SourceFile> files;
  if (path == "-") {
    std::string text((std::istreambuf_iterator<char>(std::cin)), std::istreambuf_iterator<char>());
    files.push_back({"<stdin>", std::move(text)});
    return files;
  }
  std::error_code ec;
  if (fs::is_directory(path, ec)) {
    // Directory symlinks are followed (a manifest behind one that was
    // skipped would be pruned), each real directory once, so a link loop
    // ends.
    std::vector<std::string> paths;
    std::set<fs::path> seen = {fs::canonical(path, ec)};
    for (auto it = fs::recursive_directory_iterator(
             path, fs::directory_options::follow_directory_symlink, ec);
         !ec && it != fs::end(it); it.increment(ec)) {
      if (it->is_directory()) {
        if (!seen.insert(fs::canonical(it->path(), ec)).second) it.disable_recursion_pending();
        continue;
      }
      if (it->is_regular_file() && IsManifestFile(it->path())) paths.push_back(it->path().string());
    }
    if (ec) return Status::Invalid("read manifest: " + path + ": " + ec.message());
    std::sort(paths.begin(), paths.end());
    for (const auto& p : paths) {
      auto text = ReadFile(p);
      if (!text.ok()) return text.status();
      files.push_back({p, std::move(*text)});
    }
    return files;
  }
  auto text = ReadFile(path);
  if (!text.ok()) return text.status();
  files.push_back({path, std::move(*text)});
  return files;
}

namespace {

// The server's own checks, pointed at the field they are about.
void CheckSemantics(const Manifest& m, std::vector<std::string>& errors) {
  auto report = [&](const std::string& pointer, const Status& st) {
    errors.push_back(api::FormatManifestError(m.document, {pointer, st.message()}));
  };
  Status name = api::ValidateName(m.name);
  if (!name.ok()) report("/metadata/name", name);
  if (m.kind != api::kKindProject) return;
  auto project = api::DecodeProject(m.document.value());
  if (!project.ok()) return;  // the schema already reported the type error
  Status spec = api::ValidateProjectSpec(project->spec);
  if (!spec.ok()) report("/spec", spec);
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
    for (auto& doc : api::ExpandLists(std::move(*docs), &set.errors)) {
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
      auto schema_errors =
          kind == api::kKindNode ? api::ValidateNodeDocument(v) : api::ValidateProjectDocument(v);
      for (const auto& e : schema_errors) set.errors.push_back(api::FormatManifestError(doc, e));
      std::string name;
      if (v.contains("metadata") && v["metadata"].is_object() && v["metadata"].contains("name") &&
          v["metadata"]["name"].is_string()) {
        name = v["metadata"]["name"];
      }
      Manifest m{std::move(doc), kind, name};
      if (schema_errors.empty()) CheckSemantics(m, set.errors);
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
