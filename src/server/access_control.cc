#include "server/access_control.h"

#include <httplib.h>

#include <algorithm>
#include <optional>

#include <nlohmann/json.hpp>

#include "api/codec.h"
#include "api/sync_run.h"
#include "common/time_format.h"
#include "server/authenticator.h"
#include "server/response.h"
#include "store/sync_run_records.h"

namespace cara::server {
namespace {

using api::Resource;
using api::Verb;

struct RouteAction {
  const char* method;
  const char* pattern;
  Resource resource;
  Verb verb;
};

// What each route does. A route missing here is admin-only.
constexpr RouteAction kRouteActions[] = {
    {"POST", "/api/v1/nodes", Resource::kNodes, Verb::kCreate},
    {"GET", "/api/v1/nodes", Resource::kNodes, Verb::kList},
    {"GET", "/api/v1/nodes/{name}", Resource::kNodes, Verb::kGet},
    {"PUT", "/api/v1/nodes/{name}", Resource::kNodes, Verb::kUpdate},
    {"DELETE", "/api/v1/nodes/{name}", Resource::kNodes, Verb::kDelete},
    {"POST", "/api/v1/nodes/{name}/heartbeat", Resource::kNodes, Verb::kHeartbeat},
    {"POST", "/api/v1/projects", Resource::kProjects, Verb::kCreate},
    {"GET", "/api/v1/projects", Resource::kProjects, Verb::kList},
    {"GET", "/api/v1/projects/{name}", Resource::kProjects, Verb::kGet},
    {"PUT", "/api/v1/projects/{name}", Resource::kProjects, Verb::kUpdate},
    {"DELETE", "/api/v1/projects/{name}", Resource::kProjects, Verb::kDelete},
    {"PATCH", "/api/v1/projects/{name}/status", Resource::kProjects, Verb::kPatchStatus},
    {"GET", "/api/v1/projects/{name}/logs", Resource::kProjects, Verb::kLogs},
    {"GET", "/api/v1/projects/{name}/portforward", Resource::kProjects, Verb::kPortForward},
    {"POST", "/api/v1/tokens", Resource::kTokens, Verb::kCreate},
    {"GET", "/api/v1/tokens", Resource::kTokens, Verb::kList},
    {"DELETE", "/api/v1/tokens/{name}", Resource::kTokens, Verb::kDelete},
    {"GET", "/api/v1/audit", Resource::kAudit, Verb::kList},
    {"GET", "/metrics", Resource::kMetrics, Verb::kGet},
    {"POST", "/api/v1/join", Resource::kJoin, Verb::kCreate},
    {"GET", "/api/v1/secrets/publickey", Resource::kSealingKey, Verb::kGet},
    {"POST", "/api/v1/secrets", Resource::kSecrets, Verb::kCreate},
    {"GET", "/api/v1/secrets", Resource::kSecrets, Verb::kList},
    {"GET", "/api/v1/secrets/{name}", Resource::kSecrets, Verb::kGet},
    {"PUT", "/api/v1/secrets/{name}", Resource::kSecrets, Verb::kUpdate},
    {"DELETE", "/api/v1/secrets/{name}", Resource::kSecrets, Verb::kDelete},
    {"GET", "/api/v1/secrets/{name}/values", Resource::kSecrets, Verb::kReadValues},
    {"POST", "/api/v1/syncruns", Resource::kSyncRuns, Verb::kCreate},
    {"GET", "/api/v1/syncruns", Resource::kSyncRuns, Verb::kList},
    {"GET", "/api/v1/syncruns/{name}", Resource::kSyncRuns, Verb::kGet},
    {"GET", "/api/v1/sources/{name}", Resource::kSources, Verb::kGet},
    {"PUT", "/api/v1/sources/{name}", Resource::kSources, Verb::kUpdate},
    {"GET", "/api/v1/events", Resource::kEvents, Verb::kList},
    {"POST", "/api/v1/events", Resource::kEvents, Verb::kCreate},
};

const char* const kResourceNames[] = {"nodes",    "projects", "tokens",  "audit",
                                      "metrics",  "join",     "secrets", "secrets/publickey",
                                      "syncruns", "sources",  "events"};

bool IsOpen(const std::string& pattern) {
  return pattern == "/api/healthz" || pattern == "/api/readyz" || pattern == "/api/version" ||
         pattern == "/ui" || pattern == "/ui/" || pattern == "/ui/{asset}";
}

// The route parameters with everything whoami tells about the caller.
PathParams WithIdentity(const PathParams& params, const api::Principal& who) {
  PathParams out = params;
  out[kCallerTokenIdParam] = who.token_id;
  out[kCallerRoleParam] = api::RoleName(who.role);
  out[kCallerDescriptionParam] = who.description;
  out[kCallerNamePrefixParam] = who.name_prefix;
  out[kCallerMaxTtlParam] = who.max_ttl.count() > 0 ? FormatDuration(who.max_ttl) : "";
  out[kCallerNodeParam] = who.node_name;
  return out;
}

std::optional<RouteAction> FindRoute(const std::string& method, const std::string& pattern) {
  const std::string m = method == "HEAD" ? "GET" : method;
  for (const RouteAction& r : kRouteActions) {
    if (m == r.method && pattern == r.pattern) return r;
  }
  return std::nullopt;
}

std::string NameInBody(const std::string& body) {
  auto j = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object() || !j.contains("metadata") || !j["metadata"].is_object()) return "";
  auto name = j["metadata"].find("name");
  return name != j["metadata"].end() && name->is_string() ? name->get<std::string>() : "";
}

std::string NameInResponse(const httplib::Response& res) {
  auto j = nlohmann::json::parse(res.body, nullptr, /*allow_exceptions=*/false);
  return j.is_object() && j.contains("id") && j["id"].is_string() ? j["id"].get<std::string>() : "";
}

// Heartbeats (every few seconds per node) and the nodes' status reports
// would drown the trail; they change no intent.
bool Audited(const api::Principal& who, const RouteAction& route) {
  if (route.verb == Verb::kList || route.verb == Verb::kGet || route.verb == Verb::kLogs ||
      route.verb == Verb::kReadValues) {
    return false;
  }
  // Heartbeats and events (what the cluster reports, not what anyone wants).
  if (route.verb == Verb::kHeartbeat || route.resource == Resource::kEvents) return false;
  return !(who.role == api::Role::kNode && route.verb == Verb::kPatchStatus);
}

// Whether a Project assigned to `node` references the Secret `name`.
bool UsedOnNode(store::Store& store, const std::string& name, const std::string& node) {
  if (node.empty()) return false;
  store::ProjectFilter filter;
  filter.node_ref = node;
  auto projects = store.ListProjects(filter);
  if (!projects.ok()) return false;
  for (const api::Project& p : *projects) {
    std::vector<std::string> used = api::ReferencedSecrets(p.spec);
    if (std::binary_search(used.begin(), used.end(), name)) return true;
  }
  return false;
}

void WriteUnauthorized(httplib::Response& res, const Problem& problem) {
  WriteProblem(res, problem);
  res.set_header("WWW-Authenticate", "Bearer");
}

// A preview token's run: the body it records, or the stored one it reads.
std::optional<api::SyncRun> PreviewRun(store::Store& store, const httplib::Request& req, Verb verb,
                                       const std::string& id) {
  if (verb == Verb::kCreate) {
    auto run = api::SyncRunFromJson(nlohmann::json::parse(req.body, nullptr, false));
    return run.ok() ? std::move(*run) : std::optional<api::SyncRun>();
  }
  if (verb != Verb::kGet) return std::nullopt;
  auto stored = store::GetSyncRun(store, id);
  return stored.ok() && *stored ? std::move(**stored) : std::optional<api::SyncRun>();
}

// The route's path parameters and the caller's token id.
PathParams WithCaller(const PathParams& params, const api::Principal& who) {
  PathParams out = params;
  out[kCallerTokenIdParam] = who.token_id;
  return out;
}

// The request with its list narrowed to what `who` may see.
httplib::Request Narrowed(const httplib::Request& req, const api::ListScope& scope) {
  httplib::Request copy = req;
  if (!scope.node_ref.empty()) {
    copy.params.erase("nodeRef");
    copy.params.emplace("nodeRef", scope.node_ref);
  }
  if (!scope.name_prefix.empty()) {
    copy.params.erase("namePrefix");
    copy.params.emplace("namePrefix", scope.name_prefix);
  }
  return copy;
}

}  // namespace

