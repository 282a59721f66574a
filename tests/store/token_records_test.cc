// Token and audit records on both databases: what is stored (hashes, never
// tokens), who hears of a change, and the audit trail's bound.
#include "store/token_records.h"

#include <catch2/catch.hpp>

#include <chrono>
#include <vector>

#include "store/audit_records.h"
#include "store/store.h"
#include "store_env.h"

namespace cara::store {
namespace {

using namespace std::chrono_literals;

const Timestamp kStart = kStoreEnvStart;

using Env = StoreEnv;

TokenRecord Preview(const std::string& id) {
  TokenRecord r;
  r.id = id;
  r.role = api::Role::kPreview;
  r.description = "ci";
  r.name_prefix = "pr-";
  r.max_ttl = 72h;
  r.created_at = kStart;
  r.expires_at = kStart + 24h * 30;
  r.sha256 = std::string(64, 'a');
  return r;
}

bool SameRecord(const TokenRecord& a, const TokenRecord& b) {
  return a.id == b.id && a.role == b.role && a.description == b.description &&
         a.node_name == b.node_name && a.name_prefix == b.name_prefix && a.max_ttl == b.max_ttl &&
         a.created_at == b.created_at && a.expires_at == b.expires_at && a.sha256 == b.sha256;
}

TEST_CASE("Token records round-trip, list in order and are revoked by deletion", "[store][token]") {
  for (const char* backend : {"sqlite", "postgres"}) {
    DYNAMIC_SECTION(backend) {
      Env env(backend);
      TokenRecord a = Preview("aaaaaaaaaaaa");
      TokenRecord b = Preview("bbbbbbbbbbbb");
      b.role = api::Role::kNode;
      b.node_name = "n1";
      b.name_prefix.clear();
      b.max_ttl = 0s;
      b.expires_at.reset();
      REQUIRE(InsertToken(*env.store, a).ok());
      REQUIRE(InsertToken(*env.store, b).ok());
      CHECK(InsertToken(*env.store, a).code() == Code::kAlreadyExists);

      auto got = GetToken(*env.store, a.id);
      REQUIRE(got.ok());
      REQUIRE(*got);
      CHECK(SameRecord(**got, a));
      auto listed = ListTokens(*env.store);
      REQUIRE(listed.ok());
      REQUIRE(listed->size() == 2);
      CHECK(SameRecord((*listed)[0], a));
      CHECK(SameRecord((*listed)[1], b));

      REQUIRE(DeleteToken(*env.store, a.id).ok());
      CHECK(DeleteToken(*env.store, a.id).code() == Code::kNotFound);
      auto gone = GetToken(*env.store, a.id);
      REQUIRE(gone.ok());
      CHECK_FALSE(*gone);
      // Survives reopening (another process, a restart).
      auto reopened = env.Open();
      auto again = GetToken(*reopened, b.id);
      REQUIRE(again.ok());
      REQUIRE(*again);
      CHECK(SameRecord(**again, b));
    }
  }
}

TEST_CASE("Token changes reach token listeners only, with the node and project listeners unaware",
          "[store][token]") {
  for (const char* backend : {"sqlite", "postgres"}) {
    DYNAMIC_SECTION(backend) {
      Env env(backend);
      std::vector<Event> tokens, others;
      int t = env.store->Subscribe([&](const Event& e) { tokens.push_back(e); }, {kKindToken});
      int o = env.store->Subscribe([&](const Event& e) { others.push_back(e); });
      REQUIRE(InsertToken(*env.store, Preview("cccccccccccc")).ok());
      REQUIRE(DeleteToken(*env.store, "cccccccccccc").ok());
      AuditRecord record{kStart, "cccccccccccc", "", "viewer", "POST", "/", "", "", 200};
      REQUIRE(AppendAuditRecord(*env.store, record).ok());
      env.store->Unsubscribe(t);
      env.store->Unsubscribe(o);
      REQUIRE(tokens.size() == 2);
      CHECK(tokens[0].type == EventType::kCreated);
      CHECK(tokens[1].type == EventType::kDeleted);
      CHECK(tokens[1].name == "cccccccccccc");
      CHECK(others.empty());
    }
  }
}

TEST_CASE("The audit trail keeps the newest records, oldest first", "[store][audit]") {
  for (const char* backend : {"sqlite", "postgres"}) {
    DYNAMIC_SECTION(backend) {
      Env env(backend);
      for (int i = 0; i < 7; ++i) {
        AuditRecord r{kStart + std::chrono::seconds(i),
                      "id",
                      "ci",
                      "deployer",
                      "POST",
                      "/api/v1/projects",
                      "projects",
                      "p" + std::to_string(i),
                      201};
        REQUIRE(AppendAuditRecord(*env.store, r).ok());
      }
      auto last2 = ListAuditRecords(*env.store, 2);
      REQUIRE(last2.ok());
      REQUIRE(last2->size() == 2);
      CHECK((*last2)[0].find("\"name\":\"p5\"") != std::string::npos);
      CHECK((*last2)[1].find("\"name\":\"p6\"") != std::string::npos);
      REQUIRE(TrimAuditRecords(*env.store, 3).ok());
      auto all = ListAuditRecords(*env.store, 0);
      REQUIRE(all.ok());
      REQUIRE(all->size() == 3);
      CHECK((*all)[0].find("\"name\":\"p4\"") != std::string::npos);
      CHECK((*all)[0].find("\"status\":201") != std::string::npos);
    }
  }
}

}  // namespace
}  // namespace cara::store
