#include "agent/node_identity.h"

#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "support/temp_dir.h"

namespace cara::agent {
namespace {

mode_t ModeOf(const std::string& path) {
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  return st.st_mode & 0777;
}

NodeIdentity SampleIdentity() {
  return {"node-1", "cara_0123456789ab_" + std::string(64, 'e'), "KEY PEM\n", "CERT PEM\n",
          "CA PEM\n"};
}

TEST_CASE("a node identity round-trips through a private state dir", "[identity]") {
  testing::TempDir tmp;
  const std::string dir = tmp.path() + "/state";
  REQUIRE(SaveNodeIdentity(dir, SampleIdentity()).ok());
  CHECK(ModeOf(dir) == 0700);
  for (const char* f : {"node.name", "node.token", "node.key", "node.crt", "ca.crt"}) {
    INFO(f);
    CHECK(ModeOf(dir + "/" + f) == 0600);
  }
  auto loaded = LoadNodeIdentity(dir);
  REQUIRE(loaded.ok());
  REQUIRE(loaded->has_value());
  const NodeIdentity& id = **loaded;
  CHECK(id.node_name == "node-1");
  CHECK(id.token == SampleIdentity().token);
  CHECK(id.key_pem == "KEY PEM\n");
  CHECK(id.cert_pem == "CERT PEM\n");
  CHECK(id.ca_pem == "CA PEM\n");
}

TEST_CASE("no state is nothing to load: partial state is an error naming the file", "[identity]") {
  testing::TempDir tmp;
  auto none = LoadNodeIdentity(tmp.path() + "/missing");
  REQUIRE(none.ok());
  CHECK_FALSE(none->has_value());

  const std::string dir = tmp.path() + "/state";
  REQUIRE(SaveNodeIdentity(dir, SampleIdentity()).ok());
  std::filesystem::remove(dir + "/node.crt");
  auto partial = LoadNodeIdentity(dir);
  REQUIRE_FALSE(partial.ok());
  CHECK_THAT(partial.status().message(), Catch::Contains(dir + "/node.crt"));
  CHECK_THAT(partial.status().message(), Catch::Contains("join again"));
}

TEST_CASE("a hand-written token file may end with a newline", "[identity]") {
  testing::TempDir tmp;
  const std::string dir = tmp.path() + "/state";
  REQUIRE(SaveNodeIdentity(dir, SampleIdentity()).ok());
  std::ofstream(dir + "/node.token") << SampleIdentity().token << "\n";
  auto loaded = LoadNodeIdentity(dir);
  REQUIRE(loaded.ok());
  CHECK((*loaded)->token == SampleIdentity().token);
}

}  // namespace
}  // namespace cara::agent
