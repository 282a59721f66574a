// Store::ListNames on both databases: the names a list would return, in its
// order (creation), with its filters, without decoding the bodies.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "store/store.h"
#include "store_env.h"

namespace cara::store {
namespace {

using Strings = std::vector<std::string>;

template <typename T>
Strings NamesOf(const Result<std::vector<T>>& objects) {
  REQUIRE(objects.ok());
  Strings names;
  for (const T& o : *objects) names.push_back(o.metadata.name);
  return names;
}

Strings Listed(Store& s, const std::string& kind, const ProjectFilter& filter) {
  auto names = s.ListNames(kind, filter);
  INFO(names.status().ToString());
  REQUIRE(names.ok());
  return *names;
}

}  // namespace

TEST_CASE("ListNames lists what a list would, in its order, with its filters", "[store]") {
  for (const char* backend : {"sqlite", "postgres"}) {
    DYNAMIC_SECTION(backend) {
      StoreEnv env(backend);
      Store& s = *env.store;
      // Created out of name order: lists keep creation order.
      REQUIRE(s.CreateProject(EnvProject("zeta", api::kPhasePending)).ok());
      REQUIRE(s.CreateProject(EnvProject("alpha", api::kPhaseScheduled, "n1")).ok());
      REQUIRE(s.CreateProject(EnvProject("mid", api::kPhasePending)).ok());
      REQUIRE(s.CreateProject(EnvProject("pr-1-web", api::kPhasePending)).ok());
      REQUIRE(s.CreateNode(EnvNode("n2", api::kNodeNotReady)).ok());
      REQUIRE(s.CreateNode(EnvNode("n1", api::kNodeReady)).ok());

      CHECK(Listed(s, api::kKindProject, {}) == NamesOf(s.ListProjects()));
      CHECK(Listed(s, api::kKindProject, {}) == Strings{"zeta", "alpha", "mid", "pr-1-web"});
      const ProjectFilter pending{{api::kPhasePending}, ""};
      CHECK(Listed(s, api::kKindProject, pending) == NamesOf(s.ListProjects(pending)));
      CHECK(Listed(s, api::kKindProject, pending) == Strings{"zeta", "mid", "pr-1-web"});
      CHECK(Listed(s, api::kKindProject, {{}, "n1"}) == Strings{"alpha"});
      CHECK(Listed(s, api::kKindProject, {{}, "", "pr-1-"}) == Strings{"pr-1-web"});
      CHECK(Listed(s, api::kKindNode, {}) == Strings{"n2", "n1"});
      CHECK(Listed(s, api::kKindNode, {{api::kNodeNotReady}, ""}) == Strings{"n2"});

      // A deleted object is gone from the names as from the list.
      REQUIRE(s.DeleteProject("mid").ok());
      CHECK(Listed(s, api::kKindProject, pending) == Strings{"zeta", "pr-1-web"});
    }
  }
}

}  // namespace cara::store
