// Store::UpdateNodes on both databases: one transaction for a batch of nodes,
// read in one go, each slot answered on its own (a missing node is NotFound
// and does not fail the rest), a name given twice sees its first write, and
// only a node that changed is written and announced.
#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "store/store.h"
#include "store_env.h"

namespace cara::store {
using namespace std::chrono_literals;

TEST_CASE("UpdateNodes mutates a batch in one transaction, slot by slot", "[store][node]") {
  for (const char* backend : {"sqlite", "postgres"}) {
    DYNAMIC_SECTION(backend) {
      StoreEnv env(backend);
      Store& s = *env.store;
      for (const char* name : {"n1", "n2", "n3"}) REQUIRE(s.CreateNode(EnvNode(name)).ok());
      std::vector<std::string> announced;
      s.Subscribe([&](const Event& e) { announced.push_back(e.name); }, {api::kKindNode});
      env.clock.Advance(1s);

      // Out of name order, one missing, one named twice, one left as it is.
      const std::vector<std::string> names = {"n3", "gone", "n1", "n2", "n1"};
      std::map<std::string, int> seen;
      auto results = s.UpdateNodes(names, [&](const std::string& name, api::Node& node) {
        const int look = ++seen[name];
        if (name == "n2") return Status::Ok();
        node.metadata.labels["look"] = std::to_string(look);
        // The second look at n1 starts from the first one's write.
        if (look == 2) CHECK(node.metadata.labels.count("first") == 1);
        if (look == 1) node.metadata.labels["first"] = "yes";
        return Status::Ok();
      });
      REQUIRE(results.size() == names.size());
      REQUIRE(results[0].ok());
      CHECK(results[0]->metadata.labels.at("look") == "1");
      CHECK(results[1].status().code() == Code::kNotFound);
      REQUIRE(results[2].ok());
      REQUIRE(results[4].ok());
      CHECK(results[4]->metadata.labels.at("look") == "2");
      REQUIRE(results[3].ok());
      CHECK(results[3]->metadata.labels.empty());
      CHECK(seen == std::map<std::string, int>{{"n1", 2}, {"n2", 1}, {"n3", 1}});

      // Stored as returned; n2, unchanged, kept its version and made no event.
      auto n1 = s.GetNode("n1");
      REQUIRE(n1.ok());
      CHECK(n1->metadata.labels.at("look") == "2");
      CHECK(n1->metadata.labels.at("first") == "yes");
      auto n2 = s.GetNode("n2");
      REQUIRE(n2.ok());
      CHECK(n2->metadata.updated_at < env.clock.Now());
      CHECK(std::count(announced.begin(), announced.end(), "n2") == 0);
      CHECK(std::count(announced.begin(), announced.end(), "n1") == 2);
      CHECK(std::count(announced.begin(), announced.end(), "n3") == 1);

      // A mutation's error fails the whole batch: nothing of it is stored.
      auto failed = s.UpdateNodes({"n3", "n1"}, [](const std::string& name, api::Node& node) {
        node.metadata.labels["late"] = "yes";
        return name == "n3" ? Status::Invalid("no") : Status::Ok();
      });
      CHECK(!failed[0].ok());
      CHECK(!failed[1].ok());
      auto n1_after = s.GetNode("n1");
      REQUIRE(n1_after.ok());
      CHECK(n1_after->metadata.labels.count("late") == 0);
    }
  }
}

}  // namespace cara::store
