#include "api/authorization.h"

#include <catch2/catch.hpp>

namespace cara::api {
namespace {

using namespace std::chrono_literals;

const Timestamp kNow = Timestamp{} + std::chrono::hours(24 * 365 * 56);

Principal Who(Role role) {
  Principal p;
  p.token_id = "0123456789ab";
  p.role = role;
  if (role == Role::kNode) p.node_name = "n1";
  if (role == Role::kPreview) {
    p.name_prefix = "pr-";
    p.max_ttl = 72h;
  }
  return p;
}

Project PreviewProject(const std::string& name, std::optional<Duration> expires_in) {
  Project p;
  p.metadata.name = name;
  if (expires_in) p.spec.expire_at = kNow + *expires_in;
  return p;
}

Action Act(Verb verb, Resource resource, const std::string& name,
           const Project* project = nullptr) {
  Action a;
  a.verb = verb;
  a.resource = resource;
  a.method = "X";
  a.name = name;
  a.project = project;
  return a;
}

struct Case {
  Role role;
  Verb verb;
  Resource resource;
  std::string name;
  bool allowed;
};

TEST_CASE("Authorize: each role's reach over routes without a body", "[authz]") {
  const auto R = Resource::kProjects, N = Resource::kNodes, T = Resource::kTokens,
             A = Resource::kAudit, M = Resource::kMetrics;
  const Case cases[] = {
      {Role::kAdmin, Verb::kCreate, T, "", true},
      {Role::kAdmin, Verb::kList, A, "", true},
      {Role::kAdmin, Verb::kDelete, N, "n2", true},
      {Role::kAdmin, Verb::kPatchStatus, R, "web", true},
      {Role::kDeployer, Verb::kList, N, "", true},
      {Role::kDeployer, Verb::kGet, R, "web", true},
      {Role::kDeployer, Verb::kDelete, R, "web", true},
      {Role::kDeployer, Verb::kUpdate, N, "n1", true},  // drain / undrain
      {Role::kDeployer, Verb::kCreate, N, "", false},
      {Role::kDeployer, Verb::kDelete, N, "n1", false},
      {Role::kDeployer, Verb::kHeartbeat, N, "n1", false},
      {Role::kDeployer, Verb::kPatchStatus, R, "web", false},
      {Role::kDeployer, Verb::kList, T, "", false},
      {Role::kDeployer, Verb::kList, A, "", false},
      {Role::kDeployer, Verb::kGet, M, "", true},
      {Role::kViewer, Verb::kList, N, "", true},
      {Role::kViewer, Verb::kGet, R, "web", true},
      {Role::kViewer, Verb::kGet, M, "", true},
      {Role::kViewer, Verb::kDelete, R, "web", false},
      {Role::kViewer, Verb::kUpdate, N, "n1", false},
      {Role::kViewer, Verb::kList, T, "", false},
      {Role::kViewer, Verb::kList, A, "", false},
      {Role::kPreview, Verb::kList, R, "", true},
      {Role::kPreview, Verb::kGet, R, "pr-1", true},
      {Role::kPreview, Verb::kGet, R, "web", false},
      {Role::kPreview, Verb::kDelete, R, "pr-1", true},
      {Role::kPreview, Verb::kDelete, R, "web", false},
      {Role::kPreview, Verb::kPatchStatus, R, "pr-1", false},
      {Role::kPreview, Verb::kList, N, "", false},
      {Role::kPreview, Verb::kList, T, "", false},
      {Role::kPreview, Verb::kGet, M, "", true},
      {Role::kNode, Verb::kCreate, N, "n1", true},
      {Role::kNode, Verb::kUpdate, N, "n1", true},
      {Role::kNode, Verb::kHeartbeat, N, "n1", true},
      {Role::kNode, Verb::kGet, N, "n1", true},
      {Role::kNode, Verb::kCreate, N, "n2", false},
      {Role::kNode, Verb::kUpdate, N, "n2", false},
      {Role::kNode, Verb::kHeartbeat, N, "n2", false},
      {Role::kNode, Verb::kDelete, N, "n1", false},
      {Role::kNode, Verb::kList, N, "", false},
      {Role::kNode, Verb::kList, R, "", true},
      {Role::kNode, Verb::kCreate, R, "web", false},
      {Role::kNode, Verb::kDelete, R, "web", false},
      {Role::kNode, Verb::kList, T, "", false},
      // Logs and tunnels reach into running containers.
      {Role::kAdmin, Verb::kPortForward, R, "web", true},
      {Role::kDeployer, Verb::kLogs, R, "web", true},
      {Role::kDeployer, Verb::kPortForward, R, "web", true},
      {Role::kPreview, Verb::kLogs, R, "pr-1", true},
      {Role::kPreview, Verb::kPortForward, R, "pr-1", true},
      {Role::kPreview, Verb::kLogs, R, "web", false},
      {Role::kPreview, Verb::kPortForward, R, "web", false},
      {Role::kViewer, Verb::kLogs, R, "web", true},
      {Role::kViewer, Verb::kPortForward, R, "web", false},
      {Role::kNode, Verb::kLogs, R, "web", false},
      {Role::kNode, Verb::kPortForward, R, "web", false},
  };
  for (const Case& c : cases) {
    Action a = Act(c.verb, c.resource, c.name);
    Decision d = Authorize(Who(c.role), a, kNow);
    INFO(RoleName(c.role) << " " << DescribeAction(a));
    CHECK(d.allowed == c.allowed);
    if (!d.allowed) CHECK(d.reason.find("role " + RoleName(c.role)) == 0);
  }
}

TEST_CASE("Authorize: a node reads neither logs nor tunnels, even of its own projects", "[authz]") {
  for (Verb v : {Verb::kLogs, Verb::kPortForward}) {
    Action a = Act(v, Resource::kProjects, "web");
    a.stored_node_ref = "n1";
    Decision d = Authorize(Who(Role::kNode), a, kNow);
    CHECK_FALSE(d.allowed);
    CHECK(d.reason.find(DescribeAction(a)) != std::string::npos);
  }
}

TEST_CASE("Authorize: a node reads and reports only the projects placed on it", "[authz]") {
  for (Verb v : {Verb::kGet, Verb::kPatchStatus}) {
    Action a = Act(v, Resource::kProjects, "web");
    a.stored_node_ref = "n1";
    CHECK(Authorize(Who(Role::kNode), a, kNow).allowed);
    a.stored_node_ref = "n2";
    Decision d = Authorize(Who(Role::kNode), a, kNow);
    CHECK_FALSE(d.allowed);
    CHECK(d.reason.find("not assigned to n1") != std::string::npos);
    a.stored_node_ref = "";
    CHECK_FALSE(Authorize(Who(Role::kNode), a, kNow).allowed);
    a.stored_node_ref.reset();
    CHECK_FALSE(Authorize(Who(Role::kNode), a, kNow).allowed);
  }
}

TEST_CASE("Authorize: preview writes need its prefix and an expiry within maxTTL", "[authz]") {
  struct PreviewCase {
    std::string name;
    std::optional<Duration> expires_in;
    bool allowed;
    std::string why;
  } cases[] = {
      {"pr-1", 1h, true, ""},
      {"pr-1", 72h, true, ""},
      {"pr-1", 72h + 1s, false, "spec.expireAt must be at most 72h0m0s from now"},
      {"pr-1", std::nullopt, false, "spec.expireAt is required"},
      {"web", 1h, false, "the name must start with \"pr-\""},
  };
  for (Verb v : {Verb::kCreate, Verb::kUpdate}) {
    for (const auto& c : cases) {
      Project p = PreviewProject(c.name, c.expires_in);
      Action a = Act(v, Resource::kProjects, c.name, &p);
      Decision d = Authorize(Who(Role::kPreview), a, kNow);
      INFO(c.name << " " << d.reason);
      CHECK(d.allowed == c.allowed);
      CHECK(d.reason.find(c.why) != std::string::npos);
    }
  }
  Action no_body = Act(Verb::kCreate, Resource::kProjects, "pr-1");
  CHECK_FALSE(Authorize(Who(Role::kPreview), no_body, kNow).allowed);
}

TEST_CASE("Authorize: a preview project's env reads only Secrets under its prefix", "[authz]") {
  auto with_secret_env = [](const std::string& secret) {
    Project p = PreviewProject("pr-1", 1h);
    p.spec.services.resize(1);
    EnvVar e;
    e.name = "TOKEN";
    e.value_from = SecretKeyRef{secret, "token"};
    p.spec.services[0].env.push_back(e);
    return p;
  };
  for (Verb v : {Verb::kCreate, Verb::kUpdate}) {
    Project own = with_secret_env("pr-1-token");
    CHECK(Authorize(Who(Role::kPreview), Act(v, Resource::kProjects, "pr-1", &own), kNow).allowed);
    Project other = with_secret_env("db");
    Decision d = Authorize(Who(Role::kPreview), Act(v, Resource::kProjects, "pr-1", &other), kNow);
    CHECK_FALSE(d.allowed);
    CHECK(d.reason.find("env may read only Secrets whose name starts with \"pr-\", not \"db\"") !=
          std::string::npos);
    // Pull credentials never reach the container: any pull secret will do.
    Project pull = PreviewProject("pr-1", 1h);
    pull.spec.image_pull_secrets = {"ghcr"};
    CHECK(Authorize(Who(Role::kPreview), Act(v, Resource::kProjects, "pr-1", &pull), kNow).allowed);
    // A deployer may reference any Secret (it may write them too).
    CHECK(
        Authorize(Who(Role::kDeployer), Act(v, Resource::kProjects, "pr-1", &other), kNow).allowed);
  }
}

TEST_CASE("Authorize: only admin and nodes write a project's status", "[authz]") {
  Project p = PreviewProject("pr-1", 1h);
  p.status.phase = "Running";
  for (Role r : {Role::kDeployer, Role::kPreview}) {
    Action a = Act(Verb::kCreate, Resource::kProjects, "pr-1", &p);
    Decision d = Authorize(Who(r), a, kNow);
    CHECK_FALSE(d.allowed);
    CHECK(d.reason.find("status") != std::string::npos);
  }
  Action a = Act(Verb::kCreate, Resource::kProjects, "pr-1", &p);
  CHECK(Authorize(Who(Role::kAdmin), a, kNow).allowed);
}

TEST_CASE("ListScopeFor narrows project lists of preview and node tokens", "[authz]") {
  CHECK(ListScopeFor(Who(Role::kPreview), Resource::kProjects).name_prefix == "pr-");
  CHECK(ListScopeFor(Who(Role::kNode), Resource::kProjects).node_ref == "n1");
  ListScope admin = ListScopeFor(Who(Role::kAdmin), Resource::kProjects);
  CHECK(admin.name_prefix.empty());
  CHECK(admin.node_ref.empty());
}

TEST_CASE("Roles round-trip through their names", "[authz]") {
  for (Role r : {Role::kAdmin, Role::kDeployer, Role::kPreview, Role::kViewer, Role::kNode}) {
    CHECK(ParseRole(RoleName(r)) == r);
  }
  CHECK_FALSE(ParseRole("root"));
}

}  // namespace
}  // namespace cara::api

