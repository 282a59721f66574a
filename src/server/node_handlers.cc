// Node routes (upstream-reference.md §2.2, product.md §2–3).
#include <httplib.h>

#include "api/codec.h"
#include "api/lifecycle.h"
#include "api/validation.h"
#include "server/handler_context.h"
#include "server/label_filter.h"
#include "server/list_response.h"
#include "server/request_body.h"
#include "server/response.h"
#include "server/router.h"

namespace cara::server {
namespace {

using nlohmann::json;

std::string NotFoundDetail(const std::string& name) {
  return "node not found: " + name + ": resource not found";
}

class NodeHandlers {
 public:
  explicit NodeHandlers(const HandlerContext& ctx) : ctx_(ctx) {}

  void Create(const httplib::Request& req, httplib::Response& res) {
    json doc;
    api::Node node;
    if (!ParseJsonBody(req, res, &doc) || !DecodeNodeBody(doc, res, &node)) return;
    if (!ValidateNode(doc, node, res)) return;
    if (node.status.state.empty()) node.status.state = api::kNodeNotReady;
    api::ApplyDrainState(node, ctx_.clock->Now(), ctx_.options.node_heartbeat_timeout);
    const std::string name = node.metadata.name;
    auto created = ctx_.store->CreateNode(std::move(node));
    if (!created.ok()) return WriteCreateError(res, created.status(), "node", name);
    WriteJson(res, 201, api::EncodeNode(*created));
  }

  void Replace(const httplib::Request& req, httplib::Response& res, const PathParams& p) {
    const std::string& name = p.at("name");
    json doc;
    api::Node body;
    if (!ParseJsonBody(req, res, &doc) || !DecodeNodeBody(doc, res, &body)) return;
    if (!CheckNameMatchesPath(doc, body.metadata.name, name, res)) return;
    if (!ValidateNode(doc, body, res, /*name_from_path=*/true)) return;
    auto updated = ctx_.store->UpdateNode(name, [&](api::Node& n) {
      if (!body.metadata.resource_version.empty() &&
          body.metadata.resource_version != n.metadata.resource_version) {
        return Status::Conflict(
            "operation conflicts with current resource state: node " + api::GoQuote(name) +
            " has resourceVersion " + api::GoQuote(n.metadata.resource_version) +
            ", the request was based on " + api::GoQuote(body.metadata.resource_version));
      }
      n.spec = body.spec;
      n.metadata.labels = body.metadata.labels;
      n.metadata.annotations = body.metadata.annotations;
      api::ApplyDrainState(n, ctx_.clock->Now(), ctx_.options.node_heartbeat_timeout);
      return Status::Ok();
    });
    if (!updated.ok()) return WriteLookupError(res, updated.status(), name);
    WriteJson(res, 200, api::EncodeNode(*updated));
  }

  void List(const httplib::Request& req, httplib::Response& res) {
    api::LabelSelector selector;
    if (!ParseLabelSelectorParam(req, res, &selector)) return;
    ServeList(req, res, ctx_.store, api::kKindNode, "NodeList", {}, selector);
  }

  void Get(const httplib::Request&, httplib::Response& res, const PathParams& p) {
    auto body = ctx_.store->GetRaw(api::kKindNode, p.at("name"));
    if (!body.ok()) return WriteLookupError(res, body.status(), p.at("name"));
    WriteJson(res, 200, std::move(*body));
  }

  void Delete(const httplib::Request&, httplib::Response& res, const PathParams& p) {
    const std::string& name = p.at("name");
    Status st = ctx_.store->DeleteNode(name, [&](const std::vector<api::Project>& on_node) {
      size_t assigned = 0;
      for (const auto& project : on_node) {
        const std::string& phase = project.status.phase;
        if (phase == api::kPhaseScheduled || phase == api::kPhaseRunning ||
            phase == api::kPhaseTerminating) {
          ++assigned;
        }
      }
      if (assigned == 0) return Status::Ok();
      // The reference's text, without the "resource already exists" it
      // borrowed from the create conflict: the node is in use, not duplicated.
      return Status::Conflict("cannot delete node " + api::GoQuote(name) + ": " +
                              std::to_string(assigned) + " project(s) still assigned");
    });
    if (!st.ok()) return WriteLookupError(res, st, name);
    res.status = 204;
  }

