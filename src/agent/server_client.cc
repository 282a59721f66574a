#include "agent/server_client.h"

#include <httplib.h>

#include <mutex>

#include <nlohmann/json.hpp>

#include "agent/http_client_pool.h"
#include "api/codec.h"
#include "common/log.h"
#include "net/percent_encoding.h"
#include "net/watch_stream.h"

namespace cara::agent {

using nlohmann::json;

namespace {

// Idle clients kept for the next call.
constexpr size_t kMaxIdleClients = 4;

// No keep-alive: a call every few seconds gains nothing from it, and
// cara-server (cpp-httplib) gives every open connection a thread of its own
// until it goes idle for its keep-alive timeout. With agents holding their
// connections, the 65th agent's requests waited for a thread that never came
// free (tests/bench, control-plane step: 1,000 simulated agents failed even
// against a trivial cpp-httplib server).
std::unique_ptr<httplib::Client> NewClient(const std::string& url,
                                           const net::ClientCredentials& credentials) {
  auto c = net::NewHttpClient(url, credentials);
  c->set_keep_alive(false);
  c->set_connection_timeout(10, 0);
  c->set_read_timeout(10, 0);
  c->set_write_timeout(10, 0);
  return c;
}

Status Unexpected(const httplib::Response& r, const std::string& what) {
  std::string detail = r.body;
  auto j = json::parse(r.body, nullptr, false);
  if (!j.is_discarded() && j.is_object() && j.contains("detail")) detail = j.value("detail", "");
  Status st(r.status == 404 ? Code::kNotFound : Code::kInternal,
            what + ": server answered " + std::to_string(r.status) + ": " + detail);
  return st;
}

// The projects placed on one node, watched over net::WatchStream. Logs only
// when the stream goes down or comes back, not at every retry.
class ProjectWatch final : public AssignmentWatch {
 public:
  ProjectWatch(net::WatchStream::ClientFactory connect, const std::string& node, Clock* clock)
      : node_(node), stream_(std::move(connect), Request(node), clock, Timing()) {}

  Status Run(const Callbacks& callbacks) override {
    bool watching = false;
    net::WatchCallbacks on;
    on.on_event = [&](const net::WatchEvent& e) {
      LOG_DEBUG("assignment watch: change").Kv("type", e.type).Kv("project", e.name());
      callbacks.on_change();
      return true;
    };
    on.on_connected = [&] {
      if (!watching) LOG_INFO("watching assigned projects").Kv("node", node_);
      watching = true;
      callbacks.on_state(true);
    };
    on.on_error = [&](const Status& st) {
      if (watching)
        LOG_WARN("assignment watch lost; polling until it is back").Kv("error", st.message());
      watching = false;
      callbacks.on_state(false);
    };
    return stream_.Run(on);
  }
  void Cancel() override { stream_.Cancel(); }

 private:
  static net::WatchRequest Request(const std::string& node) {
    net::WatchRequest request;
    request.collection = "/api/v1/projects";
    request.filters = "nodeRef=" + net::PercentEncode(node);
    return request;
  }
  static net::WatchTiming Timing() {
    net::WatchTiming timing;
    timing.max_backoff = std::chrono::seconds(30);
    return timing;
  }

  std::string node_;
  net::WatchStream stream_;
};

}  // namespace

struct ServerClient::Impl {
  // httplib::Client is not safe for concurrent use; heartbeats and polls run
  // on different threads, so each call takes a client of its own from the
  // pool. Renewed credentials bring a new pool.
  Impl(std::string url, const net::ClientCredentials& credentials, CredentialRenewer renew,
       Clock* clock)
      : url(std::move(url)),
        renew(std::move(renew)),
        clock(clock),
        credentials(credentials),
        pool(NewPool(credentials)) {}

  std::shared_ptr<HttpClientPool> NewPool(const net::ClientCredentials& credentials) const {
    return std::make_shared<HttpClientPool>(
        [url = url, credentials] { return NewClient(url, credentials); }, kMaxIdleClients);
  }

  std::shared_ptr<HttpClientPool> CurrentPool() {
    std::lock_guard<std::mutex> lock(mu);
    return pool;
  }

  // A watch's connection, made with the credentials of the moment (a
  // renewal by the other calls counts at the next reconnect).
  std::unique_ptr<httplib::Client> NewWatchClient() {
    std::lock_guard<std::mutex> lock(mu);
    auto c = net::NewHttpClient(url, credentials);
    c->set_keep_alive(false);
    c->set_connection_timeout(10, 0);
    return c;
  }