AccessControl::AccessControl(store::Store* store, Clock* clock, const TokenCache* tokens,
                             AuditLog* audit)
    : store_(store), clock_(clock), tokens_(tokens), audit_(audit) {}

void AccessControl::Serve(const httplib::Request& req, httplib::Response& res,
                          const std::string& pattern, const PathParams& params,
                          const RouteHandler& handler) const {
  if (IsOpen(pattern)) return handler(req, res, params);
  const Timestamp now = clock_->Now();
  api::Principal who = NoAuthPrincipal();
  if (tokens_) {
    auto authenticated = Authenticate(*tokens_, req.get_header_value("Authorization"), now);
    if (!authenticated.ok()) return WriteUnauthorized(res, authenticated.error());
    who = std::move(*authenticated);
  }
  if (pattern == kWhoAmIPattern) return handler(req, res, WithIdentity(params, who));
  auto route = FindRoute(req.method, pattern);
  if (!route) {
    if (who.role == api::Role::kAdmin) return handler(req, res, WithCaller(params, who));
    return WriteProblem(
        res, 403,
        "forbidden: role " + api::RoleName(who.role) + " may not " + req.method + " " + pattern);
  }
  auto named = params.find("name");
  api::Action action;
  action.verb = route->verb;
  action.resource = route->resource;
  action.method = req.method;
  if (named != params.end()) action.name = named->second;
  std::optional<api::Project> project;
  std::optional<api::Event> event;
  const bool writes = route->verb == Verb::kCreate || route->verb == Verb::kUpdate;
  if (route->resource == Resource::kProjects && writes) {
    auto decoded = api::ParseProject(req.body);
    if (decoded.ok()) project = std::move(*decoded);
    if (project) action.project = &*project;
    if (action.name.empty() && project) action.name = project->metadata.name;
  } else if (route->resource == Resource::kEvents && route->verb == Verb::kCreate) {
    auto decoded = api::ParseEvent(req.body);
    if (decoded.ok()) event = std::move(*decoded);
    if (event) action.event = &*event;
    if (event) action.name = event->involved_object.name;
  } else if (route->verb == Verb::kCreate &&
             (route->resource == Resource::kNodes || route->resource == Resource::kSecrets)) {
    action.name = NameInBody(req.body);
  }
  const bool about_project = route->resource == Resource::kProjects ||
                             (event && event->involved_object.kind == api::kKindProject);
  if (who.role == api::Role::kNode && about_project && !action.name.empty()) {
    auto stored = store_->GetProject(action.name);
    if (stored.ok()) action.stored_node_ref = stored->status.node_ref;
  }
  if (who.role == api::Role::kNode && route->verb == Verb::kReadValues) {
    action.secret_used_on_caller_node = UsedOnNode(*store_, action.name, who.node_name);
  }
  std::optional<api::SyncRun> run;
  if (who.role == api::Role::kPreview && route->resource == Resource::kSyncRuns) {
    run = PreviewRun(*store_, req, route->verb, action.name);
    if (run) action.sync_run = &*run;
  }
  api::Decision decision = api::Authorize(who, action, now);
  if (!decision.allowed) return WriteProblem(res, 403, "forbidden: " + decision.reason);

  api::ListScope scope = api::ListScopeFor(who, route->resource);
  if (route->verb == Verb::kList && (!scope.node_ref.empty() || !scope.name_prefix.empty())) {
    return handler(Narrowed(req, scope), res, WithCaller(params, who));
  }
  handler(req, res, WithCaller(params, who));
  // A port-forward handed to its relay (101; the agent answers later) is
  // recorded: reaching into a container matters even if the agent refuses.
  const bool succeeded = (res.status >= 200 && res.status < 300) || res.status == 101;
  if (audit_ && succeeded && Audited(who, *route)) {
    std::string name = action.name.empty() ? NameInResponse(res) : action.name;
    audit_->Record(who, req.method, req.path, kResourceNames[static_cast<int>(route->resource)],
                   name, res.status);
  }
}

}  // namespace cara::server
