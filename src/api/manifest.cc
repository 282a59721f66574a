#include "api/manifest.h"

#include <yaml.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <optional>
#include <tuple>

#include <nlohmann/json.hpp>

#include "api/yaml_scalar.h"

namespace cara::api {

using json = nlohmann::json;

namespace {

// Bounds that keep hostile input (deep nesting, "billion laughs" aliases)
// from exhausting the stack or memory.
constexpr size_t kMaxDepth = 512;
constexpr size_t kMaxNodesPerDocument = 1'000'000;

constexpr std::string_view kTagPrefix = "tag:yaml.org,2002:";

// A YAML node on its way to JSON. Mappings keep their members in document
// order until the document is complete, when they are sorted into the order
// nlohmann::json iterates them (and duplicates are found).
struct Node {
  enum class Kind { kScalar, kMapping, kSequence };
  struct Member;

  Kind kind = Kind::kScalar;
  json scalar;
  Mark mark;
  std::vector<Member> members;  // sequences leave key and key_mark empty
  size_t size = 1;              // nodes in this subtree, itself included
};

struct Node::Member {
  std::string key;
  Mark key_mark;
  Node value;
};

Mark ToMark(const yaml_mark_t& m) {
  return {static_cast<int>(m.line) + 1, static_cast<int>(m.column) + 1};
}

// Moves `node` into `out`, appending one mark per JSON node in pre-order.
void Flatten(Node&& node, json& out, std::vector<Mark>& marks) {
  marks.push_back(node.mark);
  switch (node.kind) {
    case Node::Kind::kScalar:
      out = std::move(node.scalar);
      return;
    case Node::Kind::kSequence:
      out = json::array();
      out.get_ref<json::array_t&>().reserve(node.members.size());
      for (auto& m : node.members) {
        out.push_back(nullptr);
        Flatten(std::move(m.value), out.back(), marks);
      }
      return;
    case Node::Kind::kMapping: {
      out = json::object();
      auto& object = out.get_ref<json::object_t&>();
      for (auto& m : node.members) {  // sorted, duplicates removed
        auto it = object.emplace_hint(object.end(), std::move(m.key), nullptr);
        Flatten(std::move(m.value), it->second, marks);
      }
      return;
    }
  }
}

// RAII for libyaml's C objects.
struct Parser {
  yaml_parser_t parser;
  Parser() { yaml_parser_initialize(&parser); }
  ~Parser() { yaml_parser_delete(&parser); }
};

struct Event {
  yaml_event_t event{};
  bool valid = false;
  ~Event() { Reset(); }
  void Reset() {
    if (valid) yaml_event_delete(&event);
    valid = false;
  }
};

std::string AsString(const yaml_char_t* s) {
  return s ? std::string(reinterpret_cast<const char*>(s)) : std::string();
}

// libyaml's marks count characters (a CRLF counts two); the size limit is
// in bytes. Marks only move forward, so one cursor converts them all in a
// single pass over the (UTF-8) text.
class ByteCursor {
 public:
  explicit ByteCursor(std::string_view text) : text_(text), start_(Bom(text)), bytes_(start_) {}

  size_t ByteOf(size_t char_index) {
    if (char_index < chars_) chars_ = 0, bytes_ = start_;  // not expected: start over
    while (chars_ < char_index && bytes_ < text_.size()) {
      ++bytes_;
      while (bytes_ < text_.size() && (text_[bytes_] & 0xC0) == 0x80) ++bytes_;
      ++chars_;
    }
    return bytes_;
  }

 private:
  // libyaml skips a UTF-8 byte order mark without counting it.
  static size_t Bom(std::string_view text) { return text.rfind("\xEF\xBB\xBF", 0) == 0 ? 3 : 0; }

  std::string_view text_;
  size_t start_;
  size_t chars_ = 0;
  size_t bytes_;
};

// Where the document that goes on past `from` ends: the next line that starts
// with a document marker ("---" or "...", which no scalar may hold at the
// start of a line), or the end of the text. Only for the message.
size_t DocumentEnd(std::string_view text, size_t from) {
  for (size_t at = text.find('\n', from); at != std::string_view::npos;
       at = text.find('\n', at + 1)) {
    std::string_view line = text.substr(at + 1);
    if (line.rfind("---", 0) != 0 && line.rfind("...", 0) != 0) continue;
    if (line.size() == 3 || line[3] == ' ' || line[3] == '\t' || line[3] == '\r' ||
        line[3] == '\n') {
      return at + 1;
    }
  }
  return text.size();
}

}  // namespace

// Turns libyaml's event stream into ManifestDocuments. One per LoadManifests.
class ManifestBuilder {
 public:
  ManifestBuilder(std::string_view text, const std::string& file, size_t max_document_bytes)
      : text_(text), file_(file), max_document_bytes_(max_document_bytes), bytes_(text) {}

