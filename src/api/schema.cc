#include "api/schema.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <set>

#include <nlohmann/json.hpp>
#include <valijson/adapters/nlohmann_json_adapter.hpp>
#include <valijson/schema.hpp>
#include <valijson/schema_parser.hpp>
#include <valijson/validation_results.hpp>
#include <valijson/validator.hpp>

#include "common/time_format.h"

namespace cara::api::embedded {
extern const char kNodeSchemaJson[];
extern const char kProjectSchemaJson[];
extern const char kSecretSchemaJson[];
extern const char kEventSchemaJson[];
}  // namespace cara::api::embedded

namespace cara::api {

using json = nlohmann::json;

std::string_view NodeSchemaText() { return embedded::kNodeSchemaJson; }
std::string_view ProjectSchemaText() { return embedded::kProjectSchemaJson; }
std::string_view SecretSchemaText() { return embedded::kSecretSchemaJson; }
std::string_view EventSchemaText() { return embedded::kEventSchemaJson; }

void AppendPointerToken(std::string& pointer, std::string_view token) {
  pointer.push_back('/');
  for (char c : token) {
    if (c == '~') {
      pointer += "~0";
    } else if (c == '/') {
      pointer += "~1";
    } else {
      pointer.push_back(c);
    }
  }
}

namespace {

// ---- schema navigation ------------------------------------------------------------
// Only the keywords our schemas use are followed: $ref (local), properties,
// additionalProperties and items. Error messages and the date-time pass both
// need to know which subschema governs a document location; valijson keeps
// that to itself.

struct Resolved {
  const json* schema = nullptr;
  std::string definition;  // name of the last "#/definitions/X" followed
};

Resolved Resolve(const json& root, const json* schema) {
  std::string definition;
  for (int depth = 0; schema && depth < 16; ++depth) {
    auto ref = schema->find("$ref");
    if (ref == schema->end() || !ref->is_string()) break;
    const std::string& target = ref->get_ref<const std::string&>();
    static constexpr std::string_view kDefinitions = "#/definitions/";
    if (target.rfind(kDefinitions, 0) == 0) definition = target.substr(kDefinitions.size());
    const json::json_pointer pointer(target.substr(1));
    schema = root.contains(pointer) ? &root.at(pointer) : nullptr;
  }
  return {schema, std::move(definition)};
}

const json* Keyword(const json* schema, const char* name) {
  if (!schema || !schema->is_object()) return nullptr;
  auto it = schema->find(name);
  return it == schema->end() ? nullptr : &*it;
}

// The subschema for member `key` of an object governed by `schema`.
const json* PropertySchema(const json* schema, const std::string& key) {
  if (const json* props = Keyword(schema, "properties")) {
    auto it = props->find(key);
    if (it != props->end()) return &*it;
  }
  const json* additional = Keyword(schema, "additionalProperties");
  return additional && additional->is_object() ? additional : nullptr;
}

// Follows a document path (tokens) from the schema root.
Resolved SchemaAt(const json& root, const json& document, const std::vector<std::string>& path) {
  Resolved at = Resolve(root, &root);
  const json* node = &document;
  for (const std::string& token : path) {
    if (!at.schema) break;
    const json* next = nullptr;
    if (node && node->is_array()) {
      next = Keyword(at.schema, "items");
      size_t index = std::strtoul(token.c_str(), nullptr, 10);
      node = index < node->size() ? &(*node)[index] : nullptr;
    } else {
      next = PropertySchema(at.schema, token);
      node = node && node->is_object() && node->contains(token) ? &(*node)[token] : nullptr;
    }
    at = Resolve(root, next);
  }
  return at;
}

// ---- stripping "format" -------------------------------------------------------------
// valijson checks "date-time" with a std::regex built per value (~0.5 ms per
// document); we hand it schemas without "format" and check timestamps below.

void StripFormats(json& schema) {
  if (!schema.is_object()) return;
  schema.erase("format");
  for (const char* key : {"properties", "definitions", "patternProperties"}) {
    auto it = schema.find(key);
    if (it == schema.end() || !it->is_object()) continue;
    for (auto& [name, sub] : it->items()) StripFormats(sub);
  }
  for (const char* key : {"items", "additionalProperties", "additionalItems", "not", "if", "then",
                          "else", "contains", "propertyNames", "allOf", "anyOf", "oneOf"}) {
    auto it = schema.find(key);
    if (it == schema.end()) continue;
    if (it->is_array()) {
      for (auto& sub : *it) StripFormats(sub);
    } else {
      StripFormats(*it);
    }
  }
}

// ---- date-time fields ------------------------------------------------------------------
// A trie of the document locations whose schema says "format": "date-time",
// built once per schema, so checking a document only visits those locations.

struct DateTimeTrie {
  bool date_time = false;
  std::vector<std::pair<std::string, DateTimeTrie>> properties;
  std::unique_ptr<DateTimeTrie> items;       // every element of an array
  std::unique_ptr<DateTimeTrie> additional;  // every other member of an object

