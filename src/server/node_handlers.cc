// Node routes. Each handler decodes the request (server/request_body),
// decides with the life-cycle rules (api/lifecycle), writes through the
// store and encodes the answer.
#include <httplib.h>

#include "api/codec.h"
#include "api/lifecycle.h"
#include "common/log.h"
#include "server/handler_context.h"
#include "server/heartbeat_decoder.h"
#include "server/label_filter.h"
#include "server/list_response.h"
#include "server/request_body.h"
#include "server/response.h"
#include "server/router.h"
#include "server/token_issuer.h"
#include "server/watch_response.h"
#include "store/node_leases.h"

namespace cara::server {
namespace {

void WriteLookupError(httplib::Response& res, const Status& st, const std::string& name) {
  if (st.code() == Code::kNotFound) {
    return WriteProblem(res, 404, "node not found: " + name + ": resource not found");
  }
  WriteError(res, st);
}

class NodeHandlers {
 public:
  explicit NodeHandlers(const HandlerContext& ctx) : ctx_(ctx) {}

  void Create(const httplib::Request& req, httplib::Response& res, const PathParams&) {
    auto node = DecodeNodeCreate(req.body);
    if (!node.ok()) return WriteProblem(res, node.error());
    api::InitNewNode(*node, ctx_.clock->Now(), ctx_.options.node_heartbeat_timeout);
    const std::string name = node->metadata.name;
    auto created = ctx_.store->CreateNode(std::move(*node));
    if (!created.ok()) return WriteCreateError(res, created.status(), "node", name);
    WriteJson(res, 201, api::EncodeNode(*created));
  }

  void Replace(const httplib::Request& req, httplib::Response& res, const PathParams& p) {
    const std::string& name = p.at("name");
    auto body = DecodeNodeReplace(req.body, name);
    if (!body.ok()) return WriteProblem(res, body.error());
    auto updated = ctx_.store->UpdateNode(name, [&](api::Node& current) {
      // Undraining looks at the heartbeat's age: count the leases too.
      if (!body->spec.unschedulable &&
          (current.spec.unschedulable || current.status.state == api::kNodeDraining)) {
        current.status.last_heartbeat =
            store::LatestHeartbeat(store::NodeLeases::Of(ctx_.store).get(), current);
      }
      return api::ApplyNodeReplace(*body, current, ctx_.clock->Now(),
                                   ctx_.options.node_heartbeat_timeout);
    });
    if (!updated.ok()) return WriteLookupError(res, updated.status(), name);
    WriteJson(res, 200, api::EncodeNode(*updated));
  }

  void List(const httplib::Request& req, httplib::Response& res, const PathParams&) {
    auto selector = ParseLabelSelectorParam(req);
    if (!selector.ok()) return WriteProblem(res, selector.error());
    if (WantsWatch(req)) {
      return ServeWatch(req, res, ctx_.watch_hub, api::kKindNode,
                        ListFilterPredicate({}, *selector));
    }
    ServeList(req, res, ctx_.store, api::kKindNode, "NodeList", {}, *selector);
  }

  void Get(const httplib::Request&, httplib::Response& res, const PathParams& p) {
    auto body = ctx_.store->GetRaw(api::kKindNode, p.at("name"));
    if (!body.ok()) return WriteLookupError(res, body.status(), p.at("name"));
    WriteJson(res, 200, std::move(*body));
  }

  void Delete(const httplib::Request&, httplib::Response& res, const PathParams& p) {
    const std::string& name = p.at("name");
    Status st = ctx_.store->DeleteNode(name, [&](const std::vector<api::Project>& on_node) {
      return api::CheckNodeDeletable(name, on_node);
    });
    if (!st.ok()) return WriteLookupError(res, st, name);
    // A deleted node's credential stops working; the node may join again.
    st = RevokeNodeTokens(*ctx_.store, name);
    if (!st.ok())
      LOG_ERROR("cannot revoke a deleted node's credentials")
          .Kv("node", name)
          .Kv("error", st.message());
    res.status = 204;
  }

  // A heartbeat that changes nothing but the time renews the node's lease
  // (store/node_leases.h); any other change is written before the answer.
  // An unknown node is a 404 whatever the body holds.
  void Heartbeat(const httplib::Request& req, httplib::Response& res, const PathParams& p) {
    const std::string& name = p.at("name");
    auto report = decoder_.Decode(name, req.body);
    if (!report.ok()) {
      auto existing = ctx_.store->GetNode(name);
      if (!existing.ok()) return WriteLookupError(res, existing.status(), name);
      return WriteProblem(res, report.error());
    }
    const Timestamp now = ctx_.clock->Now();
    // Owns the report: a lease keeps it until its flush.
    store::NodeMutator apply = [report = std::move(*report), now](api::Node& n) {
      api::ApplyHeartbeat(report, n, now);
      return Status::Ok();
    };
    auto leases = store::NodeLeases::Of(ctx_.store);
    Status st = leases ? leases->Renew(name, apply, now).status()
                       : ctx_.store->UpdateNode(name, apply).status();
    if (!st.ok()) return WriteLookupError(res, st, name);
    res.status = 204;
  }

 private:
  HandlerContext ctx_;
  HeartbeatDecoder decoder_;  // an unchanged body is not decoded again
};

}  // namespace

void RegisterNodeRoutes(Router& router, const HandlerContext& ctx) {
  auto h = std::make_shared<NodeHandlers>(ctx);
  router.AddResource("/api/v1/nodes", h);
  router.Add("POST", "/api/v1/nodes/{name}/heartbeat", h, &NodeHandlers::Heartbeat);
}

}  // namespace cara::server