  Result<std::vector<ManifestDocument>> Run() {
    Parser p;
    yaml_parser_set_input_string(&p.parser, reinterpret_cast<const unsigned char*>(text_.data()),
                                 text_.size());
    Event e;
    bool done = false;
    while (!done && fatal_.empty()) {
      e.Reset();
      if (!yaml_parser_parse(&p.parser, &e.event)) {
        SyntaxError(p.parser);
        break;
      }
      e.valid = true;
      done = e.event.type == YAML_STREAM_END_EVENT;
      if (!CheckSize(e.event)) break;
      OnEvent(e.event);
    }
    if (!fatal_.empty()) errors_.push_back({fatal_mark_, fatal_});
    if (!errors_.empty()) return Status::Invalid(JoinErrors());
    return std::move(documents_);
  }

 private:
  struct Frame {
    Node node;
    std::string anchor;
    bool have_key = false;
    bool skip_value = false;  // the key was unusable: drop its value
    std::string key;
    Mark key_mark;
  };

  struct Error {
    Mark mark;
    std::string message;
  };

  // False (and a fatal error) once the current document has grown past the
  // limit. Checked on every event, so parsing stops right there.
  bool CheckSize(const yaml_event_t& e) {
    if (text_.size() <= max_document_bytes_) return true;  // no document can be too large
    if (e.type == YAML_DOCUMENT_START_EVENT) {
      document_start_ = bytes_.ByteOf(e.start_mark.index);
      document_mark_ = ToMark(e.start_mark);
    }
    size_t end = bytes_.ByteOf(e.end_mark.index);
    if (end - document_start_ <= max_document_bytes_) return true;
    size_t size = DocumentEnd(text_, end) - document_start_;
    Fatal(document_mark_, "document is " + std::to_string(size) + " bytes, over the limit of " +
                              std::to_string(max_document_bytes_) + " bytes");
    return false;
  }

  void OnEvent(const yaml_event_t& e) {
    switch (e.type) {
      case YAML_DOCUMENT_START_EVENT:
        ++index_;
        anchors_.clear();
        nodes_ = 0;
        break;
      case YAML_DOCUMENT_END_EVENT:
        EndDocument();
        break;
      case YAML_MAPPING_START_EVENT:
        StartCollection(Node::Kind::kMapping, e, e.data.mapping_start.anchor,
                        e.data.mapping_start.tag);
        break;
      case YAML_SEQUENCE_START_EVENT:
        StartCollection(Node::Kind::kSequence, e, e.data.sequence_start.anchor,
                        e.data.sequence_start.tag);
        break;
      case YAML_MAPPING_END_EVENT:
      case YAML_SEQUENCE_END_EVENT:
        EndCollection();
        break;
      case YAML_SCALAR_EVENT:
        OnScalar(e);
        break;
      case YAML_ALIAS_EVENT:
        OnAlias(e);
        break;
      default:
        break;
    }
  }

  void StartCollection(Node::Kind kind, const yaml_event_t& e, const yaml_char_t* anchor,
                       const yaml_char_t* tag) {
    Mark mark = ToMark(e.start_mark);
    if (stack_.size() >= kMaxDepth) return Fatal(mark, "nesting is too deep");
    if (!Charge(1, mark)) return;
    std::string t = AsString(tag);
    const char* expected = kind == Node::Kind::kMapping ? "map" : "seq";
    if (!t.empty() && t != "!" && t != std::string(kTagPrefix) + expected) {
      AddError(mark, "unsupported tag \"" + t + "\"");
    }
    Frame frame;
    frame.node.kind = kind;
    frame.node.mark = mark;
    frame.anchor = AsString(anchor);
    stack_.push_back(std::move(frame));
  }

