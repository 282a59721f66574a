// Secret records on both databases: versions and generations, optimistic
// concurrency, what is stored (a blob and a key id, no input maps), who
// hears of a change (here and in another process), and the key-id census
// the server checks at start-up.
#include "store/secret_records.h"

#include <catch2/catch.hpp>

#include <chrono>
#include <mutex>
#include <vector>

#include "store/store.h"
#include "store_env.h"
#include "support/eventually.h"

namespace cara::store {
namespace {

using namespace std::chrono_literals;

const Timestamp kStart = kStoreEnvStart;

using Env = StoreEnv;

SecretRecord Record(const std::string& name, const std::string& digest) {
  SecretRecord r;
  r.secret.metadata.name = name;
  r.secret.metadata.labels = {{"app", "web"}};
  r.secret.type = api::kSecretOpaque;
  r.secret.digests = {{"password", digest}};
  r.secret.string_data = {{"password", "must-not-be-stored"}};
  r.key_id = "0123456789abcdef";
  r.values_blob = "blob-" + digest;
  return r;
}

TEST_CASE("Secret records keep versions, generations and no input values", "[store][secret]") {
  for (const char* backend : {"sqlite", "postgres"}) {
    DYNAMIC_SECTION(backend) {
      Env env(backend);
      std::vector<Event> events;
      env.store->Subscribe([&](const Event& e) { events.push_back(e); }, {api::kKindSecret});
      auto created = CreateSecret(*env.store, Record("db", "sha256:aa"), kStart);
      REQUIRE(created.ok());
      CHECK(created->secret.metadata.generation == 1);
      CHECK(created->secret.metadata.created_at == kStart);
      CHECK(created->secret.string_data.empty());
      CHECK(CreateSecret(*env.store, Record("db", "sha256:aa"), kStart).status().code() ==
            Code::kAlreadyExists);
      auto raw = env.store->GetRecord(api::kKindSecret, "db");
      REQUIRE(raw.ok());
      CHECK((*raw)->find("must-not-be-stored") == std::string::npos);

      auto got = GetSecret(*env.store, "db");
      REQUIRE(got.ok());
      REQUIRE(got->has_value());
      CHECK((*got)->secret == created->secret);
      CHECK((*got)->values_blob == "blob-sha256:aa");
      CHECK((*got)->key_id == "0123456789abcdef");

      // Labels only: a new version, the same generation.
      SecretRecord relabelled = Record("db", "sha256:aa");
      relabelled.secret.metadata.labels = {{"app", "api"}};
      auto labels = ReplaceSecret(*env.store, relabelled, kStart + 1s);
      REQUIRE(labels.ok());
      CHECK(labels->secret.metadata.generation == 1);
      CHECK(labels->secret.metadata.resource_version != created->secret.metadata.resource_version);
      CHECK(labels->secret.metadata.updated_at == kStart + 1s);

      SecretRecord stale = Record("db", "sha256:bb");
      stale.secret.metadata.resource_version = created->secret.metadata.resource_version;
      CHECK(ReplaceSecret(*env.store, stale, kStart).status().code() == Code::kConflict);
      SecretRecord fresh = Record("db", "sha256:bb");
      fresh.secret.metadata.labels = {{"app", "api"}};
      fresh.secret.metadata.resource_version = labels->secret.metadata.resource_version;
      auto changed = ReplaceSecret(*env.store, fresh, kStart + 2s);
      REQUIRE(changed.ok());
      CHECK(changed->secret.metadata.generation == 2);
      CHECK(changed->values_blob == "blob-sha256:bb");
      CHECK(changed->secret.metadata.created_at == kStart);

      // The same digests again (a fresh blob): nothing is written.
      SecretRecord same = fresh;
      same.secret.metadata.resource_version.clear();
      same.values_blob = "another nonce";
      auto unchanged = ReplaceSecret(*env.store, same, kStart + 3s);
      REQUIRE(unchanged.ok());
      CHECK(unchanged->secret == changed->secret);
      CHECK(GetSecret(*env.store, "db")->value().values_blob == "blob-sha256:bb");
      CHECK(ReplaceSecret(*env.store, Record("nope", "x"), kStart).status().code() ==
            Code::kNotFound);

      REQUIRE(CreateSecret(*env.store, Record("api", "sha256:cc"), kStart).ok());
      auto listed = ListSecrets(*env.store);
      REQUIRE(listed.ok());
      REQUIRE(listed->size() == 2);
      CHECK((*listed)[0].secret.metadata.name == "db");
      CHECK((*listed)[1].secret.metadata.name == "api");
      auto ids = ListSecretKeyIds(*env.store);
      REQUIRE(ids.ok());
      CHECK(*ids == std::map<std::string, size_t>{{"0123456789abcdef", 2}});

      REQUIRE(DeleteSecret(*env.store, "db").ok());
      CHECK(DeleteSecret(*env.store, "db").code() == Code::kNotFound);
      CHECK_FALSE(GetSecret(*env.store, "db")->has_value());

      std::vector<EventType> types;
      for (const Event& e : events) types.push_back(e.type);
      CHECK(types == std::vector<EventType>{EventType::kCreated, EventType::kUpdated,
                                            EventType::kUpdated, EventType::kCreated,
                                            EventType::kDeleted});
    }
  }
}

TEST_CASE("Another process on the same PostgreSQL database hears of Secret writes",
          "[store][secret]") {
  Env env("postgres");
  auto other = env.Open();
  std::mutex mu;
  std::vector<Event> heard;
  other->Subscribe(
      [&](const Event& e) {
        std::lock_guard<std::mutex> lock(mu);
        heard.push_back(e);
      },
      {api::kKindSecret});
  REQUIRE(other->EnableRemoteEvents().ok());
  REQUIRE(CreateSecret(*env.store, Record("db", "sha256:aa"), kStart).ok());
  REQUIRE(testing::Eventually([&] {
    std::lock_guard<std::mutex> lock(mu);
    return !heard.empty();
  }));
  std::lock_guard<std::mutex> lock(mu);
  CHECK(heard[0].type == EventType::kCreated);
  CHECK(heard[0].name == "db");
}

}  // namespace
}  // namespace cara::store
