// dependsOn as a pure start rule: which services may start in this pass,
// given the spec and the services' states. No engine.
#include "agent/start_order.h"

#include <catch2/catch.hpp>

#include "test_projects.h"

namespace cara::agent {
namespace {

using testing::Project;
using testing::Service;
using Names = std::vector<std::string>;
using States = std::map<std::string, ServiceState>;

api::ServiceDef DependsOn(api::ServiceDef s, const std::string& dep,
                          const std::string& condition = "") {
  api::ServiceDependency d;
  d.service = dep;
  d.condition = condition;
  s.depends_on.push_back(d);
  return s;
}

api::ServiceDef WithHealthcheck(api::ServiceDef s) {
  api::HealthCheck h;
  h.command = {"CMD", "true"};
  s.healthcheck = h;
  return s;
}

ServiceState State(const std::string& service, const std::string& state,
                   const std::string& health = "") {
  ServiceState s;
  s.service = service;
  s.state = state;
  s.health = health;
  return s;
}

States Of(std::vector<ServiceState> list) {
  States out;
  for (auto& s : list) out[s.service] = s;
  return out;
}

}  // namespace

TEST_CASE("start order: without dependsOn every service starts, in spec order",
          "[agent][start-order]") {
  api::ProjectSpec spec = Project("p", {Service("web"), Service("db")}).spec;
  CHECK_FALSE(HasDependencies(spec));
  CHECK(ServicesToStart(spec, {}) == Names{"web", "db"});
}

TEST_CASE("start order: Started dependencies start first, in the same pass",
          "[agent][start-order]") {
  // web -> api -> db, listed dependents first.
  api::ProjectSpec spec = Project("p", {DependsOn(Service("web"), "api"),
                                        DependsOn(Service("api"), "db", "Started"), Service("db")})
                              .spec;
  CHECK(HasDependencies(spec));
  CHECK(ServicesToStart(spec, {}) == Names{"db", "api", "web"});
  // An exited dependency with restartPolicy Never is started again by this
  // pass, so its dependents may start too.
  CHECK(ServicesToStart(spec, Of({State("db", "exited")})) == Names{"db", "api", "web"});
}

TEST_CASE("start order: a dependency in restart back-off holds its dependents",
          "[agent][start-order]") {
  api::ServiceDef db = Service("db");
  db.restart_policy = api::kRestartOnFailure;
  api::ProjectSpec spec = Project("p", {DependsOn(Service("web"), "db"), db}).spec;
  ServiceState crashed = State("db", "exited");
  crashed.exit_code = 1;
  CHECK(ServicesToStart(spec, Of({crashed})) == Names{"db"});
  CHECK(ServicesToStart(spec, Of({State("db", "running")})) == Names{"db", "web"});
  // A clean exit is not restarted by OnFailure: this pass starts it again.
  CHECK(ServicesToStart(spec, Of({State("db", "exited")})) == Names{"db", "web"});
}

TEST_CASE("start order: Healthy dependencies must report healthy first", "[agent][start-order]") {
  api::ProjectSpec spec =
      Project("p", {DependsOn(Service("web"), "db", "Healthy"), WithHealthcheck(Service("db"))})
          .spec;
  CHECK(ServicesToStart(spec, {}) == Names{"db"});
  CHECK(ServicesToStart(spec, Of({State("db", "running", "starting")})) == Names{"db"});
  CHECK(ServicesToStart(spec, Of({State("db", "running", "unhealthy")})) == Names{"db"});
  CHECK(ServicesToStart(spec, Of({State("db", "running", "healthy")})) == Names{"db", "web"});
  // Healthy but no longer running does not count.
  CHECK(ServicesToStart(spec, Of({State("db", "exited", "healthy")})) == Names{"db"});
}

TEST_CASE("start order: a Healthy dependency without a healthcheck counts as Started",
          "[agent][start-order]") {
  api::ProjectSpec spec =
      Project("p", {DependsOn(Service("web"), "db", "Healthy"), Service("db")}).spec;
  CHECK(ServicesToStart(spec, {}) == Names{"db", "web"});
}

TEST_CASE("start order: a running dependent is kept whatever its dependencies do",
          "[agent][start-order]") {
  api::ProjectSpec spec =
      Project("p", {DependsOn(Service("web"), "db", "Healthy"), WithHealthcheck(Service("db"))})
          .spec;
  CHECK(ServicesToStart(spec, Of({State("web", "running"), State("db", "running", "unhealthy")})) ==
        Names{"db", "web"});
}

TEST_CASE("start order: cycles and unknown dependencies never start, and it ends",
          "[agent][start-order]") {
  api::ProjectSpec spec = Project("p", {DependsOn(Service("a"), "b"), DependsOn(Service("b"), "a"),
                                        DependsOn(Service("c"), "ghost"), Service("d")})
                              .spec;
  CHECK(ServicesToStart(spec, {}) == Names{"d"});
  // Running services on a cycle are still ensured (configuration changes).
  CHECK(ServicesToStart(spec, Of({State("a", "running"), State("b", "running")})) ==
        Names{"d", "a", "b"});
  api::ProjectSpec self = Project("p", {DependsOn(Service("a"), "a")}).spec;
  CHECK(ServicesToStart(self, {}).empty());
}

}  // namespace cara::agent