  void EndCollection() {
    Frame frame = std::move(stack_.back());
    stack_.pop_back();
    if (frame.node.kind == Node::Kind::kMapping) SortMembers(frame.node);
    Deliver(std::move(frame.node), frame.anchor);
  }

  void OnScalar(const yaml_event_t& e) {
    const auto& s = e.data.scalar;
    Mark mark = ToMark(e.start_mark);
    std::string_view text(reinterpret_cast<const char*>(s.value), s.length);
    if (ExpectingKey()) {
      // Keys stay as written: "80: x" has the key "80", not the number 80.
      Frame& f = stack_.back();
      f.have_key = true;
      f.key = std::string(text);
      f.key_mark = mark;
      if (s.anchor) anchors_[AsString(s.anchor)] = ScalarNode(f.key, mark);
      return;
    }
    if (!Charge(1, mark)) return;
    Node node;
    node.mark = mark;
    node.scalar = ResolveScalar(text, AsString(s.tag), s.style == YAML_PLAIN_SCALAR_STYLE, mark);
    Deliver(std::move(node), AsString(s.anchor));
  }

  json ResolveScalar(std::string_view text, const std::string& tag, bool plain, Mark mark) {
    json value;
    if (tag.empty()) {
      if (plain && ResolvePlainScalar(text, value)) return value;
      return std::string(text);
    }
    if (tag == "!" || tag == std::string(kTagPrefix) + "str") return std::string(text);
    std::string type = tag.rfind(kTagPrefix, 0) == 0 ? tag.substr(kTagPrefix.size()) : "";
    if (type == "null" || type == "bool" || type == "int" || type == "float") {
      bool ok = ResolvePlainScalar(text, value);
      bool matches =
          ok &&
          ((type == "null" && value.is_null()) || (type == "bool" && value.is_boolean()) ||
           (type == "int" && value.is_number_integer()) || (type == "float" && value.is_number()));
      if (matches) return type == "float" ? json(value.get<double>()) : value;
      AddError(mark, "\"" + std::string(text) + "\" is not a valid !!" + type);
      return std::string(text);
    }
    AddError(mark, "unsupported tag \"" + tag + "\"");
    return std::string(text);
  }

  void OnAlias(const yaml_event_t& e) {
    Mark mark = ToMark(e.start_mark);
    std::string name = AsString(e.data.alias.anchor);
    auto it = anchors_.find(name);
    if (it == anchors_.end()) {
      AddError(mark, "unknown alias \"*" + name + "\"");
      if (ExpectingKey()) return UnusableKey(mark);
      Node null_node;
      null_node.mark = mark;
      return Deliver(std::move(null_node), "");
    }
    if (ExpectingKey()) {
      const Node& anchored = it->second;
      if (anchored.kind != Node::Kind::kScalar) return UnusableKey(mark);
      Frame& f = stack_.back();
      f.have_key = true;
      f.key =
          anchored.scalar.is_string() ? anchored.scalar.get<std::string>() : anchored.scalar.dump();
      f.key_mark = mark;
      return;
    }
    // The copy keeps the anchored node's marks: an error inside shared
    // content is reported where that content is written.
    if (!Charge(it->second.size, mark)) return;
    Deliver(Node(it->second), "");
  }

  static Node ScalarNode(std::string text, Mark mark) {
    Node node;
    node.scalar = std::move(text);
    node.mark = mark;
    return node;
  }

  // Counts nodes about to be created, aliases expanded; false (and a fatal
  // error) once a document grows past the limit.
  bool Charge(size_t nodes, Mark mark) {
    nodes_ += nodes;
    if (nodes_ <= kMaxNodesPerDocument) return true;
    Fatal(mark, "document is too large (more than " + std::to_string(kMaxNodesPerDocument) +
                    " nodes after expanding aliases)");
    return false;
  }

  // Hands a complete node to its parent, or makes it the document root.
  void Deliver(Node node, const std::string& anchor) {
    if (!anchor.empty()) anchors_[anchor] = node;
    if (stack_.empty()) {
      root_ = std::move(node);
      return;
    }
    Frame& f = stack_.back();
    if (f.node.kind == Node::Kind::kSequence) {
      f.node.size += node.size;
      f.node.members.push_back({"", {}, std::move(node)});
      return;
    }
    if (!f.have_key) {  // a mapping or sequence used as a key
      return UnusableKey(node.mark);
    }
    f.have_key = false;
    if (f.skip_value) {
      f.skip_value = false;
      return;
    }
    f.node.size += node.size;
    f.node.members.push_back({std::move(f.key), f.key_mark, std::move(node)});
  }

