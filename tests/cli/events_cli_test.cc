// caractrl get events and the Events section of describe, run as the real
// binary against a real cara-server on loopback: kubectl's table and its
// -o variants, --for, usage errors with exit code 2.
#include <catch2/catch.hpp>

#include <signal.h>

#include <algorithm>
#include <chrono>
#include <regex>
#include <sstream>

#include <nlohmann/json.hpp>

#include "support/caractrl.h"
#include "support/eventually.h"
#include "support/http_client.h"
#include "support/process.h"
#include "support/test_server.h"

namespace cara::testing {
namespace {

using nlohmann::json;

json Event(const std::string& kind, const std::string& name, const std::string& reason,
           const std::string& message, const std::string& type = "Normal") {
  return {{"involvedObject", {{"kind", kind}, {"name", name}}},
          {"reason", reason},
          {"message", message},
          {"type", type},
          {"source", {{"component", "cara-agent"}, {"node", "n1"}}}};
}

struct EventsServer {
  EventsServer() {
    HttpClient api(server.url());
    REQUIRE(api.PostJson("/api/v1/nodes", {{"metadata", {{"name", "n1"}}}}).status == 201);
    REQUIRE(
        api.PostJson("/api/v1/events", Event("Node", "n1", "NodeReady", "n1 is Ready")).status ==
        201);
    for (int i = 0; i < 3; ++i) {
      REQUIRE(api.PostJson("/api/v1/events", Event("Project", "shop", "BackOff",
                                                   "web: back-off restarting after "
                                                   "exit code 1",
                                                   "Warning"))
                      .status /
                  100 ==
              2);
    }
  }
  TestServer server{"sqlite"};
};

TEST_CASE("caractrl get events prints kubectl's table, -o wide, name and json", "[cli][events]") {
  EventsServer s;
  ProcessResult table = RunCaractrl(s.server, {"get", "events"});
  INFO(table.err);
  REQUIRE(table.exit_code == 0);
  CHECK(table.out.rfind("LAST SEEN   TYPE      REASON      OBJECT         MESSAGE\n", 0) == 0);
  CHECK(table.out.find("Normal    NodeReady   node/n1        n1 is Ready\n") != std::string::npos);
  CHECK(table.out.find("Warning   BackOff     project/shop   web: back-off") != std::string::npos);

  ProcessResult wide = RunCaractrl(s.server, {"get", "events", "-o", "wide"});
  REQUIRE(wide.exit_code == 0);
  CHECK(wide.out.find("SOURCE") != std::string::npos);
  CHECK(wide.out.find("cara-agent, n1") != std::string::npos);
  CHECK(std::regex_search(wide.out, std::regex(R"( 3 +project\.shop\.[0-9a-f]{16}\n)")));

  ProcessResult names =
      RunCaractrl(s.server, {"get", "events", "--for", "project/shop", "-o", "name"});
  REQUIRE(names.exit_code == 0);
  CHECK(names.out.rfind("event/project.shop.", 0) == 0);
  CHECK(std::count(names.out.begin(), names.out.end(), '\n') == 1);

  ProcessResult as_json =
      RunCaractrl(s.server, {"get", "events", "--for", "node/n1", "-o", "json"});
  REQUIRE(as_json.exit_code == 0);
  json list = json::parse(as_json.out);
  CHECK(list["kind"] == "EventList");
  REQUIRE(list["items"].size() == 1);
  CHECK(list["items"][0]["reason"] == "NodeReady");
}

TEST_CASE("caractrl get events refuses what it cannot mean, with exit code 2", "[cli][events]") {
  EventsServer s;
  ProcessResult bad_for = RunCaractrl(s.server, {"get", "events", "--for", "secret/x"});
  CHECK(bad_for.exit_code == 2);
  CHECK(bad_for.err.find("invalid --for: expected project/NAME or node/NAME") != std::string::npos);
  ProcessResult names = RunCaractrl(s.server, {"get", "events", "shop"});
  CHECK(names.exit_code == 2);
  ProcessResult none = RunCaractrl(s.server, {"get", "events", "--for", "project/quiet"});
  CHECK(none.exit_code == 0);
  CHECK(none.out.empty());
  CHECK(none.err == "No events found.\n");
}

TEST_CASE("caractrl describe ends with the object's events", "[cli][events]") {
  EventsServer s;
  ProcessResult node = RunCaractrl(s.server, {"describe", "node", "n1"});
  INFO(node.err);
  REQUIRE(node.exit_code == 0);
  const size_t events = node.out.find("\nEvents:\n");
  REQUIRE(events != std::string::npos);
  const std::string section = node.out.substr(events);
  CHECK(std::regex_search(section, std::regex(R"(\n  Type +Reason +Age +From +Message\n)")));
  CHECK(std::regex_search(
      section, std::regex(R"(\n  Normal +NodeReady +\d+s +cara-agent, n1 +n1 is Ready\n$)")));
}

}  // namespace
TEST_CASE("caractrl get events -w prints the events, then each new or repeated one",
          "[cli][events][watch]") {
  EventsServer s;
  const std::string log = TestLogPath("get-events-watch");
  BackgroundProcess watch(
      {BuiltBinary("caractrl"), "get", "events", "-w", "--for", "project/shop", "-o", "json"},
      CaractrlEnv(s.server.url()), log);
  // One line per event: {"type":..,"object":..}, of the watched object only.
  auto lines = [&] {
    std::vector<json> out;
    std::istringstream text(RunProcess({"/bin/cat", log}).out);
    for (std::string line; std::getline(text, line);) {
      if (!line.empty() && line[0] == '{') out.push_back(json::parse(line));
    }
    return out;
  };
  REQUIRE(Eventually([&] { return lines().size() == 1; }, std::chrono::seconds(20)));
  CHECK(lines()[0]["type"] == "ADDED");
  CHECK(lines()[0]["object"]["count"] == 3);

  HttpClient api(s.server.url());
  REQUIRE(api.PostJson("/api/v1/events", Event("Node", "n1", "NodeNotReady", "gone")).status ==
          201);
  REQUIRE(
      api.PostJson("/api/v1/events", Event("Project", "shop", "Pulled", "web: pulled")).status ==
      201);
  REQUIRE(Eventually([&] { return lines().size() == 2; }, std::chrono::seconds(20)));
  CHECK(lines()[1]["type"] == "ADDED");
  CHECK(lines()[1]["object"]["reason"] == "Pulled");
  watch.Signal(SIGINT);
  CHECK(watch.Wait() == 0);
}

}  // namespace cara::testing
