// RowFilter::name_prefix: a list of the names that start with a prefix is a
// byte-order range of the key, on both backends (one object's events are
// read this way, so recording an event does not read every event).
#include <memory>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "store/backend.h"
#include "store/store.h"
#include "support/store_databases.h"

namespace cara::store {
namespace {

using testing::Postgres;
using testing::Sqlite;
using Strings = std::vector<std::string>;

Row ThingRow(const std::string& name, int64_t revision, const std::string& phase = "") {
  Row row;
  row.kind = "Thing";
  row.name = name;
  row.phase = phase;
  row.body = "{}";
  row.revision = revision;
  row.create_revision = revision;
  return row;
}

Strings Names(Backend& b, const RowFilter& filter) {
  auto rows = b.List("Thing", filter);
  INFO(rows.status().ToString());
  REQUIRE(rows.ok());
  Strings out;
  for (const Row& r : *rows) out.push_back(r.name);
  return out;
}

RowFilter Prefix(const std::string& prefix) {
  RowFilter f;
  f.name_prefix = prefix;
  return f;
}

}  // namespace

TEST_CASE("store: a name prefix's range ends at the next byte value", "[store][backend]") {
  CHECK(PrefixRangeEnd("node.n1.") == "node.n1/");
  CHECK(PrefixRangeEnd("a") == "b");
  CHECK(PrefixRangeEnd("a\xff") == "b");
  CHECK(PrefixRangeEnd("\xC3\xA9") == "\xC3\xAA");
  CHECK_FALSE(PrefixRangeEnd("\xff\xff").has_value());
}

TEMPLATE_TEST_CASE("store: a name-prefix list holds exactly the names that start with it",
                   "[store][backend]", Sqlite, Postgres) {
  TestType db;
  auto backend = OpenBackend(db.url(), "");
  INFO(backend.status().ToString());
  REQUIRE(backend.ok());
  Backend& b = **backend;
  // Around the prefix in byte order and in a locale's order: an upper-case
  // twin, a longer number, the name without the dot, the next byte value.
  const Strings names = {"node.n1.b", "node.N1.c", "node.n10.a", "node.n1.a",       "node.n1",
                         "node.n1/",  "node.n2.a", "nodf",       "node.n1.\xC3\xA9"};
  REQUIRE(b.Write([&](Txn& txn) {
             int64_t revision = 0;
             for (const std::string& name : names) {
               ++revision;
               Status st = txn.Insert(ThingRow(name, revision, revision % 2 ? "odd" : "even"));
               if (!st.ok()) return st;
             }
             return Status::Ok();
           }).ok());

  // Creation order, as every list.
  CHECK(Names(b, Prefix("node.n1.")) == Strings{"node.n1.b", "node.n1.a", "node.n1.\xC3\xA9"});
  CHECK(Names(b, Prefix("node.n")) == Strings{"node.n1.b", "node.n10.a", "node.n1.a", "node.n1",
                                              "node.n1/", "node.n2.a", "node.n1.\xC3\xA9"});
  CHECK(Names(b, Prefix("node.n3.")).empty());
  CHECK(Names(b, Prefix("")).size() == names.size());

  SECTION("with the other filters and pages") {
    RowFilter odd = Prefix("node.n1");
    odd.phases = {"odd"};
    CHECK(Names(b, odd) == Strings{"node.n1.b", "node.n10.a", "node.n1", "node.n1.\xC3\xA9"});
    RowFilter page = Prefix("node.n1.");
    page.limit = 2;
    const Strings first = Names(b, page);
    REQUIRE(first == Strings{"node.n1.b", "node.n1.a"});
    page.after = ListKey{4, "node.n1.a"};
    CHECK(Names(b, page) == Strings{"node.n1.\xC3\xA9"});
  }
}

TEMPLATE_TEST_CASE("store: a count per name prefix agrees with the prefix's list",
                   "[store][backend]", Sqlite, Postgres) {
  TestType db;
  auto backend = OpenBackend(db.url(), "");
  INFO(backend.status().ToString());
  REQUIRE(backend.ok());
  Backend& b = **backend;
  const Strings names = {"node.n1.b", "node.N1.c", "node.n10.a", "node.n1.a",
                         "node.n1",   "node.n1/",  "nodf",       "node.n1.\xC3\xA9"};
  REQUIRE(b.Write([&](Txn& txn) {
             int64_t revision = 0;
             for (const std::string& name : names) {
               Status st = txn.Insert(ThingRow(name, ++revision));
               if (!st.ok()) return st;
             }
             // Another kind's rows with the same names count for that kind only.
             Row other = ThingRow("node.n1.z", ++revision);
             other.kind = "Other";
             return txn.Insert(other);
           }).ok());

  // In the order asked, repeats and empty ranges included.
  const Strings prefixes = {"node.n1.", "node.n3.", "node.n", "node.n1.", "node.N", "", "nodf"};
  auto counts = b.CountByNamePrefix("Thing", prefixes);
  INFO(counts.status().ToString());
  REQUIRE(counts.ok());
  REQUIRE(counts->size() == prefixes.size());
  for (size_t i = 0; i < prefixes.size(); ++i) {
    INFO(prefixes[i]);
    CHECK((*counts)[i] == static_cast<int64_t>(Names(b, Prefix(prefixes[i])).size()));
  }
  CHECK(*counts == std::vector<int64_t>{3, 0, 6, 3, 1, 8, 1});
  auto none = b.CountByNamePrefix("Thing", {});
  REQUIRE(none.ok());
  CHECK(none->empty());
}

}  // namespace cara::store
