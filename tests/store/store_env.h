// A Store on a fresh database of either backend ("sqlite" in a temp dir, or
// "postgres" on the shared test server), on a fake clock, for the record
// tests; Open() gives another Store on the same database (another process,
// a restart).
#pragma once

#include <catch2/catch.hpp>

#include <chrono>
#include <memory>
#include <string>

#include "store/store.h"
#include "support/fake_clock.h"
#include "support/postgres_server.h"
#include "support/temp_dir.h"

namespace cara::store {

inline const Timestamp kStoreEnvStart = Timestamp(std::chrono::seconds(1714564800));

// A node and a project with only what the store needs.
inline api::Node EnvNode(const std::string& name, const std::string& state = api::kNodeNotReady) {
  api::Node node;
  node.metadata.name = name;
  node.spec.hostname = name + ".example";
  node.status.state = state;
  return node;
}

inline api::Project EnvProject(const std::string& name, const std::string& phase,
                               const std::string& node = "") {
  api::Project project;
  project.metadata.name = name;
  api::ServiceDef web;
  web.name = "web";
  web.image = "nginx:1.25";
  project.spec.services.push_back(web);
  project.status.phase = phase;
  project.status.node_ref = node;
  return project;
}

struct StoreEnv {
  explicit StoreEnv(const std::string& backend) {
    url = backend == "postgres" ? testing::PostgresServer::Shared().FreshDatabaseUrl()
                                : "sqlite:" + dir.path() + "/cara.db";
    store = Open();
  }
  std::unique_ptr<Store> Open() {
    auto backend = OpenBackend(url, "");
    REQUIRE(backend.ok());
    return std::make_unique<Store>(std::move(*backend), &clock);
  }
  testing::TempDir dir;
  std::string url;
  FakeClock clock{kStoreEnvStart};
  std::unique_ptr<Store> store;
};

}  // namespace cara::store