  template <typename Call>
  Result<httplib::Response> DoWith(HttpClientPool& clients, Call& call) {
    auto client = clients.Take();
    httplib::Result r = call(*client);
    if (!r) {
      return Status::Unavailable("cannot reach server " + url + ": " +
                                 net::DescribeClientError(*client, r.error()));
    }
    httplib::Response res = *r;
    clients.Give(std::move(client));
    return res;
  }

  // Replaces `rejected` with a pool of renewed credentials, unless another
  // call did so already. False when there is nothing to renew with.
  bool Renew(const std::shared_ptr<HttpClientPool>& rejected) {
    if (!renew) return false;
    std::lock_guard<std::mutex> renewing(renew_mu);
    if (CurrentPool() != rejected) return true;
    Result<net::ClientCredentials> credentials = renew();
    if (!credentials.ok()) {
      LOG_WARN("the server rejects the node credential and it cannot be renewed")
          .Kv("error", credentials.status().message());
      return false;
    }
    LOG_INFO("node credential renewed");
    std::lock_guard<std::mutex> lock(mu);
    this->credentials = *credentials;
    pool = NewPool(*credentials);
    return true;
  }

  // `what` names the call in the debug log, which times each one: with
  // --debug the log is a profile of the agent's round trips.
  template <typename Call>
  Result<httplib::Response> Do(std::string_view what, Call call) {
    const MonotonicTime start = clock->SteadyNow();
    std::shared_ptr<HttpClientPool> clients = CurrentPool();
    Result<httplib::Response> r = DoWith(*clients, call);
    if (r.ok() && r->status == 401 && Renew(clients)) r = DoWith(*CurrentPool(), call);
    LOG_DEBUG("server call")
        .Kv("call", what)
        .Kv("status", r.ok() ? r->status : 0)
        .Kv("ms", std::chrono::duration<double, std::milli>(clock->SteadyNow() - start).count());
    return r;
  }

  const std::string url;
  const CredentialRenewer renew;
  Clock* const clock;
  std::mutex renew_mu;  // one renewal at a time
  std::mutex mu;
  net::ClientCredentials credentials;    // guarded by mu
  std::shared_ptr<HttpClientPool> pool;  // guarded by mu
};

ServerClient::ServerClient(const std::string& server_url, net::ClientCredentials credentials)
    : ServerClient(server_url, std::move(credentials), nullptr) {}

ServerClient::ServerClient(const std::string& server_url, net::ClientCredentials credentials,
                           CredentialRenewer renew, Clock* clock) {
  std::string url = server_url;
  while (!url.empty() && url.back() == '/') url.pop_back();
  impl_ = std::make_unique<Impl>(url, credentials, std::move(renew), clock);
}

ServerClient::~ServerClient() = default;

Status ServerClient::Register(const std::string& node) {
  json body = {{"apiVersion", api::kApiVersion},
               {"kind", api::kKindNode},
               {"metadata", {{"name", node}}},
               {"spec", {{"hostname", node}}}};
  auto r = impl_->Do("register", [&](httplib::Client& c) {
    return c.Post("/api/v1/nodes", body.dump(), "application/json");
  });
  if (!r.ok()) return r.status();
  if (r->status == 201 || r->status == 409) return Status::Ok();
  return Unexpected(*r, "register node " + node);
}

Status ServerClient::Heartbeat(const std::string& node, const api::NodeStatus& report) {
  json body = json::object();
  if (!report.state.empty()) body["state"] = report.state;
  json net = json::object();
  if (!report.network.ip.empty()) net["ip"] = report.network.ip;
  if (report.network.agent_port) net["agentPort"] = report.network.agent_port;
  if (!net.empty()) body["network"] = net;
  if (!report.capacity.empty()) body["capacity"] = report.capacity;
  if (!report.allocatable.empty()) body["allocatable"] = report.allocatable;
  json info = json::object();
  if (!report.info.kernel_version.empty()) info["kernelVersion"] = report.info.kernel_version;
  if (!report.info.os_image.empty()) info["osImage"] = report.info.os_image;
  if (!report.info.agent_version.empty()) info["agentVersion"] = report.info.agent_version;
  if (!info.empty()) body["info"] = info;
  for (const api::Condition& c : report.conditions) {
    json condition = {{"type", c.type}, {"status", c.status}};
    if (!c.reason.empty()) condition["reason"] = c.reason;
    if (!c.message.empty()) condition["message"] = c.message;
    body["conditions"].push_back(std::move(condition));
  }
  auto r = impl_->Do("heartbeat", [&](httplib::Client& c) {
    return c.Post("/api/v1/nodes/" + node + "/heartbeat", body.dump(), "application/json");
  });
  if (!r.ok()) return r.status();
  if (r->status == 204) return Status::Ok();
  return Unexpected(*r, "heartbeat");
}

Result<std::vector<api::Project>> ServerClient::ListProjects(
    const std::string& node, const std::vector<std::string>& phases) {
  std::string path = "/api/v1/projects?";
  for (const auto& p : phases) path += "phase=" + p + "&";
  path += "nodeRef=" + node;
  auto r = impl_->Do("list projects", [&](httplib::Client& c) { return c.Get(path); });
  if (!r.ok()) return r.status();
  if (r->status != 200) return Unexpected(*r, "list projects");
  auto list = api::ParseJson(r->body);
  if (!list.ok()) return list.status();
  std::vector<api::Project> out;
  for (const auto& item : (*list)["items"]) {
    auto p = api::DecodeProject(item);
    if (!p.ok()) return p.status();
    out.push_back(std::move(*p));
  }
  return out;
}

Status ServerClient::ReportStatus(const std::string& project, const StatusReport& report) {
  json body = {{"phase", report.phase}, {"reason", report.reason}, {"message", report.message}};
  if (report.observed_generation > 0) body["observedGeneration"] = report.observed_generation;
  if (report.conditions) {
    body["conditions"] = json::array();
    for (const api::Condition& c : *report.conditions) {
      body["conditions"].push_back(json::parse(api::ToJson(c).dump()));
    }
  }
  if (report.services) {
    body["services"] = json::array();
    for (const api::ServiceStatus& svc : *report.services) {
      body["services"].push_back({{"name", svc.name}, {"restartCount", svc.restart_count}});
    }
  }
  auto r = impl_->Do("report status", [&](httplib::Client& c) {
    return c.Patch("/api/v1/projects/" + project + "/status", body.dump(), "application/json");
  });
  if (!r.ok()) return r.status();
  if (r->status == 204) return Status::Ok();
  return Unexpected(*r, "report status of " + project);
}

}  // namespace cara::agent