  bool ExpectingKey() const {
    return !stack_.empty() && stack_.back().node.kind == Node::Kind::kMapping &&
           !stack_.back().have_key;
  }

  void UnusableKey(Mark mark) {
    AddError(mark, "mapping keys must be strings");
    Frame& f = stack_.back();
    f.have_key = true;
    f.skip_value = true;
  }

  // Sorts members into nlohmann::json's key order; a key seen twice is an
  // error (most YAML loaders silently keep the last one, hiding typos).
  void SortMembers(Node& mapping) {
    auto& members = mapping.members;
    std::stable_sort(members.begin(), members.end(),
                     [](const Node::Member& a, const Node::Member& b) { return a.key < b.key; });
    auto last = std::unique(members.begin(), members.end(),
                            [this](const Node::Member& kept, const Node::Member& dup) {
                              if (kept.key != dup.key) return false;
                              AddError(dup.key_mark, "duplicate key " + json(dup.key).dump());
                              return true;
                            });
    for (auto it = last; it != members.end(); ++it) mapping.size -= it->value.size;
    members.erase(last, members.end());
  }

  void EndDocument() {
    if (!root_) return;
    Node root = std::move(*root_);
    root_.reset();
    // An empty document ("---" with nothing after it) is not a manifest.
    if (root.kind == Node::Kind::kScalar && root.scalar.is_null()) return;
    auto value = std::make_unique<json>();
    std::vector<Mark> marks;
    marks.reserve(root.size);
    Flatten(std::move(root), *value, marks);
    documents_.push_back(ManifestDocument(file_, index_, std::move(value), std::move(marks)));
  }

  void SyntaxError(const yaml_parser_t& p) {
    Mark mark = ToMark(p.problem_mark);
    if (p.error == YAML_READER_ERROR) mark = MarkAtOffset(p.problem_offset);
    std::string message = p.problem ? p.problem : "invalid YAML";
    if (p.context) {
      Mark at = ToMark(p.context_mark);
      message += " (" + std::string(p.context) + " at line " + std::to_string(at.line) +
                 ", column " + std::to_string(at.column) + ")";
    }
    Fatal(mark, message);
  }

  Mark MarkAtOffset(size_t offset) const {
    Mark mark{1, 1};
    for (size_t i = 0; i < offset && i < text_.size(); ++i) {
      if (text_[i] == '\n') {
        ++mark.line;
        mark.column = 1;
      } else if ((text_[i] & 0xC0) != 0x80) {  // count characters, not UTF-8 bytes
        ++mark.column;
      }
    }
    return mark;
  }

  void AddError(Mark mark, std::string message) { errors_.push_back({mark, std::move(message)}); }

  void Fatal(Mark mark, std::string message) {
    if (!fatal_.empty()) return;
    fatal_mark_ = mark;
    fatal_ = std::move(message);
  }

  std::string JoinErrors() {
    std::stable_sort(errors_.begin(), errors_.end(), [](const Error& a, const Error& b) {
      return std::tie(a.mark.line, a.mark.column) < std::tie(b.mark.line, b.mark.column);
    });
    std::string out;
    for (const Error& e : errors_) {
      if (!out.empty()) out += '\n';
      out += file_ + ":" + std::to_string(e.mark.line) + ":" + std::to_string(e.mark.column) +
             ": " + e.message;
    }
    return out;
  }

  std::string_view text_;
  const std::string& file_;
  const size_t max_document_bytes_;
  ByteCursor bytes_;
  size_t document_start_ = 0;  // byte offset of the current document
  Mark document_mark_;
  std::vector<Frame> stack_;
  std::map<std::string, Node> anchors_;  // of the current document
  std::optional<Node> root_;
  std::vector<ManifestDocument> documents_;
  std::vector<Error> errors_;
  std::string fatal_;
  Mark fatal_mark_;
  int index_ = -1;
  size_t nodes_ = 0;
};

Result<std::vector<ManifestDocument>> LoadManifests(std::string_view text, const std::string& file,
                                                    size_t max_document_bytes) {
  return ManifestBuilder(text, file, max_document_bytes).Run();
}

}  // namespace cara::api
