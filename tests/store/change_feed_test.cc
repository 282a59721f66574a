// What watches read from the store: the changes after a revision (rows as
// they are now, deleted rows as they were), the committed revision, and
// forgetting old deletions, on both databases.
#include <catch2/catch.hpp>

#include <chrono>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "api/types.h"
#include "store_env.h"

namespace cara::store {
namespace {

api::Project Project(const std::string& name, const std::string& image = "nginx:1.25") {
  api::Project p;
  p.metadata.name = name;
  api::ServiceDef web;
  web.name = "web";
  web.image = image;
  p.spec.services.push_back(web);
  p.status.phase = api::kPhasePending;
  return p;
}

api::Node Node(const std::string& name) {
  api::Node n;
  n.metadata.name = name;
  n.spec.hostname = name + ".example";
  n.status.state = api::kNodeReady;
  return n;
}

// "name@revision" or "-name@revision" for a deletion, in order.
std::vector<std::string> Summaries(const ChangeBatch& batch) {
  std::vector<std::string> out;
  for (const Change& c : batch.changes) {
    out.push_back((c.deleted ? "-" : "") + c.row.name + "@" + std::to_string(c.row.revision));
  }
  return out;
}

int64_t Rv(const std::string& body) {
  return std::stoll(nlohmann::json::parse(body)["metadata"]["resourceVersion"].get<std::string>());
}

TEST_CASE("ChangesSince lists writes and deletions after a revision, in order", "[store][watch]") {
  for (const char* backend : {"sqlite", "postgres"}) {
    DYNAMIC_SECTION(backend) {
      StoreEnv env(backend);
      Store& s = *env.store;
      auto start = s.CommittedRevision();
      REQUIRE(start.ok());

      auto a = s.CreateProject(Project("a"));
      auto b = s.CreateProject(Project("b"));
      REQUIRE(a.ok());
      REQUIRE(b.ok());
      auto a2 = s.UpdateProject("a", [](api::Project& p) {
        p.spec.services[0].image = "nginx:1.27";
        return Status::Ok();
      });
      REQUIRE(a2.ok());
      REQUIRE(s.DeleteProject("b").ok());
      REQUIRE(s.CreateNode(Node("n1")).ok());

      auto committed = s.CommittedRevision();
      REQUIRE(committed.ok());
      auto all = s.ChangesSince({api::kKindProject}, *start, 0);
      REQUIRE(all.ok());
      // One entry per object: "a" as it is now, "b" as it was when deleted.
      REQUIRE(all->changes.size() == 2);
      const Change& a_now = all->changes[0];
      const Change& b_gone = all->changes[1];
      CHECK(a_now.row.name == "a");
      CHECK_FALSE(a_now.deleted);
      CHECK(a_now.row.revision == std::stoll(a2->metadata.resource_version));
      CHECK(a_now.row.create_revision == std::stoll(a->metadata.resource_version));
      CHECK(b_gone.row.name == "b");
      CHECK(b_gone.deleted);
      // The deleted object carries the deletion's revision, so a watcher
      // can resume from it.
      CHECK(Rv(b_gone.row.body) == b_gone.row.revision);
      CHECK(b_gone.row.revision > a_now.row.revision);
      CHECK(*committed > b_gone.row.revision);  // the node came last
      CHECK(all->compacted == 0);

      // After a revision, and limited.
      auto after_a2 = s.ChangesSince({api::kKindProject}, a_now.row.revision, 0);
      REQUIRE(after_a2.ok());
      CHECK(Summaries(*after_a2) ==
            std::vector<std::string>{"-b@" + std::to_string(b_gone.row.revision)});
      auto first = s.ChangesSince({api::kKindProject, api::kKindNode}, *start, 1);
      REQUIRE(first.ok());
      CHECK(Summaries(*first) ==
            std::vector<std::string>{"a@" + std::to_string(a_now.row.revision)});
      auto both = s.ChangesSince({api::kKindProject, api::kKindNode}, *start, 0);
      REQUIRE(both.ok());
      CHECK(both->changes.size() == 3);
      CHECK(both->changes.back().row.name == "n1");
      auto nothing = s.ChangesSince({api::kKindProject}, *committed, 0);
      REQUIRE(nothing.ok());
      CHECK(nothing->changes.empty());
    }
  }
}

TEST_CASE("Deleted nodes are kept for watchers too", "[store][watch]") {
  for (const char* backend : {"sqlite", "postgres"}) {
    DYNAMIC_SECTION(backend) {
      StoreEnv env(backend);
      Store& s = *env.store;
      REQUIRE(s.CreateNode(Node("n1")).ok());
      auto before = s.CommittedRevision();
      REQUIRE(before.ok());
      REQUIRE(s.DeleteNode("n1").ok());
      auto changes = s.ChangesSince({api::kKindNode}, *before, 0);
      REQUIRE(changes.ok());
      REQUIRE(changes->changes.size() == 1);
      CHECK(changes->changes[0].deleted);
      CHECK(nlohmann::json::parse(changes->changes[0].row.body)["spec"]["hostname"] ==
            "n1.example");
      CHECK(s.DeleteNode("n1").code() == Code::kNotFound);
    }
  }
}

TEST_CASE("Deletions older than the retention are forgotten and the horizon says so",
          "[store][watch]") {
  for (const char* backend : {"sqlite", "postgres"}) {
    DYNAMIC_SECTION(backend) {
      StoreEnv env(backend);
      Store& s = *env.store;
      REQUIRE(s.CreateProject(Project("old")).ok());
      REQUIRE(s.CreateProject(Project("new")).ok());
      auto before = s.CommittedRevision();
      REQUIRE(before.ok());
      REQUIRE(s.DeleteProject("old").ok());
      auto deleted_old = s.CommittedRevision();
      REQUIRE(deleted_old.ok());

      // Within the retention nothing is forgotten.
      env.clock.Advance(std::chrono::minutes(59));
      REQUIRE(s.DeleteProject("new").ok());
      auto kept = s.ChangesSince({api::kKindProject}, *before, 0);
      REQUIRE(kept.ok());
      CHECK(kept->compacted == 0);
      CHECK(kept->changes.size() == 2);

      // Past it, the next deletion forgets "old": resuming from before it
      // is no longer possible, from after it still is.
      env.clock.Advance(std::chrono::minutes(2));
      REQUIRE(s.CreateProject(Project("third")).ok());
      REQUIRE(s.DeleteProject("third").ok());
      auto compacted = s.ChangesSince({api::kKindProject}, *before, 0);
      REQUIRE(compacted.ok());
      CHECK(compacted->compacted == *deleted_old);
      CHECK(compacted->compacted > *before);
      auto resumable = s.ChangesSince({api::kKindProject}, *deleted_old, 0);
      REQUIRE(resumable.ok());
      CHECK(resumable->compacted <= *deleted_old);
      CHECK(resumable->changes.size() == 2);  // "new" and "third", both deleted
    }
  }
}

}  // namespace
}  // namespace cara::store
