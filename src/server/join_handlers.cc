// POST /api/v1/join: a node presenting a join token's credential gets its own
// credential (a node token bound to its name) and a certificate for its API,
// signed by the cluster CA from its certificate signing request, so the
// node's key never leaves the node. Only the join role and admins reach this
// (server/access_control).
#include <httplib.h>

#include <nlohmann/json.hpp>

#include "api/validation.h"
#include "common/log.h"
#include "security/atomic_file.h"
#include "security/node_certificate.h"
#include "server/handler_context.h"
#include "server/problem.h"
#include "server/response.h"
#include "server/router.h"
#include "server/token_issuer.h"

namespace cara::server {
namespace {

using nlohmann::json;

struct JoinRequest {
  std::string node_name;
  std::string csr_pem;
};

Decoded<JoinRequest> DecodeJoinRequest(const std::string& text) {
  json body = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!body.is_object()) return BadRequest("invalid join request: expected a JSON object");
  std::vector<api::SchemaError> errors;
  JoinRequest request;
  auto field = [&](const char* key, std::string& out) {
    auto it = body.find(key);
    if (it == body.end() || !it->is_string() || it->get<std::string>().empty()) {
      errors.push_back({std::string("/") + key, "required string"});
      return;
    }
    out = it->get<std::string>();
  };
  field("nodeName", request.node_name);
  field("csr", request.csr_pem);
  if (!request.node_name.empty()) {
    Status name = api::ValidateName(request.node_name);
    if (!name.ok()) errors.push_back({"/nodeName", name.message()});
  }
  if (!errors.empty()) {
    std::string detail = "invalid join request:";
    for (const auto& e : errors) detail += " " + e.pointer + ": " + e.message + ";";
    detail.pop_back();
    return BadRequest(detail, errors);
  }
  return request;
}

class JoinHandlers {
 public:
  explicit JoinHandlers(const HandlerContext& ctx) : ctx_(ctx) {}

  void Join(const httplib::Request& req, httplib::Response& res, const PathParams&) {
    const JoinAuthority& authority = ctx_.options.join;
    if (!authority.enabled()) {
      return WriteProblem(res, 503, "this server cannot admit nodes: it has no cluster CA");
    }
    auto request = DecodeJoinRequest(req.body);
    if (!request.ok()) return WriteProblem(res, request.error());
    auto ca_cert = security::ReadWholeFile(authority.ca_cert_file);
    if (!ca_cert.ok()) return WriteError(res, ca_cert.status());
    auto ca_key = security::ReadWholeFile(authority.ca_key_file);
    if (!ca_key.ok()) return WriteError(res, ca_key.status());
    auto cert = security::SignNodeCertificate(*ca_cert, *ca_key, request->csr_pem,
                                              request->node_name);
    if (!cert.ok()) {
      return WriteProblem(res, BadRequest("invalid join request: /csr: " + cert.status().message(),
                                          {{"/csr", cert.status().message()}}));
    }
    auto issued = IssueNodeToken(*ctx_.store, request->node_name, ctx_.clock->Now());
    if (!issued.ok()) return WriteError(res, issued.status());
    LOG_INFO("node joined").Kv("node", request->node_name).Kv("token_id", issued->record.id);
    nlohmann::ordered_json body = {{"nodeName", request->node_name},
                                   {"tokenId", issued->record.id},
                                   {"token", issued->token},
                                   {"certificate", *cert},
                                   {"caCertificate", *ca_cert}};
    WriteJson(res, 201, body.dump());
  }

 private:
  HandlerContext ctx_;
};

}  // namespace

void RegisterJoinRoutes(Router& router, const HandlerContext& ctx) {
  auto h = std::make_shared<JoinHandlers>(ctx);
  router.Add("POST", "/api/v1/join", h, &JoinHandlers::Join);
}

}  // namespace cara::server