  bool empty() const { return !date_time && properties.empty() && !items && !additional; }
  const DateTimeTrie* Property(const std::string& name) const {
    for (const auto& [key, child] : properties) {
      if (key == name) return &child;
    }
    return additional.get();
  }
};

void BuildTrie(const json& root, const json* schema, DateTimeTrie& trie, int depth) {
  schema = Resolve(root, schema).schema;
  if (!schema || !schema->is_object() || depth > 32) return;
  const json* format = Keyword(schema, "format");
  if (format && *format == "date-time") trie.date_time = true;
  if (const json* props = Keyword(schema, "properties")) {
    for (const auto& [name, sub] : props->items()) {
      DateTimeTrie child;
      BuildTrie(root, &sub, child, depth + 1);
      if (!child.empty()) trie.properties.emplace_back(name, std::move(child));
    }
  }
  auto build_child = [&](const json* sub, std::unique_ptr<DateTimeTrie>& out) {
    if (!sub || !sub->is_object()) return;
    auto child = std::make_unique<DateTimeTrie>();
    BuildTrie(root, sub, *child, depth + 1);
    if (!child->empty()) out = std::move(child);
  };
  build_child(Keyword(schema, "items"), trie.items);
  build_child(Keyword(schema, "additionalProperties"), trie.additional);
}

void CheckDateTime(const std::string& text, const std::string& pointer,
                   std::vector<SchemaError>& errors) {
  auto parsed = ParseRfc3339(text);
  if (parsed.ok()) return;
  const std::string got = ", got " + json(text).dump();
  if (parsed.status().message().find("out of range") != std::string::npos) {
    errors.push_back({pointer, "must be a date-time between the years 1678 and 2261" + got});
  } else {
    errors.push_back(
        {pointer, "must be an RFC 3339 date-time such as \"2030-01-01T00:00:00Z\"" + got});
  }
}

// Visits the members the trie names; `pointer` is the location of `value`.
void CheckDateTimes(const DateTimeTrie& trie, const json& value, std::string& pointer,
                    std::vector<SchemaError>& errors) {
  if (trie.date_time && value.is_string()) {
    CheckDateTime(value.get_ref<const std::string&>(), pointer, errors);
  }
  const size_t length = pointer.size();
  auto visit = [&](const DateTimeTrie& child, std::string_view token, const json& member) {
    AppendPointerToken(pointer, token);
    CheckDateTimes(child, member, pointer, errors);
    pointer.resize(length);
  };
  if (value.is_object()) {
    if (trie.additional) {  // every member may hold a date-time
      for (auto it = value.begin(); it != value.end(); ++it) {
        if (const DateTimeTrie* child = trie.Property(it.key())) visit(*child, it.key(), *it);
      }
    } else {  // only the named ones: cheaper than walking the whole object
      for (const auto& [name, child] : trie.properties) {
        auto it = value.find(name);
        if (it != value.end()) visit(child, name, *it);
      }
    }
  } else if (value.is_array() && trie.items) {
    for (size_t i = 0; i < value.size(); ++i) visit(*trie.items, std::to_string(i), value[i]);
  }
}

// ---- compiled schemas ------------------------------------------------------------------

struct CompiledSchema {
  json raw;       // as written, for messages
  json stripped;  // without "format"; kept alive for valijson
  valijson::Schema schema;
  DateTimeTrie date_times;

