// GET by name through the store's read cache, over HTTPS on two replicas of
// one PostgreSQL database: the replica that wrote answers with its write at
// once; the other as soon as the notification arrives. Both run on a fake
// clock that stands still, so the cache's age limit cannot be what makes a
// change show up.
#include <catch2/catch.hpp>

#include <string>

#include "api_test_util.h"
#include "support/eventually.h"
#include "support/fake_clock.h"

namespace cara::testing {
namespace {

std::string ServedImage(HttpClient& api, const std::string& name) {
  HttpResponse r = api.Get(ProjectPath(name));
  if (r.status != 200 || !r.has_json) return std::to_string(r.status);
  return r.json["spec"]["services"][0]["image"].get<std::string>();
}

// The controllers (on whichever replica leads) write the project's status
// too: a PUT based on a read that had not heard of their write yet is refused
// with 409 (the other replica's write arrives with its notification), so
// read again.
void ChangeImage(HttpClient& api, const std::string& name, const std::string& image) {
  HttpResponse put;
  REQUIRE(Eventually([&] {
    json current = MustGet(api, ProjectPath(name));
    current["spec"]["services"][0]["image"] = image;
    put = api.PutJson(ProjectPath(name), current);
    return put.status != 409;
  }));
  REQUIRE_THAT(put, HasStatus(200));
}

TEST_CASE("GET reads its own writes on one replica and the other's within a notification",
          "[cache][api][postgres]") {
  FakeClock clock(SystemClock::Default()->Now());
  TestControllers on_fake_clock;
  on_fake_clock.clock = &clock;
  TestServer first("postgres", {}, &on_fake_clock);
  server::ServerOptions options;
  options.admin_token = first.admin_token();
  TestServer second(first.database_url(), options, &on_fake_clock);
  HttpClient api_first(first.url()), api_second(second.url());

  MustCreateProject(api_first, ProjectBody("web", "nginx:1.25"));
  CHECK(ServedImage(api_first, "web") == "nginx:1.25");
  REQUIRE(Eventually([&] { return ServedImage(api_second, "web") == "nginx:1.25"; }));
  CHECK(ServedImage(api_second, "web") == "nginx:1.25");  // cached on both now

  for (const std::string image : {"nginx:1.26", "nginx:1.27"}) {
    ChangeImage(api_first, "web", image);
    CHECK(ServedImage(api_first, "web") == image);
    CHECK(Eventually([&] { return ServedImage(api_second, "web") == image; }));
  }
  ChangeImage(api_second, "web", "nginx:from-second");
  CHECK(ServedImage(api_second, "web") == "nginx:from-second");
  CHECK(Eventually([&] { return ServedImage(api_first, "web") == "nginx:from-second"; }));

  REQUIRE_THAT(api_first.Delete(ProjectPath("web") + "?force=true"), HasStatus(204));
  CHECK(ServedImage(api_first, "web") == "404");
  CHECK(Eventually([&] { return ServedImage(api_second, "web") == "404"; }));
}

}  // namespace
}  // namespace cara::testing