namespace cara::api {
namespace {

TEST_CASE("Authorize: Secrets are written by admins and deployers, read back by nobody",
          "[authz][secrets]") {
  const auto S = Resource::kSecrets, K = Resource::kSealingKey;
  const Case cases[] = {
      {Role::kAdmin, Verb::kCreate, S, "db", true},
      {Role::kAdmin, Verb::kList, S, "", true},
      {Role::kAdmin, Verb::kDelete, S, "db", true},
      {Role::kAdmin, Verb::kReadValues, S, "db", false},
      {Role::kDeployer, Verb::kCreate, S, "db", true},
      {Role::kDeployer, Verb::kUpdate, S, "db", true},
      {Role::kDeployer, Verb::kDelete, S, "db", true},
      {Role::kDeployer, Verb::kGet, S, "db", true},
      {Role::kDeployer, Verb::kList, S, "", true},
      {Role::kDeployer, Verb::kReadValues, S, "db", false},
      {Role::kPreview, Verb::kGet, S, "pr-db", false},
      {Role::kPreview, Verb::kList, S, "", false},
      {Role::kPreview, Verb::kCreate, S, "pr-db", false},
      {Role::kViewer, Verb::kGet, S, "db", false},
      {Role::kViewer, Verb::kList, S, "", false},
      {Role::kNode, Verb::kGet, S, "db", false},
      {Role::kNode, Verb::kList, S, "", false},
      {Role::kNode, Verb::kReadValues, S, "db", false},  // no project of n1 uses it
      {Role::kJoin, Verb::kReadValues, S, "db", false},
      {Role::kAdmin, Verb::kGet, K, "", true},
      {Role::kDeployer, Verb::kGet, K, "", true},
      {Role::kPreview, Verb::kGet, K, "", true},
      {Role::kViewer, Verb::kGet, K, "", true},
      {Role::kNode, Verb::kGet, K, "", true},
      {Role::kJoin, Verb::kGet, K, "", false},
  };
  for (const Case& c : cases) {
    Decision d = Authorize(Who(c.role), Act(c.verb, c.resource, c.name), kNow);
    INFO(RoleName(c.role) << " " << DescribeAction(Act(c.verb, c.resource, c.name)));
    CHECK(d.allowed == c.allowed);
  }
}

TEST_CASE("Authorize: a node reads the values of Secrets its own projects use, only",
          "[authz][secrets]") {
  Action a = Act(Verb::kReadValues, Resource::kSecrets, "db");
  Decision refused = Authorize(Who(Role::kNode), a, kNow);
  CHECK_FALSE(refused.allowed);
  CHECK(refused.reason ==
        "role node may not read values of secrets/db: no project assigned to n1 uses it");
  a.secret_used_on_caller_node = true;
  CHECK(Authorize(Who(Role::kNode), a, kNow).allowed);
  // The fact about the caller's node does not open values to anyone else.
  for (Role role : {Role::kAdmin, Role::kDeployer, Role::kViewer, Role::kPreview, Role::kJoin}) {
    Decision d = Authorize(Who(role), a, kNow);
    CHECK_FALSE(d.allowed);
  }
  CHECK(Authorize(Who(Role::kAdmin), a, kNow).reason ==
        "role admin may not read values of secrets/db: values are served only to the nodes "
        "running Projects that use them");
  CHECK(Authorize(Who(Role::kNode), Act(Verb::kGet, Resource::kSealingKey, ""), kNow).allowed);
  CHECK(DescribeAction(Act(Verb::kGet, Resource::kSealingKey, "")) == "get secrets/publickey");
}

TEST_CASE("Authorize: events are read by all but nodes, posted by a node about its own",
          "[authz][events]") {
  for (Role role : {Role::kAdmin, Role::kDeployer, Role::kViewer, Role::kPreview}) {
    CHECK(Authorize(Who(role), Act(Verb::kList, Resource::kEvents, ""), kNow).allowed);
  }
  CHECK_FALSE(Authorize(Who(Role::kNode), Act(Verb::kList, Resource::kEvents, ""), kNow).allowed);
  CHECK(ListScopeFor(Who(Role::kPreview), Resource::kEvents).name_prefix == "pr-");
  CHECK(ListScopeFor(Who(Role::kViewer), Resource::kEvents).name_prefix.empty());

  auto post = [](Role role, const ObjectReference& about, const std::string& source_node,
                 std::optional<std::string> stored_node_ref) {
    Event event = MakeEvent(about, kEventNormal, reason::kPulled, "web: pulled image a:1");
    event.source = {kComponentAgent, source_node};
    Action a = Act(Verb::kCreate, Resource::kEvents, about.name);
    a.event = &event;
    a.stored_node_ref = std::move(stored_node_ref);
    return Authorize(Who(role), a, kNow);
  };
  CHECK(post(Role::kNode, ProjectRef("web"), "n1", "n1").allowed);
  CHECK(post(Role::kNode, NodeRef("n1"), "n1", std::nullopt).allowed);
  CHECK(post(Role::kAdmin, ProjectRef("web"), "n9", std::nullopt).allowed);
  Decision elsewhere = post(Role::kNode, ProjectRef("web"), "n1", "n2");
  CHECK_FALSE(elsewhere.allowed);
  CHECK(elsewhere.reason ==
        "role node may not create events/web: a node token reports only on node n1 and the "
        "projects assigned to it");
  CHECK_FALSE(post(Role::kNode, NodeRef("n2"), "n1", std::nullopt).allowed);
  CHECK(post(Role::kNode, ProjectRef("web"), "n2", "n1").reason ==
        "role node may not create events/web: source.node must be n1");
  for (Role role : {Role::kDeployer, Role::kViewer, Role::kPreview, Role::kJoin}) {
    CHECK_FALSE(post(role, ProjectRef("pr-web"), "n1", "n1").allowed);
  }
}

}  // namespace
}  // namespace cara::api
