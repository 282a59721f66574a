// LoadAndPlan (gitops/streamed_plan.h) checks and plans a source chunk by
// chunk while the live state is being listed. Its result must be exactly
// LoadSource's followed by ComputePlan's, on one thread: the same errors in
// the same order, the same plan action by action.
#include "gitops/streamed_plan.h"

#include <catch2/catch.hpp>

#include <fstream>

#include "common/time_format.h"
#include "support/temp_dir.h"

namespace cara::gitops {
namespace {

const Timestamp kNow = *ParseRfc3339("2026-11-21T12:00:00Z");
// Over two chunks of files (manifest_source.cc), so chunk boundaries count.
constexpr int kFiles = 2600;

std::string Name(int i) { return "app-" + std::to_string(10000 + i); }

void WriteProject(const std::string& dir, int i, const std::string& image) {
  std::ofstream(dir + "/" + Name(i) + ".yaml")
      << "apiVersion: caravanserai/v1\nkind: Project\nmetadata:\n  name: " << Name(i)
      << "\nspec:\n  services:\n    - name: web\n      image: " << image << "\n";
}

// Live: every third project, owned by the source, some with another image;
// plus owned projects the source no longer has (prunes).
LiveState Live(const std::string& source_id) {
  LiveState live;
  for (int i = 0; i < kFiles + 20; i += 3) {
    api::Project p;
    p.metadata.name = Name(i);
    p.metadata.resource_version = "7";
    p.metadata.labels[kManagedByLabel] = kManagedByValue;
    p.metadata.annotations[kSourceAnnotation] = source_id;
    api::ServiceDef web;
    web.name = "web";
    web.image = i % 2 == 0 ? "nginx:1" : "nginx:2";
    p.spec.services.push_back(web);
    p.status.phase = api::kPhaseRunning;
    live.projects.push_back(p);
  }
  return live;
}

struct Fixture {
  testing::TempDir dir;
  SourceSpec spec;
  PlanOptions options;
  Fixture() {
    for (int i = 0; i < kFiles; ++i) WriteProject(dir.path(), i, "nginx:1");
    spec.dir = dir.path();
    options.now = kNow;
    options.source_id = DeriveSourceId(spec);
    options.max_delete = 1000;
  }
  // The one-thread, load-then-plan pipeline.
  Plan Sequential(const LiveState& live) {
    auto source = LoadSource(spec, "", nullptr, /*threads=*/1);
    REQUIRE(source.ok());
    REQUIRE(source->errors.empty());
    PlanOptions one = options;
    one.threads = 1;
    return ComputePlan(source->objects, live, one);
  }
};

void CheckSamePlan(const Plan& want, const Plan& got) {
  CHECK(got.hash == want.hash);
  CHECK(got.owned == want.owned);
  CHECK(got.refusals == want.refusals);
  REQUIRE(got.actions.size() == want.actions.size());
  for (size_t i = 0; i < want.actions.size(); ++i) {
    INFO("action " << i << " " << want.actions[i].name);
    CHECK(got.actions[i].name == want.actions[i].name);
    CHECK(got.actions[i].type == want.actions[i].type);
    CHECK(got.actions[i].stage == want.actions[i].stage);
    CHECK(got.actions[i].origin == want.actions[i].origin);
    CHECK(got.actions[i].body == want.actions[i].body);
  }
}

}  // namespace

TEST_CASE("a source planned chunk by chunk as it loads gives the load-then-plan plan",
          "[streamed-plan]") {
  Fixture f;
  const LiveState live = Live(f.options.source_id);
  const Plan want = f.Sequential(live);
  REQUIRE(want.Count(ActionType::kCreate) > 0);
  REQUIRE(want.Count(ActionType::kUpdate) > 0);
  REQUIRE(want.Count(ActionType::kNoop) > 0);
  REQUIRE(want.Count(ActionType::kDelete) > 0);

  SECTION("the live state is there before the first chunk: every chunk planned as it loads") {
    std::promise<Result<LiveState>> listed;
    listed.set_value(live);
    std::future<Result<LiveState>> future = listed.get_future();
    auto got = LoadAndPlan(f.spec, "", future, f.options);
    REQUIRE(got.ok());
    CHECK(got->source.errors.empty());
    CHECK(got->source.objects.empty());  // planned and let go
    REQUIRE(got->plan);
    CheckSamePlan(want, *got->plan);
  }
  SECTION("the live state comes only when asked for: the chunks wait for it") {
    std::future<Result<LiveState>> future =
        std::async(std::launch::deferred, [&] { return Result<LiveState>(live); });
    auto got = LoadAndPlan(f.spec, "", future, f.options);
    REQUIRE(got.ok());
    REQUIRE(got->plan);
    CheckSamePlan(want, *got->plan);
  }
}

TEST_CASE("a source with an error in a late chunk reports LoadSource's errors and plans nothing",
          "[streamed-plan]") {
  Fixture f;
  std::ofstream(f.dir.path() + "/" + Name(2300) + ".yaml") << "kind: Project\nmetadata: [oops\n";
  WriteProject(f.dir.path(), 2400, "");  // a service without an image
  auto loaded = LoadSource(f.spec, "", nullptr, 1);
  REQUIRE(loaded.ok());
  REQUIRE(loaded->errors.size() >= 2);

  std::future<Result<LiveState>> future = std::async(std::launch::deferred, [] {
    FAIL("the live state was asked for");
    return Result<LiveState>(LiveState{});
  });
  auto got = LoadAndPlan(f.spec, "", future, f.options);
  REQUIRE(got.ok());
  CHECK(got->source.errors == loaded->errors);
  CHECK_FALSE(got->plan);
  CHECK(future.valid());  // never taken
}

TEST_CASE("a live state that cannot be listed leaves a valid source unplanned, saying why",
          "[streamed-plan]") {
  Fixture f;
  std::promise<Result<LiveState>> listed;
  listed.set_value(Status::Unavailable("request failed: connection refused"));
  std::future<Result<LiveState>> future = listed.get_future();
  auto got = LoadAndPlan(f.spec, "", future, f.options);
  REQUIRE(got.ok());
  CHECK(got->source.errors.empty());
  CHECK_FALSE(got->plan);
  CHECK(got->live_status.message() == "request failed: connection refused");
}

}  // namespace cara::gitops
