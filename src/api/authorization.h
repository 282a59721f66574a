// Who may do what (roles modelled on Kubernetes RBAC and NodeRestriction):
// pure decisions from a caller's identity and one request, so the rules are
// tested without a server and every route is decided in one place.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "api/event.h"
#include "api/types.h"
#include "common/clock.h"

namespace cara::api {

struct SyncRun;  // api/sync_run.h

// kJoin is the credential inside a join token: it may only join a node
// (POST /api/v1/join), which issues that node its kNode credential.
enum class Role { kAdmin, kDeployer, kPreview, kViewer, kNode, kJoin };

std::string RoleName(Role role);
std::optional<Role> ParseRole(std::string_view name);

// A request's identity, resolved from its bearer token.
struct Principal {
  std::string token_id;
  std::string description;
  Role role = Role::kViewer;
  std::string node_name;    // role node: the only Node it may act on
  std::string name_prefix;  // role preview: the Projects it may touch
  Duration max_ttl{0};      // role preview: latest spec.expireAt, from now
};

// What a route does to which resource. kSealingKey is the cluster's public
// sealing key (GET /api/v1/secrets/publickey), public by nature. kSyncRuns
// is the sync history, kSources the suspension of GitOps sources.
enum class Resource {
  kNodes,
  kProjects,
  kTokens,
  kAudit,
  kMetrics,
  kJoin,
  kSecrets,
  kSealingKey,
  kSyncRuns,
  kSources,
  kEvents
};
// kLogs and kPortForward reach a project's running containers through its
// node's agent: logs only read, a tunnel reaches into the application.
enum class Verb {
  kList,
  kGet,
  kCreate,
  kUpdate,
  kDelete,
  kHeartbeat,
  kPatchStatus,
  kLogs,
  kPortForward,
  kReadValues  // a Secret's plain values: only for the nodes that need them
};

struct Action {
  Verb verb = Verb::kGet;
  Resource resource = Resource::kProjects;
  std::string method;  // as received, for the refusal's wording
  std::string name;    // the object named by the path ("" for a collection)
  // Project create/update: the decoded body (name, spec.expireAt, status).
  const Project* project = nullptr;
  // Project get/status: the stored project's status.nodeRef.
  std::optional<std::string> stored_node_ref;
  // Secret values: a Project assigned to the calling node references the
  // Secret (env secretKeyRef or imagePullSecrets).
  bool secret_used_on_caller_node = false;
  // SyncRun create: the decoded body; get: the stored run.
  const SyncRun* sync_run = nullptr;
  // Event create: the decoded body; stored_node_ref is then that of the
  // Project it is about.
  const Event* event = nullptr;
};

struct Decision {
  bool allowed = false;
  std::string reason;  // why not: names the role and the action
};

Decision Authorize(const Principal& who, const Action& action, Timestamp now);

// Restrictions a list carries for a role that may read only part of a
// collection: the preview role sees its prefix (for events: the events of
// the projects under it), a node its own projects.
struct ListScope {
  std::string name_prefix;
  std::string node_ref;
};
ListScope ListScopeFor(const Principal& who, Resource resource);

// "create projects/web" or "list nodes": how an action is named in refusals
// and audit records.
std::string DescribeAction(const Action& action);

}  // namespace cara::api