  explicit CompiledSchema(const char* text) {
    try {
      raw = json::parse(text);
      stripped = raw;
      StripFormats(stripped);
      valijson::SchemaParser parser(valijson::SchemaParser::kDraft7);
      valijson::adapters::NlohmannJsonAdapter adapter(stripped);
      parser.populateSchema(adapter, schema);
    } catch (const std::exception& e) {
      // The schemas are compiled in and covered by tests: this is a build bug.
      std::fprintf(stderr, "embedded JSON Schema is invalid: %s\n", e.what());
      std::abort();
    }
    BuildTrie(raw, &raw, date_times, 0);
  }
};

const CompiledSchema& Compiled(SchemaValidator::Kind kind) {
  // Function-local statics: initialised once, thread-safely, on first use.
  if (kind == SchemaValidator::Kind::kNode) {
    static const CompiledSchema node(embedded::kNodeSchemaJson);
    return node;
  }
  if (kind == SchemaValidator::Kind::kSecret) {
    static const CompiledSchema secret(embedded::kSecretSchemaJson);
    return secret;
  }
  if (kind == SchemaValidator::Kind::kEvent) {
    static const CompiledSchema event(embedded::kEventSchemaJson);
    return event;
  }
  static const CompiledSchema project(embedded::kProjectSchemaJson);
  return project;
}

// ---- messages -----------------------------------------------------------------------

const char* TypeName(const json& value) {
  switch (value.type()) {
    case json::value_t::null:
      return "null";
    case json::value_t::boolean:
      return "boolean";
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
      return "integer";
    case json::value_t::number_float:
      return "number";
    case json::value_t::string:
      return "string";
    case json::value_t::array:
      return "array";
    case json::value_t::object:
      return "object";
    default:
      return "value";
  }
}

// "string", "string or integer": the types a schema allows, null left out
// because null only means "absent" in our schemas.
std::string ExpectedTypes(const json* schema) {
  const json* type = Keyword(schema, "type");
  if (!type) return "value";
  if (type->is_string()) return type->get<std::string>();
  std::string out;
  for (const json& t : *type) {
    if (t == "null" && type->size() > 1) continue;
    if (!out.empty()) out += " or ";
    out += t.get<std::string>();
  }
  return out;
}

// "must be one of: Always, IfNotPresent, Never" ("" and null mean "unset"
// and are not worth listing).
std::string EnumMessage(const json* schema) {
  std::string out = "must be one of: ";
  bool first = true;
  if (const json* values = Keyword(schema, "enum")) {
    for (const json& v : *values) {
      if (v.is_null() || v == "") continue;
      if (!first) out += ", ";
      out += v.is_string() ? v.get<std::string>() : v.dump();
      first = false;
    }
  }
  return out;
}

std::string NumberKeyword(const json* schema, const char* name) {
  const json* v = Keyword(schema, name);
  return v ? v->dump() : "?";
}

std::string PatternMessage(const Resolved& at) {
  if (at.definition == "Name") {
    return "must consist of lowercase alphanumeric characters, '-' or '.', and must start and end "
           "with an alphanumeric character";
  }
  if (at.definition == "Quantity") {
    return "must be a quantity such as \"500m\", \"2\", \"1.5\", \"256Mi\" or \"4Gi\"";
  }
  const json* pattern = Keyword(at.schema, "pattern");
  return "must match the pattern " + (pattern ? pattern->dump() : std::string("?"));
}

bool StartsWith(const std::string& s, std::string_view prefix) {
  return s.compare(0, prefix.size(), prefix) == 0;
}

// The text between the last pair of single quotes: valijson names properties
// that way ("Missing required property 'image'.").
std::string QuotedName(const std::string& description) {
  size_t end = description.rfind('\'');
  if (end == std::string::npos || end == 0) return "";
  size_t begin = description.rfind('\'', end - 1);
  if (begin == std::string::npos) return "";
  return description.substr(begin + 1, end - begin - 1);
}

// One valijson error, placed and reworded. Returns false for errors that only
// repeat a child's failure ("Failed to validate item #0 in array.").
struct Translator {
  const json& root;      // raw schema
  const json& document;  // the document being validated
  std::vector<SchemaError>& out;

