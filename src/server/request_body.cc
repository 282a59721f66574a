#include "server/request_body.h"

#include <httplib.h>

#include "api/codec.h"
#include "api/schema.h"
#include "api/validation.h"
#include "server/response.h"

namespace cara::server {
namespace {

const char kBadBody[] = "invalid request body: ";

bool CheckEnvelope(nlohmann::json& doc, const char* kind, httplib::Response& res) {
  auto check = [&](const char* key, const char* want) {
    auto it = doc.find(key);
    if (it == doc.end() || it->is_null() || (it->is_string() && it->get_ref<const std::string&>().empty())) {
      doc[key] = want;
      return true;
    }
    if (it->is_string() && *it == want) return true;
    WriteProblem(res, 400,
                 std::string(key) + " " + it->dump() + " does not match this endpoint: expected \"" +
                     want + "\"");
    return false;
  };
  return check("apiVersion", api::kApiVersion) && check("kind", kind);
}

bool ReportSchemaErrors(const std::vector<api::SchemaError>& errors, httplib::Response& res) {
  if (errors.empty()) return true;
  std::string detail = kBadBody;
  for (size_t i = 0; i < errors.size(); ++i) {
    if (i > 0) detail += "; ";
    detail += (errors[i].pointer.empty() ? "/" : errors[i].pointer) + ": " + errors[i].message;
  }
  WriteProblem(res, 400, detail, errors);
  return false;
}

}  // namespace

bool ParseJsonBody(const httplib::Request& req, httplib::Response& res, nlohmann::json* out) {
  if (req.body.empty()) {
    WriteProblem(res, 400, std::string(kBadBody) + "EOF");
    return false;
  }
  auto parsed = api::ParseJson(req.body);
  if (!parsed.ok()) {
    WriteProblem(res, 400, kBadBody + parsed.status().message());
    return false;
  }
  if (!parsed->is_object()) {
    WriteProblem(res, 400, std::string(kBadBody) + "expected a JSON object, got " +
                               parsed->type_name());
    return false;
  }
  *out = std::move(*parsed);
  return true;
}

bool DecodeNodeBody(const nlohmann::json& doc, httplib::Response& res, api::Node* out) {
  auto node = api::DecodeNode(doc);
  if (!node.ok()) {
    WriteProblem(res, 400, kBadBody + node.status().message());
    return false;
  }
  *out = std::move(*node);
  return true;
}

bool DecodeProjectBody(const nlohmann::json& doc, httplib::Response& res, api::Project* out) {
  auto project = api::DecodeProject(doc);
  if (!project.ok()) {
    WriteProblem(res, 400, kBadBody + project.status().message());
    return false;
  }
  *out = std::move(*project);
  return true;
}

bool ValidateNodeDocument(nlohmann::json& doc, httplib::Response& res) {
  return CheckEnvelope(doc, api::kKindNode, res) &&
         ReportSchemaErrors(api::ValidateNodeDocument(doc), res);
}

bool ValidateProjectDocument(nlohmann::json& doc, httplib::Response& res) {
  return CheckEnvelope(doc, api::kKindProject, res) &&
         ReportSchemaErrors(api::ValidateProjectDocument(doc), res);
}

bool CheckNameMatchesPath(nlohmann::json& doc, const std::string& body_name,
                          const std::string& path_name, httplib::Response& res) {
  if (body_name.empty()) {
    if (!doc["metadata"].is_object()) doc["metadata"] = nlohmann::json::object();
    doc["metadata"]["name"] = path_name;
    return true;
  }
  if (body_name == path_name) return true;
  WriteProblem(res, 400,
               "metadata.name " + api::GoQuote(body_name) + " does not match URL path " +
                   api::GoQuote(path_name));
  return false;
}

}  // namespace cara::server
