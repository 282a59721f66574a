// The token API (admin only, enforced by server/access_control): create
// shows a token once, list shows no secrets and no hashes, delete revokes.
// Also the audit trail's read route.
#include <httplib.h>

#include <nlohmann/json.hpp>

#include "api/validation.h"
#include "common/time_format.h"
#include "security/join_token.h"
#include "server/handler_context.h"
#include "server/response.h"
#include "server/router.h"
#include "server/token_issuer.h"
#include "store/audit_records.h"
#include "store/token_records.h"

namespace cara::server {
namespace {

using nlohmann::json;
using nlohmann::ordered_json;

constexpr size_t kMaxDescription = 256;
constexpr size_t kDefaultAuditLimit = 100;
constexpr size_t kMaxAuditLimit = 10000;

// A positive duration ("72h", "30d") at `key`, or an error at its pointer.
std::optional<Duration> DurationField(const json& body, const char* key,
                                      std::vector<api::SchemaError>& errors) {
  if (!body.contains(key)) return std::nullopt;
  const std::string pointer = std::string("/") + key;
  if (!body[key].is_string()) {
    errors.push_back({pointer, "must be a duration such as \"72h\" or \"30d\""});
    return std::nullopt;
  }
  auto d = ParseDurationWithDays(body[key].get<std::string>());
  if (!d.ok() || d->count() <= 0) {
    errors.push_back({pointer, "must be a positive duration such as \"72h\" or \"30d\""});
    return std::nullopt;
  }
  return *d;
}

std::string StringField(const json& body, const char* key, std::vector<api::SchemaError>& errors) {
  if (!body.contains(key)) return "";
  if (!body[key].is_string()) {
    errors.push_back({std::string("/") + key, "must be a string"});
    return "";
  }
  return body[key].get<std::string>();
}

void CheckRoleFields(const json& body, TokenRequest& request, bool has_max_ttl,
                     std::vector<api::SchemaError>& errors) {
  if (request.role == api::Role::kPreview) {
    if (!api::IsNamePrefix(request.name_prefix)) {
      errors.push_back({"/namePrefix",
                        "a preview token needs a name prefix of lowercase letters, digits and "
                        "'-' (at most 40)"});
    }
    if (!has_max_ttl) errors.push_back({"/maxTTL", "a preview token needs maxTTL"});
    return;
  }
  if (body.contains("namePrefix")) errors.push_back({"/namePrefix", "only for role preview"});
  if (body.contains("maxTTL")) errors.push_back({"/maxTTL", "only for role preview"});
}

Decoded<TokenRequest> DecodeTokenRequest(const std::string& text) {
  json body = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!body.is_object()) return BadRequest("invalid request body: expected a JSON object");
  std::vector<api::SchemaError> errors;
  TokenRequest request;
  const std::string role = StringField(body, "role", errors);
  auto parsed = api::ParseRole(role);
  if (!parsed) {
    errors.push_back({"/role", "must be one of admin, deployer, preview, viewer, join"});
  } else if (*parsed == api::Role::kNode) {
    errors.push_back({"/role", "node tokens are issued when a node joins"});
  } else {
    request.role = *parsed;
  }
  request.description = StringField(body, "description", errors);
  if (request.description.size() > kMaxDescription) {
    errors.push_back({"/description", "at most 256 characters"});
  }
  request.ttl = DurationField(body, "ttl", errors);
  request.name_prefix = StringField(body, "namePrefix", errors);
  auto max_ttl = DurationField(body, "maxTTL", errors);
  if (max_ttl) request.max_ttl = *max_ttl;
  if (parsed && *parsed != api::Role::kNode) {
    CheckRoleFields(body, request, max_ttl.has_value(), errors);
  }
  if (!errors.empty()) {
    std::string detail = "invalid token request:";
    for (const auto& e : errors) detail += " " + e.pointer + ": " + e.message + ";";
    detail.pop_back();
    return BadRequest(detail, errors);
  }
  return request;
}

// What a client may see of a token: never its secret or hash.
ordered_json PublicView(const store::TokenRecord& r) {
  ordered_json j = {{"id", r.id}, {"role", api::RoleName(r.role)}, {"description", r.description}};
  if (!r.node_name.empty()) j["nodeName"] = r.node_name;
  if (!r.name_prefix.empty()) j["namePrefix"] = r.name_prefix;
  if (r.max_ttl.count() > 0) j["maxTTL"] = FormatDuration(r.max_ttl);
  j["createdAt"] = FormatRfc3339(r.created_at);
  if (r.expires_at) j["expiresAt"] = FormatRfc3339(*r.expires_at);
  return j;
}

class TokenHandlers {
 public:
  explicit TokenHandlers(const HandlerContext& ctx) : ctx_(ctx) {}

  void Create(const httplib::Request& req, httplib::Response& res, const PathParams&) {
    auto request = DecodeTokenRequest(req.body);
    if (!request.ok()) return WriteProblem(res, request.error());
    auto issued = IssueToken(*ctx_.store, *request, ctx_.clock->Now());
    if (!issued.ok()) return WriteError(res, issued.status());
    ordered_json body = PublicView(issued->record);
    body["token"] = issued->token;
    // A join credential is handed to agents inside a join token, which
    // also pins the CA.
    if (issued->record.role == api::Role::kJoin && ctx_.options.join.enabled()) {
      body["joinToken"] = security::FormatJoinToken({ctx_.options.join.ca_sha256, issued->token});
    }
    WriteJson(res, 201, body.dump());
  }

  void List(const httplib::Request&, httplib::Response& res, const PathParams&) {
    auto tokens = store::ListTokens(*ctx_.store);
    if (!tokens.ok()) return WriteError(res, tokens.status());
    std::vector<std::string> items;
    for (const auto& t : *tokens) items.push_back(PublicView(t).dump());
    WriteJson(res, 200, JoinListBody("TokenList", items));
  }

  void Delete(const httplib::Request&, httplib::Response& res, const PathParams& p) {
    Status st = store::DeleteToken(*ctx_.store, p.at("name"));
    if (st.code() == Code::kNotFound) {
      return WriteProblem(res, 404, "token not found: " + p.at("name"));
    }
    if (!st.ok()) return WriteError(res, st);
    res.status = 204;
  }

  void ListAudit(const httplib::Request& req, httplib::Response& res, const PathParams&) {
    size_t limit = kDefaultAuditLimit;
    if (req.has_param("limit")) {
      const std::string text = req.get_param_value("limit");
      char* end = nullptr;
      unsigned long long n = std::strtoull(text.c_str(), &end, 10);
      if (text.empty() || *end != '\0' || n == 0 || n > kMaxAuditLimit) {
        return WriteProblem(res, 400, "invalid limit: expected 1 to 10000");
      }
      limit = n;
    }
    auto records = store::ListAuditRecords(*ctx_.store, limit);
    if (!records.ok()) return WriteError(res, records.status());
    WriteJson(res, 200, JoinListBody("AuditRecordList", *records));
  }

 private:
  HandlerContext ctx_;
};

}  // namespace

void RegisterTokenRoutes(Router& router, const HandlerContext& ctx) {
  auto h = std::make_shared<TokenHandlers>(ctx);
  router.Add("POST", "/api/v1/tokens", h, &TokenHandlers::Create);
  router.Add("GET", "/api/v1/tokens", h, &TokenHandlers::List);
  router.Add("DELETE", "/api/v1/tokens/{name}", h, &TokenHandlers::Delete);
  router.Add("GET", "/api/v1/audit", h, &TokenHandlers::ListAudit);
}

}  // namespace cara::server
