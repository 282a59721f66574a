// The read cache's own rules (store/object_cache.h): newer revisions win, a
// read that raced a change is not installed, deletions are not undone by late
// news, untrusted it holds nothing, and memory stays within its budget.
#include "store/object_cache.h"

#include <chrono>
#include <string>

#include <catch2/catch.hpp>

#include "api/types.h"
#include "support/fake_clock.h"

namespace cara::store {
namespace {

using namespace std::chrono_literals;

const Timestamp kStart = Timestamp(std::chrono::seconds(1714564800));

Row ProjectRow(const std::string& name, int64_t revision, size_t body_bytes = 100) {
  Row row;
  row.kind = api::kKindProject;
  row.name = name;
  row.revision = revision;
  row.create_revision = 1;
  row.body = std::to_string(revision) + std::string(body_bytes, 'x');
  return row;
}

int64_t CachedRevision(ObjectCache& cache, const std::string& name) {
  auto row = cache.Lookup(api::kKindProject, name);
  return row ? row->revision : 0;
}

TEST_CASE("object cache: only Nodes and Projects", "[store][cache]") {
  CHECK(ObjectCache::Caches(api::kKindNode));
  CHECK(ObjectCache::Caches(api::kKindProject));
  CHECK_FALSE(ObjectCache::Caches("Token"));
}

TEST_CASE("object cache: a newer revision wins, a late older one is ignored", "[store][cache]") {
  FakeClock clock(kStart);
  ObjectCache cache(&clock);
  cache.SetTrusted(true);
  cache.Put(ProjectRow("web", 5));
  cache.Put(ProjectRow("web", 4));
  CHECK(CachedRevision(cache, "web") == 5);
  cache.Put(ProjectRow("web", 7));
  CHECK(CachedRevision(cache, "web") == 7);

  // A deletion is not undone by the late announcement of the last update.
  cache.PutDeleted(api::kKindProject, "web", 9);
  CHECK(CachedRevision(cache, "web") == 0);
  cache.Put(ProjectRow("web", 8));
  CHECK(CachedRevision(cache, "web") == 0);
  cache.Put(ProjectRow("web", 10));  // created again
  CHECK(CachedRevision(cache, "web") == 10);

  cache.Invalidate(api::kKindProject, "web");
  CHECK(CachedRevision(cache, "web") == 0);
}

TEST_CASE("object cache: a read that raced a change is not filled in", "[store][cache]") {
  FakeClock clock(kStart);
  ObjectCache cache(&clock);
  cache.SetTrusted(true);

  SECTION("an update") {
    auto ticket = cache.Begin(api::kKindProject, "web");
    cache.Put(ProjectRow("web", 6));  // committed while the read ran
    cache.Fill(ticket, ProjectRow("web", 5));
    CHECK(CachedRevision(cache, "web") == 6);
  }
  SECTION("an invalidation") {
    auto ticket = cache.Begin(api::kKindProject, "web");
    cache.Invalidate(api::kKindProject, "web");
    cache.Fill(ticket, ProjectRow("web", 5));
    CHECK(CachedRevision(cache, "web") == 0);
  }
  SECTION("a gap") {
    auto ticket = cache.Begin(api::kKindProject, "web");
    cache.Clear();
    cache.Fill(ticket, ProjectRow("web", 5));
    CHECK(CachedRevision(cache, "web") == 0);
  }
  SECTION("nothing: filled") {
    auto ticket = cache.Begin(api::kKindProject, "web");
    cache.Fill(ticket, ProjectRow("web", 5));
    CHECK(CachedRevision(cache, "web") == 5);
  }
}

TEST_CASE("object cache: entries expire at the age limit, counted from the read",
          "[store][cache]") {
  FakeClock clock(kStart);
  ObjectCacheOptions options;
  options.max_age = 2s;
  ObjectCache cache(&clock, options);
  cache.SetTrusted(true);
  auto ticket = cache.Begin(api::kKindProject, "web");
  clock.Advance(500ms);  // a slow read
  cache.Fill(ticket, ProjectRow("web", 5));
  clock.Advance(1499ms);
  CHECK(CachedRevision(cache, "web") == 5);
  clock.Advance(1ms);
  CHECK(CachedRevision(cache, "web") == 0);
  cache.Put(ProjectRow("web", 6));
  CHECK(CachedRevision(cache, "web") == 6);
}

TEST_CASE("object cache: untrusted, it keeps and serves nothing", "[store][cache]") {
  FakeClock clock(kStart);
  ObjectCache cache(&clock);
  cache.Put(ProjectRow("web", 5));  // untrusted from the start
  CHECK(CachedRevision(cache, "web") == 0);
  cache.SetTrusted(true);
  cache.Put(ProjectRow("web", 5));
  auto ticket = cache.Begin(api::kKindProject, "api");
  CHECK(CachedRevision(cache, "web") == 5);

  cache.SetTrusted(false);
  CHECK(CachedRevision(cache, "web") == 0);
  CHECK(cache.entries() == 0);
  cache.SetTrusted(true);  // back, but what was kept is gone
  CHECK(CachedRevision(cache, "web") == 0);
  cache.Fill(ticket, ProjectRow("api", 3));  // read before the gap
  CHECK(CachedRevision(cache, "api") == 0);
}

TEST_CASE("object cache: 100,000 objects stay within the memory budget", "[store][cache]") {
  FakeClock clock(kStart);
  ObjectCacheOptions options;
  options.max_bytes = 16 << 20;
  ObjectCache cache(&clock, options);
  cache.SetTrusted(true);
  constexpr int kObjects = 100000;
  for (int i = 0; i < kObjects; ++i) {
    cache.Put(ProjectRow("p" + std::to_string(i), i + 1, 1000));
  }
  CHECK(cache.bytes() <= options.max_bytes);
  CHECK(cache.entries() < static_cast<size_t>(kObjects));
  CHECK(cache.entries() > static_cast<size_t>(kObjects) / 20);
  // The oldest went first.
  CHECK(CachedRevision(cache, "p0") == 0);
  CHECK(CachedRevision(cache, "p" + std::to_string(kObjects - 1)) == kObjects);
  cache.Clear();
  CHECK(cache.bytes() == 0);
  CHECK(cache.entries() == 0);
}

}  // namespace
}  // namespace cara::store
