// The store's schema history, one list per SQL dialect side by side, so a
// new version is added to both at once. Each backend applies the list in its
// own transactions (backends differ in how they lock across processes) and
// records what it applied in schema_migrations.
#pragma once

#include <string>
#include <vector>

namespace cara::store {

struct Migration {
  int version;
  const char* name;
  const char* sql;
};

// Append-only: a released migration is never edited; change the schema by
// adding the next version to both lists.
const std::vector<Migration>& SqliteMigrations();
const std::vector<Migration>& PostgresMigrations();

// The table recording applied versions; the same in both dialects.
extern const char kCreateMigrationsTable[];

// The promoted columns of a resource row, in the order both backends read
// them back into a Row (store/backend.h).
extern const char kRowColumns[];

// "migration <version> (<name>)", the prefix of a failed migration's error.
std::string MigrationLabel(const Migration& m);

}  // namespace cara::store