namespace cara::agent {

std::unique_ptr<AssignmentWatch> ServerClient::WatchAssignments(const std::string& node) {
  return std::make_unique<ProjectWatch>([impl = impl_.get()] { return impl->NewWatchClient(); },
                                        node, impl_->clock);
}

Result<SecretValues> ServerClient::GetSecretValues(const std::string& name) {
  auto r = impl_->Do("get secret values", [&](httplib::Client& c) {
    return c.Get("/api/v1/secrets/" + net::PercentEncode(name) + "/values");
  });
  if (!r.ok()) return r.status();
  if (r->status != 200) return Unexpected(*r, "get values of secret " + name);
  json j = json::parse(r->body, nullptr, /*allow_exceptions=*/false);
  auto values = j.is_object() ? j.find("values") : j.end();
  if (values == j.end() || !values->is_object()) {
    return Status::Internal("get values of secret " + name + ": the server's answer has no values");
  }
  SecretValues out;
  out.name = name;
  if (auto type = j.find("type"); type != j.end() && type->is_string()) out.type = *type;
  if (auto rv = j.find("resourceVersion"); rv != j.end()) {
    out.resource_version = rv->is_string() ? rv->get<std::string>() : rv->dump();
  }
  for (const auto& [key, value] : values->items()) {
    if (!value.is_string()) {
      return Status::Internal("get values of secret " + name + ": key \"" + key +
                              "\" is not a string");
    }
    out.values[key] = value.get<std::string>();
  }
  return out;
}

}  // namespace cara::agent

namespace cara::agent {

Status ServerClient::PostEvent(const api::Event& event) {
  json body = {{"involvedObject",
                {{"kind", event.involved_object.kind}, {"name", event.involved_object.name}}},
               {"reason", event.reason},
               {"message", event.message},
               {"type", event.type},
               {"source", {{"component", event.source.component}, {"node", event.source.node}}}};
  auto r = impl_->Do("post event", [&](httplib::Client& c) {
    return c.Post("/api/v1/events", body.dump(), "application/json");
  });
  if (!r.ok()) return r.status();
  if (r->status == 200 || r->status == 201) return Status::Ok();
  return Unexpected(*r, "post event about " + event.involved_object.name);
}

}  // namespace cara::agent
