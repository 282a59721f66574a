#include "server/request_body.h"

#include <algorithm>
#include <optional>
#include <type_traits>

#include <nlohmann/json.hpp>

#include "api/codec.h"
#include "api/schema.h"
#include "api/semantic_rules.h"
#include "api/validation.h"

namespace cara::server {
namespace {

using nlohmann::json;
using Errors = std::vector<api::SchemaError>;

const char kBadBody[] = "invalid request body: ";

// "invalid request body: /pointer: message; ..." listing every error.
Problem ErrorsProblem(Errors errors) {
  std::string detail = kBadBody;
  for (size_t i = 0; i < errors.size(); ++i) {
    if (i > 0) detail += "; ";
    detail += (errors[i].pointer.empty() ? "/" : errors[i].pointer) + ": " + errors[i].message;
  }
  return BadRequest(std::move(detail), std::move(errors));
}

// JSON object from the body; "invalid request body: EOF" when empty.
Decoded<json> ParseJsonObject(const std::string& body) {
  bool blank =
      std::all_of(body.begin(), body.end(), [](unsigned char c) { return std::isspace(c); });
  if (blank) return BadRequest(std::string(kBadBody) + "EOF");
  auto parsed = api::ParseJson(body);
  if (!parsed.ok()) return BadRequest(kBadBody + parsed.status().message());
  if (!parsed->is_object()) {
    return BadRequest(std::string(kBadBody) + "expected a JSON object, got " + parsed->type_name());
  }
  return std::move(*parsed);
}

std::optional<Problem> FillEnvelopeField(json& doc, const char* key, const char* want) {
  auto it = doc.find(key);
  if (it == doc.end() || it->is_null() ||
      (it->is_string() && it->get_ref<const std::string&>().empty())) {
    doc[key] = want;
    return std::nullopt;
  }
  if (it->is_string() && *it == want) return std::nullopt;
  return ErrorsProblem({{std::string("/") + key,
                         it->dump() + " does not match this endpoint: expected \"" + want + "\""}});
}

// Per-kind glue so the decoding below is written once for both kinds.
template <typename T>
struct Kind;

template <>
struct Kind<api::Node> {
  static constexpr const char* name = api::kKindNode;
  static Result<api::Node> Decode(const json& j) { return api::DecodeNode(j); }
  static Errors Schema(const json& doc) { return api::ValidateNodeDocument(doc); }
  static std::vector<api::Violation> Rules(const api::Node& n, const api::RuleOptions& o) {
    return api::CheckNode(n, o);
  }
};

template <>
struct Kind<api::Project> {
  static constexpr const char* name = api::kKindProject;
  static Result<api::Project> Decode(const json& j) { return api::DecodeProject(j); }
  static Errors Schema(const json& doc) { return api::ValidateProjectDocument(doc); }
  static std::vector<api::Violation> Rules(const api::Project& p, const api::RuleOptions& o) {
    return api::CheckProject(p, o);
  }
};

template <>
struct Kind<api::Secret> {
  static constexpr const char* name = api::kKindSecret;
  static Result<api::Secret> Decode(const json& j) { return api::DecodeSecret(j); }
  static Errors Schema(const json& doc) { return api::ValidateSecretDocument(doc); }
  static std::vector<api::Violation> Rules(const api::Secret& s, const api::RuleOptions& o) {
    return api::CheckSecret(s, o);
  }
};

// Decodes the document; on a type error the schema speaks for the whole
// document, so every violation is listed with its pointer.
template <typename T>
Decoded<T> DecodeTyped(json& doc) {
  if (auto p = FillEnvelopeField(doc, "apiVersion", api::kApiVersion)) return *p;
  if (auto p = FillEnvelopeField(doc, "kind", Kind<T>::name)) return *p;
  auto decoded = Kind<T>::Decode(doc);
  if (decoded.ok()) return std::move(*decoded);
  Errors errors = Kind<T>::Schema(doc);
  if (errors.empty()) errors.push_back({"", decoded.status().message()});
  return ErrorsProblem(std::move(errors));
}

// PUT: see DecodeNodeReplace.
std::optional<Problem> CheckNameMatchesPath(json& doc, const std::string& body_name,
                                            const std::string& path_name) {
  if (body_name.empty()) {
    if (!doc["metadata"].is_object()) doc["metadata"] = json::object();
    doc["metadata"]["name"] = path_name;
    return std::nullopt;
  }
  if (body_name == path_name) return std::nullopt;
  return BadRequest("metadata.name " + api::GoQuote(body_name) + " does not match URL path " +
                    api::GoQuote(path_name));
}

// The semantic rules over the object and the schema over its document.
template <typename T>
std::optional<Problem> Validate(const json& doc, const T& object, bool name_from_path) {
  api::RuleOptions options{.check_name = !name_from_path};
  Errors schema = Kind<T>::Schema(doc);
  if (name_from_path) {
    std::erase_if(schema, [](const api::SchemaError& e) { return e.pointer == "/metadata/name"; });
  }
  std::vector<api::Violation> violations = Kind<T>::Rules(object, options);
  if (violations.empty() && schema.empty()) return std::nullopt;
  Errors errors = api::MergeWithSchemaErrors(violations, schema);
  if (const api::Violation* first = api::FirstReferenceViolation(violations)) {
    return BadRequest(first->message, std::move(errors));
  }
  return ErrorsProblem(std::move(errors));
}

// POST (path_name null) and PUT.
template <typename T>
Decoded<T> DecodeObject(const std::string& body, const std::string* path_name) {
  auto doc = ParseJsonObject(body);
  if (!doc.ok()) return doc.error();
  auto object = DecodeTyped<T>(*doc);
  if (!object.ok()) return object.error();
  if (path_name) {
    if (auto p = CheckNameMatchesPath(*doc, object->metadata.name, *path_name)) return *p;
  }
  if (auto p = Validate(*doc, *object, path_name != nullptr)) return *p;
  return object;
}

// Patch-style bodies: every key must be one of the known ones.
std::optional<Problem> RejectUnknownFields(const json& body,
                                           std::initializer_list<const char*> known) {
  Errors errors;
  for (auto it = body.begin(); it != body.end(); ++it) {
    bool ok = std::any_of(known.begin(), known.end(), [&](const char* k) { return it.key() == k; });
    if (!ok) errors.push_back({"/" + it.key(), "unknown field " + api::GoQuote(it.key())});
  }
  if (errors.empty()) return std::nullopt;
  return ErrorsProblem(std::move(errors));
}

// Heartbeat bodies are a slice of NodeStatus: they are checked by wrapping
// them into a Node document, and the errors are mapped back to the body.
Errors HeartbeatSchemaErrors(const json& wrapped) {
  Errors errors;
  for (auto& e : api::ValidateNodeDocument(wrapped)) {
    if (e.pointer.rfind("/status", 0) != 0) continue;
    e.pointer = e.pointer.substr(7);
    errors.push_back(std::move(e));
  }
  return errors;
}

// The agent's project conditions: only its own types, each with a status.
std::optional<Problem> DecodeReportedConditions(const json& v, api::ProjectStatusPatch* out) {
  if (!v.is_array()) return BadRequest(std::string(kBadBody) + "/conditions: expected an array");
  out->conditions.emplace();
  for (size_t i = 0; i < v.size(); ++i) {
    const std::string at = std::string(kBadBody) + "/conditions/" + std::to_string(i);
    auto c = api::DecodeCondition(v[i]);
    if (!c.ok()) return BadRequest(at + ": " + c.status().message());
    if (!api::IsAgentProjectCondition(c->type)) {
      return BadRequest(at + "/type: the agent reports only Healthy and Restarting, not " +
                        api::GoQuote(c->type));
    }
    if (c->status != api::condition::kTrue && c->status != api::condition::kFalse &&
        c->status != api::condition::kUnknown) {
      return BadRequest(at + "/status: must be one of True, False, Unknown");
    }
    out->conditions->push_back(std::move(*c));
  }
  return std::nullopt;
}

// Per-service restart counts.
std::optional<Problem> DecodeReportedServices(const json& v, api::ProjectStatusPatch* out) {
  if (!v.is_array()) return BadRequest(std::string(kBadBody) + "/services: expected an array");
  out->services.emplace();
  for (size_t i = 0; i < v.size(); ++i) {
    const std::string at = std::string(kBadBody) + "/services/" + std::to_string(i);
    const json& item = v[i];
    if (!item.is_object() || !item.contains("name") || !item["name"].is_string()) {
      return BadRequest(at + "/name: expected a string");
    }
    api::ServiceStatus svc;
    svc.name = item["name"].get<std::string>();
    if (item.contains("restartCount")) {
      const json& n = item["restartCount"];
      if (!n.is_number_integer() || n.get<int64_t>() < 0) {
        return BadRequest(at + "/restartCount: expected a non-negative integer");
      }
      svc.restart_count = n.get<int64_t>();
    }
    out->services->push_back(std::move(svc));
  }
  return std::nullopt;
}

// One field of the status patch into *out.
std::optional<Problem> DecodeStatusPatchField(const std::string& key, const json& v,
                                              api::ProjectStatusPatch* out) {
  std::string* target = key == "phase"     ? &out->phase
                        : key == "reason"  ? &out->reason
                        : key == "message" ? &out->message
                                           : nullptr;
  if (target) {
    if (v.is_null()) return std::nullopt;
    if (!v.is_string()) return BadRequest(kBadBody + ("/" + key) + ": expected a string");
    *target = v.get<std::string>();
  } else if (key == "observedGeneration") {
    if (!v.is_number_integer() || v.get<int64_t>() < 0) {
      return BadRequest(std::string(kBadBody) +
                        "/observedGeneration: expected a non-negative integer");
    }
    out->observed_generation = v.get<int64_t>();
  } else if (key == "conditions") {
    return DecodeReportedConditions(v, out);
  } else if (key == "services") {
    return DecodeReportedServices(v, out);
  } else {
    return BadRequest(kBadBody + ("/" + key) + ": unknown field " + api::GoQuote(key));
  }
  return std::nullopt;
}

}  // namespace

Decoded<api::Node> DecodeNodeCreate(const std::string& body) {
  return DecodeObject<api::Node>(body, nullptr);
}

Decoded<api::Project> DecodeProjectCreate(const std::string& body) {
  return DecodeObject<api::Project>(body, nullptr);
}

Decoded<api::Node> DecodeNodeReplace(const std::string& body, const std::string& path_name) {
  return DecodeObject<api::Node>(body, &path_name);
}

Decoded<api::Project> DecodeProjectReplace(const std::string& body, const std::string& path_name) {
  return DecodeObject<api::Project>(body, &path_name);
}

Decoded<api::Secret> DecodeSecretCreate(const std::string& body) {
  return DecodeObject<api::Secret>(body, nullptr);
}

Decoded<api::Secret> DecodeSecretReplace(const std::string& body, const std::string& path_name) {
  return DecodeObject<api::Secret>(body, &path_name);
}

Decoded<api::NodeStatus> DecodeHeartbeat(const std::string& body) {
  if (body.empty()) return api::NodeStatus{};
  auto doc = ParseJsonObject(body);
  if (!doc.ok()) return doc.error();
  if (auto p = RejectUnknownFields(
          *doc, {"state", "network", "capacity", "allocatable", "info", "conditions"})) {
    return *p;
  }
  json wrapped = {{"apiVersion", api::kApiVersion},
                  {"kind", api::kKindNode},
                  {"metadata", {{"name", "heartbeat"}}},
                  {"status", *doc}};
  auto node = api::DecodeNode(wrapped);
  if (!node.ok()) {
    Errors errors = HeartbeatSchemaErrors(wrapped);
    if (errors.empty()) errors.push_back({"", node.status().message()});
    return ErrorsProblem(std::move(errors));
  }
  const std::string& state = node->status.state;
  if (!state.empty() && !api::IsValidNodeState(state)) {
    return BadRequest("invalid state " + state + ": must be one of Ready, NotReady, Draining");
  }
  Errors errors = HeartbeatSchemaErrors(wrapped);
  // The node rules that apply to a status (its quantities), pointing into the body.
  api::RuleOptions rules;
  rules.check_name = false;
  for (auto& v : api::CheckNode(*node, rules)) {
    if (v.pointer.rfind("/status/", 0) == 0) errors.push_back({v.pointer.substr(7), v.message});
  }
  if (!errors.empty()) return ErrorsProblem(std::move(errors));
  return std::move(node->status);
}

Decoded<api::ProjectStatusPatch> DecodeStatusPatch(const std::string& body) {
  auto doc = ParseJsonObject(body);
  if (!doc.ok()) return doc.error();
  api::ProjectStatusPatch patch;
  for (auto it = doc->begin(); it != doc->end(); ++it) {
    if (auto p = DecodeStatusPatchField(it.key(), it.value(), &patch)) return *p;
  }
  if (patch.phase.empty()) return BadRequest("phase is required");
  if (!api::IsValidProjectPhase(patch.phase)) {
    return BadRequest("invalid phase " + patch.phase +
                      ": must be one of Pending, Scheduled, Running, Failed, "
                      "Terminating, Terminated");
  }
  return patch;
}

Decoded<api::Event> DecodeEventPost(const std::string& body) {
  auto doc = ParseJsonObject(body);
  if (!doc.ok()) return doc.error();
  if (auto p = FillEnvelopeField(*doc, "apiVersion", api::kApiVersion)) return *p;
  if (auto p = FillEnvelopeField(*doc, "kind", api::kKindEvent)) return *p;
  Errors errors = api::ValidateEventDocument(*doc);
  if (!errors.empty()) return ErrorsProblem(std::move(errors));
  auto event = api::DecodeEvent(*doc);
  if (!event.ok()) return ErrorsProblem({{"", event.status().message()}});
  return std::move(*event);
}

}  // namespace cara::server