  void Translate(const valijson::ValidationResults::Error& error) {
    std::vector<std::string> path;
    std::string pointer;
    for (size_t i = 1; i < error.context.size(); ++i) {
      const std::string& c = error.context[i];
      path.push_back(c.size() >= 2 ? c.substr(1, c.size() - 2) : c);
      AppendPointerToken(pointer, path.back());
    }
    const std::string& d = error.description;
    if (StartsWith(d, "Failed to validate") || StartsWith(d, "Cannot validate")) return;
    Resolved at = SchemaAt(root, document, path);
    const json* value = document.contains(json::json_pointer(pointer))
                            ? &document.at(json::json_pointer(pointer))
                            : nullptr;
    if (StartsWith(d, "Value type not permitted")) {
      out.push_back({pointer, "expected " + ExpectedTypes(at.schema) + ", got " +
                                  (value ? TypeName(*value) : "nothing")});
    } else if (StartsWith(d, "Failed to match against any enum")) {
      out.push_back({pointer, EnumMessage(at.schema)});
    } else if (StartsWith(d, "Failed to match expected value set by 'const'")) {
      const json* expected = Keyword(at.schema, "const");
      out.push_back({pointer, "must be " + (expected ? expected->dump() : std::string("?"))});
    } else if (StartsWith(d, "Missing required property")) {
      out.push_back({pointer, "missing required property \"" + QuotedName(d) + "\""});
    } else if (StartsWith(d, "Object contains a property that could not be validated")) {
      UnknownFields(at, value, pointer);
    } else if (StartsWith(d, "Failed to match regex")) {
      out.push_back({pointer, PatternMessage(at)});
    } else if (StartsWith(d, "String should be no more than")) {
      out.push_back({pointer, "must be at most " + NumberKeyword(at.schema, "maxLength") +
                                  " characters long"});
    } else if (StartsWith(d, "String should be no fewer than")) {
      const std::string min = NumberKeyword(at.schema, "minLength");
      out.push_back({pointer, min == "1" ? "must not be empty"
                                         : "must be at least " + min + " characters long"});
    } else if (StartsWith(d, "Array should contain no fewer than")) {
      out.push_back(
          {pointer, "must contain at least " + NumberKeyword(at.schema, "minItems") + " item(s)"});
    } else if (StartsWith(d, "Expected number greater than")) {
      out.push_back({pointer, "must be at least " + NumberKeyword(at.schema, "minimum")});
    } else if (StartsWith(d, "Expected number less than")) {
      out.push_back({pointer, "must be at most " + NumberKeyword(at.schema, "maximum")});
    } else {
      out.push_back({pointer, d});
    }
  }

