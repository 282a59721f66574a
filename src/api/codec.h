// JSON encoding and decoding of the resource model. Key order on output follows
// the reference implementation (apiVersion, kind, metadata, spec, status), with
// our additions appended. Unset timestamps and empty nested objects are left out.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "api/types.h"
#include "common/status.h"

namespace cara::api {

nlohmann::ordered_json ToJson(const Node& node);
nlohmann::ordered_json ToJson(const Project& project);
nlohmann::ordered_json ToJson(const NodeSpec& spec);
nlohmann::ordered_json ToJson(const ProjectSpec& spec);
nlohmann::ordered_json ToJson(const Condition& condition);
// Whatever the struct holds: the server clears string_data and sealed_data
// before it encodes a Secret for a response.
nlohmann::ordered_json ToJson(const Secret& secret);

// Compact JSON text, as the server sends it.
std::string EncodeNode(const Node& node);
std::string EncodeProject(const Project& project);
std::string EncodeNodeList(const std::vector<Node>& nodes);
std::string EncodeProjectList(const std::vector<Project>& projects);
std::string EncodeSecret(const Secret& secret);
std::string EncodeSecretList(const std::vector<Secret>& secrets);

// Decoding checks types only; unknown keys are ignored here (the schema rejects
// them). Errors name the JSON path: `spec.services[0].image: expected a string`.
// `null` counts as absent, and the Go zero time counts as unset.
Result<Node> DecodeNode(const nlohmann::json& j);
Result<Project> DecodeProject(const nlohmann::json& j);
Result<Condition> DecodeCondition(const nlohmann::json& j);
Result<Secret> DecodeSecret(const nlohmann::json& j);

// Parse JSON text then decode; a parse error is reported with its byte offset.
Result<nlohmann::json> ParseJson(std::string_view text);
Result<Node> ParseNode(std::string_view text);
Result<Project> ParseProject(std::string_view text);
Result<Secret> ParseSecret(std::string_view text);

}  // namespace cara::api
