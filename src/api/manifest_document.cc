// ManifestDocument: a loaded document and the positions of its nodes (marks
// in pre-order), looked up by JSON pointer. The loader is manifest.cc.
#include <charconv>
#include <unordered_map>

#include <nlohmann/json.hpp>

#include "api/manifest.h"

namespace cara::api {

using json = nlohmann::json;

ManifestDocument::ManifestDocument(std::string file, int index, nlohmann::json value)
    : file_(std::move(file)), index_(index), value_(std::make_unique<json>(std::move(value))) {}

ManifestDocument::ManifestDocument(std::string file, int index, std::unique_ptr<json> value,
                                   std::vector<Mark> marks)
    : file_(std::move(file)), index_(index), value_(std::move(value)), marks_(std::move(marks)) {}

ManifestDocument::~ManifestDocument() = default;
ManifestDocument::ManifestDocument(ManifestDocument&&) noexcept = default;
ManifestDocument& ManifestDocument::operator=(ManifestDocument&&) noexcept = default;

ManifestDocument::ManifestDocument(const ManifestDocument& other)
    : file_(other.file_),
      index_(other.index_),
      value_(std::make_unique<json>(*other.value_)),
      marks_(other.marks_) {}

ManifestDocument& ManifestDocument::operator=(const ManifestDocument& other) {
  if (this != &other) *this = ManifestDocument(other);
  return *this;
}

nlohmann::json ManifestDocument::ReleaseValue() {
  std::vector<Mark>().swap(marks_);  // frees them, unlike clear()
  preorder_ = {};
  return std::move(*value_);
}

namespace {

// Nodes in the subtree, the root included: the span of its marks.
size_t CountNodes(const json& j) {
  size_t n = 1;
  if (j.is_structured()) {
    for (const json& child : j) n += CountNodes(child);
  }
  return n;
}

// Follows `pointer` as far as it exists. With `preorder`, also counts the
// pre-order position of the node reached, which costs the size of every
// subtree skipped on the way.
const json* Follow(const json& root, std::string_view pointer, size_t* preorder) {
  const json* node = &root;
  while (!pointer.empty() && pointer[0] == '/') {
    size_t end = pointer.find('/', 1);
    std::string token(pointer.substr(1, end == std::string_view::npos ? end : end - 1));
    pointer = end == std::string_view::npos ? std::string_view() : pointer.substr(end);
    for (size_t p = 0; (p = token.find('~', p)) != std::string::npos; ++p) {
      if (p + 1 < token.size() && token[p + 1] == '1') {
        token.replace(p, 2, "/");
      } else if (p + 1 < token.size() && token[p + 1] == '0') {
        token.replace(p, 2, "~");
      }
    }
    if (node->is_object()) {
      auto it = node->find(token);
      if (it == node->end()) break;
      if (preorder != nullptr) {
        ++*preorder;
        for (auto sibling = node->begin(); sibling != it; ++sibling) {
          *preorder += CountNodes(*sibling);
        }
      }
      node = &*it;
    } else if (node->is_array()) {
      size_t i = 0;
      auto [ptr, ec] = std::from_chars(token.data(), token.data() + token.size(), i);
      if (ec != std::errc() || ptr != token.data() + token.size() || i >= node->size()) break;
      if (preorder != nullptr) {
        ++*preorder;
        for (size_t k = 0; k < i; ++k) *preorder += CountNodes((*node)[k]);
      }
      node = &(*node)[i];
    } else {
      break;
    }
  }
  return node;
}

void IndexPreorder(const json& node, std::unordered_map<const json*, uint32_t>& index) {
  index.emplace(&node, static_cast<uint32_t>(index.size()));
  if (!node.is_structured()) return;
  for (const json& child : node) IndexPreorder(child, index);
}

// Most documents are asked for a position once or twice (where the document
// or its name starts): walking is cheapest. A document with many errors gets
// an index, so reporting them all stays linear in the document's size.
constexpr int kWalksBeforeIndex = 2;

}  // namespace

Mark ManifestDocument::MarkOf(std::string_view pointer) const {
  if (marks_.empty()) return {};
  if (preorder_.empty() && ++walks_ > kWalksBeforeIndex) {
    preorder_.reserve(marks_.size());
    IndexPreorder(*value_, preorder_);
  }
  size_t at = 0;
  if (preorder_.empty()) {
    Follow(*value_, pointer, &at);
  } else {
    at = preorder_.at(Follow(*value_, pointer, nullptr));
  }
  return at < marks_.size() ? marks_[at] : Mark{};
}

std::vector<ManifestDocument> ManifestDocument::SplitArray(const std::string& key) const {
  std::vector<ManifestDocument> out;
  const json& root = *value_;
  auto it = root.is_object() ? root.find(key) : root.end();
  if (it == root.end() || !it->is_array()) return out;
  size_t next = 1;  // pre-order: the root, then each member's subtree in order
  for (auto sibling = root.begin(); sibling != it; ++sibling) next += CountNodes(*sibling);
  ++next;  // the array node itself
  out.reserve(it->size());
  for (const json& element : *it) {
    size_t count = CountNodes(element);
    std::vector<Mark> marks;
    if (next + count <= marks_.size()) {
      marks.assign(marks_.begin() + next, marks_.begin() + next + count);
    }
    out.push_back(
        ManifestDocument(file_, index_, std::make_unique<json>(element), std::move(marks)));
    next += count;
  }
  return out;
}

std::string FormatManifestError(const ManifestDocument& document, const SchemaError& error) {
  std::string out = document.file();
  Mark mark = document.MarkOf(error.pointer);
  if (mark.line > 0) out += ":" + std::to_string(mark.line) + ":" + std::to_string(mark.column);
  out += ": ";
  if (!error.pointer.empty()) out += error.pointer + ": ";
  return out + error.message;
}

}  // namespace cara::api
