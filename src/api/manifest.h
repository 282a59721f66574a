// Loading YAML (and JSON) manifests into JSON values that remember where each
// value came from, so validation errors can be reported as file:line:col.
// Built on libyaml's event parser: yaml-cpp is ~8x slower and its scalar
// rules are YAML 1.1 (`on` is true).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "api/schema.h"
#include "common/status.h"

namespace cara::api {

// A position in a manifest file, 1-based. {0, 0} means unknown.
struct Mark {
  int line = 0;
  int column = 0;
  bool operator==(const Mark&) const = default;
};

// One document of a (possibly multi-document) YAML stream.
class ManifestDocument {
 public:
  // A document without position information (e.g. built in code or parsed as
  // plain JSON): MarkOf() returns {0, 0}.
  ManifestDocument(std::string file, int index, nlohmann::json value);
  ~ManifestDocument();
  ManifestDocument(const ManifestDocument& other);
  ManifestDocument& operator=(const ManifestDocument& other);
  ManifestDocument(ManifestDocument&&) noexcept;
  ManifestDocument& operator=(ManifestDocument&&) noexcept;

  const std::string& file() const { return file_; }
  // Position of the document in its stream, counting from 0 (empty documents
  // are skipped but still counted, so the index matches the `---` sections).
  int index() const { return index_; }
  // The document as loaded. It is read-only because the marks are tied to its
  // shape; copy it to change it.
  const nlohmann::json& value() const { return *value_; }
  // Moves the value out (for callers done with positions: 10,000 manifests
  // need not be held twice). Afterwards value() is null and MarkOf() unknown.
  nlohmann::json ReleaseValue();

  // Where the value at `pointer` (RFC 6901, "" = the whole document) starts.
  // A pointer to something that does not exist (a missing property, say)
  // gives the mark of its nearest existing ancestor. Linear in the
  // document's size in total, however many positions are asked for; not
  // thread-safe (it may build an index).
  Mark MarkOf(std::string_view pointer) const;

  // The elements of the array under the top-level `key`, each a document of
  // its own that keeps its marks (the items of a List). Empty when there is
  // no such array.
  std::vector<ManifestDocument> SplitArray(const std::string& key) const;

 private:
  friend class ManifestBuilder;
  ManifestDocument(std::string file, int index, std::unique_ptr<nlohmann::json> value,
                   std::vector<Mark> marks);

  std::string file_;
  int index_ = 0;
  std::unique_ptr<nlohmann::json> value_;
  // One mark per JSON node, in the pre-order of value_'s own iteration order
  // (object keys sorted). A flat vector instead of a pointer->mark map keeps
  // 10,000 loaded manifests small.
  std::vector<Mark> marks_;
  // Pre-order positions of value_'s nodes, built once a document is asked
  // for more than a few marks (every error of a large document). Not copied.
  mutable std::unordered_map<const nlohmann::json*, uint32_t> preorder_;
  mutable int walks_ = 0;
};

// The largest document LoadManifests accepts, in bytes: the server's default
// body limit (--max-body-bytes), so a manifest that loads can also be sent.
inline constexpr size_t kMaxDocumentBytes = size_t{1} << 20;

// Parses every document of `text`. Plain scalars follow the YAML 1.2 core
// schema: null, ~ and empty are null; true/false (any case form) are
// booleans; decimal, 0x and 0o integers; floats including .inf and .nan.
// Quoted and block scalars are always strings, and `yes`/`no`/`on`/`off` stay
// strings. Anchors and aliases are expanded. Errors name the file and
// position: "app.yaml:3:7: duplicate key \"name\"". A syntax error stops the
// parse; other errors (duplicate keys, bad tags) are all collected, one per
// line of the message. A document longer than `max_document_bytes` is
// refused as soon as the parser has read that far ("app.yaml:1:1: document
// is 52428800 bytes, over the limit of 1048576 bytes"), so a huge input costs
// no more than one document of the limit's size.
Result<std::vector<ManifestDocument>> LoadManifests(std::string_view text, const std::string& file,
                                                    size_t max_document_bytes = kMaxDocumentBytes);

// "file:line:col: /pointer: message" ("file:line:col: message" for the
// document root; the position is left out when unknown).
std::string FormatManifestError(const ManifestDocument& document, const SchemaError& error);

}  // namespace cara::api
