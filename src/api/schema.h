// JSON Schema validation against the schemas in schemas/, embedded at build
// time. The schemas are the single source of truth for what the server
// accepts and what caractrl lets through.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace cara::api {

struct SchemaError {
  std::string pointer;  // JSON pointer of the offending value, "" for the root: "/spec/services/0"
  std::string message;  // e.g. "missing required property \"image\""
};

// Appends "/" and `token` escaped as RFC 6901 says ('~' -> "~0", '/' -> "~1").
void AppendPointerToken(std::string& pointer, std::string_view token);

// The embedded schema texts (generated from schemas/*.json).
std::string_view NodeSchemaText();
std::string_view ProjectSchemaText();
std::string_view SecretSchemaText();
std::string_view EventSchemaText();

// Validates documents of one kind. The parsed schema is shared; each
// SchemaValidator is cheap to create but must be used by one thread at a time.
class SchemaValidator {
 public:
  enum class Kind { kNode, kProject, kSecret, kEvent };
  explicit SchemaValidator(Kind kind);
  ~SchemaValidator();
  SchemaValidator(const SchemaValidator&) = delete;
  SchemaValidator& operator=(const SchemaValidator&) = delete;

  // Every error, ordered by pointer; empty when the document is valid.
  std::vector<SchemaError> Validate(const nlohmann::json& document);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Convenience: a thread-local validator per kind.
std::vector<SchemaError> ValidateNodeDocument(const nlohmann::json& document);
std::vector<SchemaError> ValidateProjectDocument(const nlohmann::json& document);
std::vector<SchemaError> ValidateSecretDocument(const nlohmann::json& document);
// An Event as POSTed (the server sets name, times and count).
std::vector<SchemaError> ValidateEventDocument(const nlohmann::json& document);

}  // namespace cara::api
