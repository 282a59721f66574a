#include "api/authorization.h"

#include "api/sync_run.h"
#include "common/go_quote.h"
#include "common/time_format.h"

namespace cara::api {
namespace {

bool IsRead(Verb v) { return v == Verb::kList || v == Verb::kGet; }
bool ReachesContainers(Verb v) { return v == Verb::kLogs || v == Verb::kPortForward; }
bool IsProjectWrite(Verb v) {
  return v == Verb::kCreate || v == Verb::kUpdate || v == Verb::kDelete;
}
bool StartsWith(const std::string& s, const std::string& prefix) {
  return s.compare(0, prefix.size(), prefix) == 0;
}

Decision Allow() { return {true, ""}; }
Decision Deny(const Principal& who, const Action& action, const std::string& why = "") {
  std::string reason = "role " + RoleName(who.role) + " may not " + DescribeAction(action);
  if (!why.empty()) reason += ": " + why;
  return {false, reason};
}

// Status is the agents' report: only they (for their own projects) and
// admins write it, so nobody else can fake a Running project. (A replace
// keeps the stored status whatever the body says.)
bool CarriesStatus(const Action& a) {
  return a.verb == Verb::kCreate && a.project != nullptr && !(a.project->status == ProjectStatus{});
}

// Secret values leave the server only towards a node that runs a Project
// using them: not even an admin reads them back, so a leaked admin token
// does not leak every password.
Decision DenyValues(const Principal& who, const Action& a) {
  return Deny(who, a, "values are served only to the nodes running Projects that use them");
}

Decision AuthorizeDeployer(const Principal& who, const Action& a) {
  switch (a.resource) {
    case Resource::kSecrets:
      return a.verb == Verb::kReadValues                ? DenyValues(who, a)
             : IsRead(a.verb) || IsProjectWrite(a.verb) ? Allow()
                                                        : Deny(who, a);
    case Resource::kProjects:
      if (IsRead(a.verb) || ReachesContainers(a.verb)) return Allow();
      if (!IsProjectWrite(a.verb)) return Deny(who, a);
      if (CarriesStatus(a)) return Deny(who, a, "status is written by the nodes");
      return Allow();
    case Resource::kEvents:
      return IsRead(a.verb) ? Allow() : Deny(who, a, "events are written by the cluster");
    case Resource::kNodes:
      // Drain and undrain are a replace that sets spec.unschedulable.
      return IsRead(a.verb) || a.verb == Verb::kUpdate ? Allow() : Deny(who, a);
    case Resource::kSyncRuns:  // deployers sync, roll back and suspend
      return IsRead(a.verb) || a.verb == Verb::kCreate ? Allow() : Deny(who, a);
    case Resource::kSources:
      return IsRead(a.verb) || a.verb == Verb::kUpdate ? Allow() : Deny(who, a);
    default:
      return Deny(who, a);
  }
}

// The first Secret the project's env reads whose name lacks `prefix`, or "".
std::string SecretOutsidePrefix(const Project& project, const std::string& prefix) {
  for (const ServiceDef& service : project.spec.services) {
    for (const EnvVar& e : service.env) {
      if (e.value_from && !StartsWith(e.value_from->name, prefix)) return e.value_from->name;
    }
  }
  return "";
}

// A preview token syncs its previews: it records the runs of those syncs
// and reads them back, but only runs whose every write was to one of its
// Projects (the history of other sources names objects and commits it has
// no business with). It reads a source's suspension, which every sync must
// honour, but may not suspend or resume a source: that stops or restarts
// the deployment of objects beyond its prefix.
Decision AuthorizePreviewHistory(const Principal& who, const Action& a) {
  if (a.resource == Resource::kSources) {
    return a.verb == Verb::kGet ? Allow() : Deny(who, a, "suspending a source is for deployers");
  }
  if (a.verb == Verb::kList) return Allow();  // narrowed by ListScopeFor
  if (a.verb != Verb::kCreate && a.verb != Verb::kGet) return Deny(who, a);
  if (a.sync_run == nullptr || !RunWithinPrefix(*a.sync_run, who.name_prefix)) {
    return Deny(who, a,
                "only runs that wrote Projects whose name starts with \"" + who.name_prefix + "\"");
  }
  return Allow();
}

// A preview token may only create what expires on its own, under its prefix,
// so a leaked CI token can run nothing permanent.
Decision AuthorizePreview(const Principal& who, const Action& a, Timestamp now) {
  if (a.resource == Resource::kSyncRuns || a.resource == Resource::kSources) {
    return AuthorizePreviewHistory(who, a);
  }
  if (a.resource == Resource::kEvents && a.verb == Verb::kList) return Allow();  // narrowed
  if (a.resource != Resource::kProjects) return Deny(who, a);
  if (a.verb == Verb::kList) return Allow();  // narrowed by ListScopeFor
  if (!IsRead(a.verb) && !IsProjectWrite(a.verb) && !ReachesContainers(a.verb)) {
    return Deny(who, a);
  }
  if (!StartsWith(a.name, who.name_prefix)) {
    return Deny(who, a, "the name must start with \"" + who.name_prefix + "\"");
  }
  if (a.verb == Verb::kGet || a.verb == Verb::kDelete || ReachesContainers(a.verb)) {
    return Allow();
  }
  if (a.project == nullptr) return Deny(who, a, "the body is not a Project");
  if (CarriesStatus(a)) return Deny(who, a, "status is written by the nodes");
  // A value in env is a value in the container: a leaked CI token must not
  // run an image of its choice with the cluster's Secrets in it. (Pull
  // credentials stay with the agent, so imagePullSecrets are fine.)
  if (std::string outside = SecretOutsidePrefix(*a.project, who.name_prefix); !outside.empty()) {
    return Deny(who, a,
                "env may read only Secrets whose name starts with \"" + who.name_prefix +
                    "\", not " + GoQuote(outside));
  }
  const auto& expire = a.project->spec.expire_at;
  if (!expire) return Deny(who, a, "spec.expireAt is required");
  if (*expire > now + who.max_ttl) {
    return Deny(who, a,
                "spec.expireAt must be at most " + FormatDuration(who.max_ttl) + " from now");
  }
  return Allow();
}

// A node reports what happened to itself and to the Projects placed on it,
// under its own name, and reads no events.
Decision AuthorizeNodeEvent(const Principal& who, const Action& a) {
  if (a.verb != Verb::kCreate) return Deny(who, a);
  if (a.event == nullptr) return Deny(who, a, "the body is not an Event");
  const ObjectReference& about = a.event->involved_object;
  if (a.event->source.node != who.node_name) {
    return Deny(who, a, "source.node must be " + who.node_name);
  }
  const bool own_node = about.kind == kKindNode && about.name == who.node_name;
  const bool own_project =
      about.kind == kKindProject && a.stored_node_ref && *a.stored_node_ref == who.node_name;
  if (!own_node && !own_project) {
    return Deny(
        who, a,
        "a node token reports only on node " + who.node_name + " and the projects assigned to it");
  }
  return Allow();
}

// NodeRestriction: a node acts on its own Node and on the Projects placed on
// it, nothing else.
Decision AuthorizeNode(const Principal& who, const Action& a) {
  const bool own_project = a.stored_node_ref && *a.stored_node_ref == who.node_name;
  switch (a.resource) {
    case Resource::kNodes:
      if (a.verb == Verb::kList || a.verb == Verb::kDelete) return Deny(who, a);
      if (a.name != who.node_name) {
        return Deny(who, a, "a node token acts only on node " + who.node_name);
      }
      return Allow();
    case Resource::kProjects:
      if (a.verb == Verb::kList) return Allow();  // narrowed by ListScopeFor
      if (a.verb != Verb::kGet && a.verb != Verb::kPatchStatus) return Deny(who, a);
      if (!own_project) return Deny(who, a, "the project is not assigned to " + who.node_name);
      return Allow();
    case Resource::kSecrets:
      if (a.verb != Verb::kReadValues) return Deny(who, a);
      if (!a.secret_used_on_caller_node) {
        return Deny(who, a, "no project assigned to " + who.node_name + " uses it");
      }
      return Allow();
    case Resource::kEvents:
      return AuthorizeNodeEvent(who, a);
    default:
      return Deny(who, a);
  }
}

}  // namespace

std::string RoleName(Role role) {
  switch (role) {
    case Role::kAdmin:
      return "admin";
    case Role::kDeployer:
      return "deployer";
    case Role::kPreview:
      return "preview";
    case Role::kViewer:
      return "viewer";
    case Role::kNode:
      return "node";
    case Role::kJoin:
      return "join";
  }
  return "unknown";
}

std::optional<Role> ParseRole(std::string_view name) {
  for (Role r :
       {Role::kAdmin, Role::kDeployer, Role::kPreview, Role::kViewer, Role::kNode, Role::kJoin}) {
    if (RoleName(r) == name) return r;
  }
  return std::nullopt;
}

std::string DescribeAction(const Action& a) {
  static const char* const kVerbs[] = {"list",
                                       "get",
                                       "create",
                                       "update",
                                       "delete",
                                       "heartbeat",
                                       "patch status of",
                                       "read logs of",
                                       "port-forward to",
                                       "read values of"};
  static const char* const kResources[] = {"nodes",    "projects", "tokens",  "audit",
                                           "metrics",  "join",     "secrets", "secrets/publickey",
                                           "syncruns", "sources",  "events"};
  std::string text = std::string(kVerbs[static_cast<int>(a.verb)]) + " " +
                     kResources[static_cast<int>(a.resource)];
  if (!a.name.empty()) text += "/" + a.name;
  return text;
}

Decision Authorize(const Principal& who, const Action& a, Timestamp now) {
  // Any valid token may scrape metrics (they carry no secrets), except a
  // join credential, which does nothing but join.
  if (a.resource == Resource::kMetrics && who.role != Role::kJoin) return Allow();
  // Everyone sealing a value for the cluster needs its public key.
  if (a.resource == Resource::kSealingKey && who.role != Role::kJoin) return Allow();
  switch (who.role) {
    case Role::kAdmin:
      return a.resource == Resource::kSecrets && a.verb == Verb::kReadValues ? DenyValues(who, a)
                                                                             : Allow();
    case Role::kDeployer:
      return AuthorizeDeployer(who, a);
    case Role::kPreview:
      return AuthorizePreview(who, a, now);
    case Role::kViewer: {
      // Logs are for reading; a tunnel is not.
      bool readable = a.resource == Resource::kNodes || a.resource == Resource::kProjects ||
                      a.resource == Resource::kSyncRuns || a.resource == Resource::kSources ||
                      a.resource == Resource::kEvents;
      return readable && (IsRead(a.verb) || a.verb == Verb::kLogs) ? Allow() : Deny(who, a);
    }
    case Role::kNode:
      return AuthorizeNode(who, a);
    case Role::kJoin:
      return a.resource == Resource::kJoin && a.verb == Verb::kCreate ? Allow() : Deny(who, a);
  }
  return Deny(who, a);
}

ListScope ListScopeFor(const Principal& who, Resource resource) {
  ListScope scope;
  if (resource == Resource::kSyncRuns && who.role == Role::kPreview) {
    scope.name_prefix = who.name_prefix;  // runs within the prefix (RunWithinPrefix)
  }
  if (resource == Resource::kEvents && who.role == Role::kPreview) {
    scope.name_prefix = who.name_prefix;
  }
  if (resource != Resource::kProjects) return scope;
  if (who.role == Role::kPreview) scope.name_prefix = who.name_prefix;
  if (who.role == Role::kNode) scope.node_ref = who.node_name;
  return scope;
}

}  // namespace cara::api
