// The two databases a store test runs against, each with a way to run SQL on
// it outside the store (a write nobody announces, an older schema): the type
// parameters of the store's TEMPLATE_TEST_CASEs.
#pragma once

#include <sqlite3.h>

#include <memory>
#include <string>

#include <catch2/catch.hpp>
#include <pqxx/pqxx>

#include "common/clock.h"
#include "store/store.h"
#include "support/postgres_server.h"
#include "support/temp_dir.h"

namespace cara::testing {

struct Sqlite {
  TempDir dir;
  std::string path() const { return dir.path() + "/cara.db"; }
  std::string url() const { return "sqlite:" + path(); }
  void Exec(const std::string& sql) const {
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open(path().c_str(), &db) == SQLITE_OK);
    char* error = nullptr;
    int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error);
    INFO((error ? error : ""));
    sqlite3_free(error);
    sqlite3_close(db);
    REQUIRE(rc == SQLITE_OK);
  }
};

struct Postgres {
  std::string db_url = PostgresServer::Shared().FreshDatabaseUrl();
  std::string url() const { return db_url; }
  void Exec(const std::string& sql) const {
    pqxx::connection conn(db_url);
    pqxx::work work(conn);
    work.exec(sql);
    work.commit();
  }
};

// A store over the database at `url` (migrated), on `clock`.
inline std::unique_ptr<store::Store> OpenStore(const std::string& url, Clock* clock) {
  auto backend = store::OpenBackend(url, "");
  INFO(backend.status().ToString());
  REQUIRE(backend.ok());
  return std::make_unique<store::Store>(std::move(*backend), clock);
}

}  // namespace cara::testing
