#include "server/request_body.h"

#include <httplib.h>

#include <algorithm>
#include <type_traits>

#include "api/codec.h"
#include "api/schema.h"
#include "api/semantic_rules.h"
#include "api/validation.h"
#include "server/response.h"

namespace cara::server {
namespace {

using nlohmann::json;
using Errors = std::vector<api::SchemaError>;

const char kBadBody[] = "invalid request body: ";

bool ReportErrors(const Errors& errors, httplib::Response& res) {
  if (errors.empty()) return true;
  std::string detail = kBadBody;
  for (size_t i = 0; i < errors.size(); ++i) {
    if (i > 0) detail += "; ";
    detail += (errors[i].pointer.empty() ? "/" : errors[i].pointer) + ": " + errors[i].message;
  }
  WriteProblem(res, 400, detail, errors);
  return false;
}

bool FillEnvelope(json& doc, const char* kind, httplib::Response& res) {
  auto fill = [&](const char* key, const char* want) {
    auto it = doc.find(key);
    if (it == doc.end() || it->is_null() ||
        (it->is_string() && it->get_ref<const std::string&>().empty())) {
      doc[key] = want;
      return true;
    }
    if (it->is_string() && *it == want) return true;
    return ReportErrors({{std::string("/") + key, it->dump() +
                                                      " does not match this endpoint: "
                                                      "expected \"" +
                                                      want + "\""}},
                        res);
  };
  return fill("apiVersion", api::kApiVersion) && fill("kind", kind);
}

Errors SchemaErrors(const json& doc, const char* kind) {
  return kind == std::string(api::kKindNode) ? api::ValidateNodeDocument(doc)
                                             : api::ValidateProjectDocument(doc);
}

// Decodes with `decode`; on a type error the schema speaks for the whole
// document, so every violation is listed with its pointer.
template <typename T, typename Decode>
bool DecodeBody(json& doc, const char* kind, Decode decode, httplib::Response& res, T* out) {
  if (!FillEnvelope(doc, kind, res)) return false;
  auto decoded = decode(doc);
  if (decoded.ok()) {
    *out = std::move(*decoded);
    return true;
  }
  Errors errors = SchemaErrors(doc, kind);
  if (errors.empty()) errors.push_back({"", decoded.status().message()});
  return ReportErrors(errors, res);
}

bool ReportViolations(const std::vector<api::Violation>& violations, const Errors& schema,
                      httplib::Response& res) {
  if (violations.empty() && schema.empty()) return true;
  Errors errors = api::MergeWithSchemaErrors(violations, schema);
  if (const api::Violation* first = api::FirstReferenceViolation(violations)) {
    WriteProblem(res, 400, first->message, errors);
    return false;
  }
  return ReportErrors(errors, res);
}

template <typename T>
bool Validate(const json& doc, const T& object, const char* kind, bool name_from_path,
              httplib::Response& res) {
  api::RuleOptions options{.check_name = !name_from_path};
  Errors schema = SchemaErrors(doc, kind);
  if (name_from_path) {
    schema.erase(
        std::remove_if(schema.begin(), schema.end(),
                       [](const api::SchemaError& e) { return e.pointer == "/metadata/name"; }),
        schema.end());
  }
  if constexpr (std::is_same_v<T, api::Node>) {
    return ReportViolations(api::CheckNode(object, options), schema, res);
  } else {
    return ReportViolations(api::CheckProject(object, options), schema, res);
  }
}

}  // namespace

bool ParseJsonBody(const httplib::Request& req, httplib::Response& res, json* out) {
  bool blank = std::all_of(req.body.begin(), req.body.end(),
                           [](unsigned char c) { return std::isspace(c); });
  if (blank) {
    WriteProblem(res, 400, std::string(kBadBody) + "EOF");
    return false;
  }
  auto parsed = api::ParseJson(req.body);
  if (!parsed.ok()) {
    WriteProblem(res, 400, kBadBody + parsed.status().message());
    return false;
  }
  if (!parsed->is_object()) {
    WriteProblem(res, 400,
                 std::string(kBadBody) + "expected a JSON object, got " + parsed->type_name());
    return false;
  }
  *out = std::move(*parsed);
  return true;
}

bool DecodeNodeBody(json& doc, httplib::Response& res, api::Node* out) {
  return DecodeBody(
      doc, api::kKindNode, [](const json& j) { return api::DecodeNode(j); }, res, out);
}

bool DecodeProjectBody(json& doc, httplib::Response& res, api::Project* out) {
  return DecodeBody(
      doc, api::kKindProject, [](const json& j) { return api::DecodeProject(j); }, res, out);
}

bool ValidateNode(const json& doc, const api::Node& node, httplib::Response& res,
                  bool name_from_path) {
  return Validate(doc, node, api::kKindNode, name_from_path, res);
}

bool ValidateProject(const json& doc, const api::Project& project, httplib::Response& res,
                     bool name_from_path) {
  return Validate(doc, project, api::kKindProject, name_from_path, res);
}

bool CheckNameMatchesPath(json& doc, const std::string& body_name, const std::string& path_name,
                          httplib::Response& res) {
  if (body_name.empty()) {
    if (!doc["metadata"].is_object()) doc["metadata"] = json::object();
    doc["metadata"]["name"] = path_name;
    return true;
  }
  if (body_name == path_name) return true;
  WriteProblem(res, 400,
               "metadata.name " + api::GoQuote(body_name) + " does not match URL path " +
                   api::GoQuote(path_name));
  return false;
}

bool RejectUnknownFields(const json& body, std::initializer_list<const char*> known,
                         httplib::Response& res) {
  Errors errors;
  for (auto it = body.begin(); it != body.end(); ++it) {
    bool ok = std::any_of(known.begin(), known.end(), [&](const char* k) { return it.key() == k; });
    if (!ok) errors.push_back({"/" + it.key(), "unknown field " + api::GoQuote(it.key())});
  }
  return ReportErrors(errors, res);
}

namespace {

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

}  // namespace

bool DecodeHeartbeatBody(const json& body, httplib::Response& res, api::NodeStatus* out) {
  if (!RejectUnknownFields(
          body, {"state", "network", "capacity", "allocatable", "info", "conditions"}, res)) {
    return false;
  }
  json wrapped = {{"apiVersion", api::kApiVersion},
                  {"kind", api::kKindNode},
                  {"metadata", {{"name", "heartbeat"}}},
                  {"status", body}};
  auto node = api::DecodeNode(wrapped);
  if (!node.ok()) {
    Errors errors = HeartbeatSchemaErrors(wrapped);
    if (errors.empty()) errors.push_back({"", node.status().message()});
    return ReportErrors(errors, res);
  }
  const std::string& state = node->status.state;
  if (!state.empty() && !api::IsValidNodeState(state)) {
    WriteProblem(res, 400, "invalid state " + state + ": must be one of Ready, NotReady, Draining");
    return false;
  }
  if (!ReportErrors(HeartbeatSchemaErrors(wrapped), res)) return false;
  *out = std::move(node->status);
  return true;
}

}  // namespace cara::server