  // valijson names only the first unknown member; report every one of them.
  void UnknownFields(const Resolved& at, const json* object, const std::string& pointer) {
    if (!object || !object->is_object()) return;
    const json* props = Keyword(at.schema, "properties");
    for (auto it = object->begin(); it != object->end(); ++it) {
      if (props && props->contains(it.key())) continue;
      std::string member = pointer;
      AppendPointerToken(member, it.key());
      out.push_back({member, "unknown field " + json(it.key()).dump()});
    }
  }
};

// Orders pointers token by token, array indices numerically, so that
// /services/2 comes before /services/10.
std::vector<std::string> Tokens(const std::string& pointer) {
  std::vector<std::string> tokens;
  size_t pos = 0;
  while (pos < pointer.size()) {
    size_t next = pointer.find('/', pos + 1);
    if (next == std::string::npos) next = pointer.size();
    tokens.push_back(pointer.substr(pos + 1, next - pos - 1));
    pos = next;
  }
  return tokens;
}

bool IsIndex(const std::string& t) {
  return !t.empty() && std::all_of(t.begin(), t.end(), [](char c) { return c >= '0' && c <= '9'; });
}

bool TokenLess(const std::string& a, const std::string& b) {
  if (IsIndex(a) && IsIndex(b) && a.size() != b.size()) return a.size() < b.size();
  return a < b;
}

bool PointerLess(const std::string& a, const std::string& b) {
  std::vector<std::string> ta = Tokens(a), tb = Tokens(b);
  return std::lexicographical_compare(ta.begin(), ta.end(), tb.begin(), tb.end(), TokenLess);
}

// Sorted by pointer, duplicates removed, and a type error hides the other
// complaints about the same value ("expected string, got integer" says it all).
void Normalize(std::vector<SchemaError>& errors) {
  std::set<std::string> type_errors;
  for (const auto& e : errors) {
    if (StartsWith(e.message, "expected ")) type_errors.insert(e.pointer);
  }
  std::vector<SchemaError> kept;
  std::set<std::pair<std::string, std::string>> seen;
  for (auto& e : errors) {
    if (type_errors.count(e.pointer) && !StartsWith(e.message, "expected ")) continue;
    if (!seen.insert({e.pointer, e.message}).second) continue;
    kept.push_back(std::move(e));
  }
  std::stable_sort(kept.begin(), kept.end(), [](const SchemaError& a, const SchemaError& b) {
    return PointerLess(a.pointer, b.pointer);
  });
  errors = std::move(kept);
}

}  // namespace

struct SchemaValidator::Impl {
  const CompiledSchema& compiled;
  valijson::Validator validator{valijson::Validator::kStrongTypes};  // owns a regex cache
};

SchemaValidator::SchemaValidator(Kind kind) : impl_(new Impl{Compiled(kind)}) {}
SchemaValidator::~SchemaValidator() = default;

std::vector<SchemaError> SchemaValidator::Validate(const nlohmann::json& document) {
  const CompiledSchema& compiled = impl_->compiled;
  std::vector<SchemaError> errors;
  valijson::ValidationResults results;
  valijson::adapters::NlohmannJsonAdapter adapter(document);
  try {
    impl_->validator.validate(compiled.schema, adapter, &results);
  } catch (const std::exception& e) {
    errors.push_back({"", std::string("schema validation failed: ") + e.what()});
  }
  Translator translator{compiled.raw, document, errors};
  for (const auto& error : results) translator.Translate(error);
  std::string pointer;
  CheckDateTimes(compiled.date_times, document, pointer, errors);
  if (errors.size() > 1) Normalize(errors);
  return errors;
}

std::vector<SchemaError> ValidateNodeDocument(const nlohmann::json& document) {
  thread_local SchemaValidator validator(SchemaValidator::Kind::kNode);
  return validator.Validate(document);
}

std::vector<SchemaError> ValidateProjectDocument(const nlohmann::json& document) {
  thread_local SchemaValidator validator(SchemaValidator::Kind::kProject);
  return validator.Validate(document);
}

std::vector<SchemaError> ValidateSecretDocument(const nlohmann::json& document) {
  thread_local SchemaValidator validator(SchemaValidator::Kind::kSecret);
  return validator.Validate(document);
}

std::vector<SchemaError> ValidateEventDocument(const nlohmann::json& document) {
  thread_local SchemaValidator validator(SchemaValidator::Kind::kEvent);
  return validator.Validate(document);
}

}  // namespace cara::api
