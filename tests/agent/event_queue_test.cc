// The agent's event queue over a fake control plane: pushing never waits for
// the server, events arrive in the order they were pushed, and stopping posts
// what is still queued. The Agent-level consequence (Running is reported
// while the server is still recording the deploy's events) is in
// agent_loops_test.cc.
#include "agent/event_queue.h"

#include <future>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "agent/event_reporter.h"
#include "fake_control_plane.h"
#include "test_projects.h"

namespace cara::agent {
namespace {

using testing::kNode;

std::vector<std::string> Reasons(const std::vector<api::Event>& events) {
  std::vector<std::string> out;
  for (const api::Event& e : events) out.push_back(e.reason + " " + e.involved_object.name);
  return out;
}

}  // namespace

TEST_CASE("event queue: pushing does not wait for a slow server, which gets the events in order",
          "[agent][events][fake]") {
  FakeControlPlane server;
  EventQueue queue(&server);
  EventReporter events(&server, kNode, &queue);
  server.HoldEvents(true);
  events.Project("shop", api::kEventNormal, "Created", "web: created container shop-web");
  events.Project("shop", api::kEventNormal, "Started", "web: started container shop-web");
  events.Project("cart", api::kEventWarning, "Failed", "ImagePullFailed: nope");
  // The first post is waiting at the server and the reporter has returned
  // for all three: nothing is recorded yet.
  REQUIRE(server.WaitFor([&] { return server.events_waiting() == 1; }));
  CHECK(server.TakeEvents().empty());

  server.HoldEvents(false);
  queue.Flush();
  std::vector<api::Event> posted = server.TakeEvents();
  CHECK(Reasons(posted) == std::vector<std::string>{"Created shop", "Started shop", "Failed cart"});
  CHECK(posted[0].source.component == "cara-agent");
  CHECK(posted[0].source.node == kNode);
  CHECK(posted[1].message == "web: started container shop-web");
}

TEST_CASE("event queue: stopping posts what is still queued, then drops later pushes",
          "[agent][events][fake]") {
  FakeControlPlane server;
  EventQueue queue(&server);
  EventReporter events(&server, kNode, &queue);
  server.HoldEvents(true);
  events.Project("a", api::kEventNormal, "Created", "one");
  events.Project("b", api::kEventNormal, "Created", "two");
  REQUIRE(server.WaitFor([&] { return server.events_waiting() == 1; }));
  // Stop waits for the drain: it cannot return while a post is held.
  auto stopped = std::async(std::launch::async, [&] { queue.Stop(); });
  CHECK(stopped.wait_for(std::chrono::milliseconds(50)) == std::future_status::timeout);
  server.HoldEvents(false);
  stopped.get();
  CHECK(Reasons(server.TakeEvents()) == std::vector<std::string>{"Created a", "Created b"});

  events.Project("c", api::kEventNormal, "Created", "after the stop");
  queue.Flush();
  CHECK(server.TakeEvents().empty());
}

}  // namespace cara::agent