  void Heartbeat(const httplib::Request& req, httplib::Response& res, const PathParams& p) {
    const std::string& name = p.at("name");
    auto existing = ctx_.store->GetNode(name);
    if (!existing.ok()) return WriteLookupError(res, existing.status(), name);
    api::NodeStatus report;
    if (!req.body.empty()) {
      json body;
      if (!ParseJsonBody(req, res, &body) || !DecodeHeartbeatBody(body, res, &report)) return;
    }
    auto updated = ctx_.store->UpdateNode(name, [&](api::Node& n) {
      MergeHeartbeat(report, n);
      return Status::Ok();
    });
    if (!updated.ok()) return WriteLookupError(res, updated.status(), name);
    res.status = 204;
  }

 private:
  void WriteLookupError(httplib::Response& res, const Status& st, const std::string& name) {
    if (st.code() == Code::kNotFound) return WriteProblem(res, 404, NotFoundDetail(name));
    WriteError(res, st);
  }

  void MergeHeartbeat(const api::NodeStatus& report, api::Node& n) {
    Timestamp now = ctx_.clock->Now();
    n.status.last_heartbeat = now;
    api::MergeReportedConditions(n, report, now);
    if (!report.state.empty() && !n.spec.unschedulable) {
      if (report.state == api::kNodeReady || api::DockerUnavailable(n)) {
        api::MarkNodeAlive(n, now);  // NotReady, with its reason, while Docker does not answer
      } else {
        n.status.state = report.state;
      }
    }
    const api::NodeNetwork& net = report.network;
    if (!net.ip.empty()) n.status.network.ip = net.ip;
    if (!net.dns_name.empty()) n.status.network.dns_name = net.dns_name;
    if (!net.mode.empty()) n.status.network.mode = net.mode;
    if (net.agent_port != 0) n.status.network.agent_port = net.agent_port;
    if (!net.throughput.empty()) n.status.network.throughput = net.throughput;
    if (!report.capacity.empty()) n.status.capacity = report.capacity;
    if (!report.allocatable.empty()) n.status.allocatable = report.allocatable;
    const api::NodeInfo& info = report.info;
    if (!info.kernel_version.empty()) n.status.info.kernel_version = info.kernel_version;
    if (!info.os_image.empty()) n.status.info.os_image = info.os_image;
    if (!info.agent_version.empty()) n.status.info.agent_version = info.agent_version;
  }

  HandlerContext ctx_;
};

}  // namespace

void RegisterNodeRoutes(Router& router, const HandlerContext& ctx) {
  auto h = std::make_shared<NodeHandlers>(ctx);
  router.Add("POST", "/api/v1/nodes",
             [h](const auto& req, auto& res, const PathParams&) { h->Create(req, res); });
  router.Add("GET", "/api/v1/nodes",
             [h](const auto& req, auto& res, const PathParams&) { h->List(req, res); });
  router.Add("GET", "/api/v1/nodes/{name}",
             [h](const auto& req, auto& res, const PathParams& p) { h->Get(req, res, p); });
  router.Add("PUT", "/api/v1/nodes/{name}",
             [h](const auto& req, auto& res, const PathParams& p) { h->Replace(req, res, p); });
  router.Add("DELETE", "/api/v1/nodes/{name}",
             [h](const auto& req, auto& res, const PathParams& p) { h->Delete(req, res, p); });
  router.Add("POST", "/api/v1/nodes/{name}/heartbeat",
             [h](const auto& req, auto& res, const PathParams& p) { h->Heartbeat(req, res, p); });
}

}  // namespace cara::server
