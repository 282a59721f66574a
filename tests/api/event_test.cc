// The Event type: its wire form, the name that makes a repeat the same
// record, object references as the CLI writes them, the filter a list or a
// watch applies, and the schema of a POST body.
#include "api/event.h"

#include <catch2/catch.hpp>

#include <chrono>

#include <nlohmann/json.hpp>

#include "api/schema.h"
#include "common/time_format.h"

namespace cara::api {
namespace {

using json = nlohmann::json;

Event Sample() {
  Event e = MakeEvent(ProjectRef("shop"), kEventWarning, reason::kBackOff, "web: restarting");
  e.source = {kComponentAgent, "n1"};
  return e;
}

TEST_CASE("An event round-trips through its wire form", "[api][event]") {
  Event e = Sample();
  e.metadata.name = EventName(e);
  e.metadata.resource_version = "7";
  e.count = 3;
  e.first_timestamp = Timestamp(std::chrono::seconds(1714564800));
  e.last_timestamp = *e.first_timestamp + std::chrono::minutes(2);
  json wire = json::parse(EncodeEvent(e));
  CHECK(wire["kind"] == "Event");
  CHECK(wire["involvedObject"] == json{{"kind", "Project"}, {"name", "shop"}});
  CHECK(wire["source"] == json{{"component", "cara-agent"}, {"node", "n1"}});
  CHECK(wire["lastTimestamp"] == "2024-05-01T12:02:00Z");
  auto back = ParseEvent(wire.dump());
  REQUIRE(back.ok());
  CHECK(back->metadata.name == e.metadata.name);
  CHECK(back->involved_object == e.involved_object);
  CHECK(back->count == 3);
  CHECK(back->last_timestamp == e.last_timestamp);
  CHECK(back->source == e.source);
  CHECK(ValidateEventDocument(wire).empty());

  auto bad = ParseEvent(R"({"count":"many"})");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.status().message() == "count: expected an integer");
}

TEST_CASE("An event's name is its object and a digest of what happened", "[api][event]") {
  Event e = Sample();
  const std::string name = EventName(e);
  CHECK(name.rfind("project.shop.", 0) == 0);
  CHECK(name.size() == std::string("project.shop.").size() + 16);
  Event repeat = Sample();
  repeat.count = 9;  // counts and times are not part of the identity
  CHECK(EventName(repeat) == name);
  for (auto change : {+[](Event& x) { x.reason = "Pulled"; }, +[](Event& x) { x.type = "Normal"; },
                      +[](Event& x) { x.message += "!"; }, +[](Event& x) { x.source.node = "n2"; },
                      +[](Event& x) { x.source.component = "cara-server"; }}) {
    Event other = Sample();
    change(other);
    CHECK(EventName(other) != name);
  }
  CHECK(EventName(MakeEvent(NodeRef("n1"), kEventNormal, reason::kNodeReady, ""))
            .rfind("node.n1.", 0) == 0);
}

TEST_CASE("Object references read as project/NAME or node/NAME", "[api][event]") {
  auto p = ParseObjectReference("project/shop");
  REQUIRE(p.ok());
  CHECK(*p == ProjectRef("shop"));
  auto n = ParseObjectReference("Nodes/n1");
  REQUIRE(n.ok());
  CHECK(*n == NodeRef("n1"));
  CHECK(FormatObjectReference(*p) == "project/shop");
  for (const char* bad : {"shop", "project/", "secret/x", "/x"}) {
    auto r = ParseObjectReference(bad);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().message().find("expected project/NAME or node/NAME") != std::string::npos);
  }
  // A name no object can have: refused with the name rule, before any store.
  for (const char* bad : {"node/N1", "project/a_b", "node/\xC3", "node/-x"}) {
    auto r = ParseObjectReference(bad);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().message().find("is invalid: must consist of lowercase") != std::string::npos);
  }
}

TEST_CASE("The event filter matches one object or a preview's projects", "[api][event]") {
  EventFilter none;
  CHECK(none.Matches(Sample()));
  CHECK(none.NamePrefix().empty());
  EventFilter object;
  object.object = ProjectRef("shop");
  CHECK(object.Matches(Sample()));
  Event elsewhere = Sample();
  elsewhere.involved_object.name = "shop.x";  // names may hold dots: exact match
  CHECK_FALSE(object.Matches(elsewhere));
  EventFilter preview;
  preview.project_prefix = "sh";
  CHECK(preview.Matches(Sample()));
  CHECK(preview.NamePrefix() == "project.sh");
  Event node = Sample();
  node.involved_object = NodeRef("shop");
  CHECK_FALSE(preview.Matches(node));
}

TEST_CASE("The schema of a POSTed event points at what is wrong", "[api][event]") {
  json ok = {{"involvedObject", {{"kind", "Project"}, {"name", "shop"}}},
             {"reason", "Pulled"},
             {"message", "web: pulled a:1"},
             {"type", "Normal"},
             {"source", {{"component", "cara-agent"}, {"node", "n1"}}}};
  CHECK(ValidateEventDocument(ok).empty());
  auto pointers = [](const json& doc) {
    std::vector<std::string> out;
    for (const auto& e : ValidateEventDocument(doc)) out.push_back(e.pointer);
    return out;
  };
  json bad_kind = ok;
  bad_kind["involvedObject"]["kind"] = "Secret";
  CHECK(pointers(bad_kind) == std::vector<std::string>{"/involvedObject/kind"});
  json bad_reason = ok;
  bad_reason["reason"] = "pulled image";
  CHECK(pointers(bad_reason) == std::vector<std::string>{"/reason"});
  json bad_type = ok;
  bad_type["type"] = "Error";
  CHECK(pointers(bad_type) == std::vector<std::string>{"/type"});
  json long_message = ok;
  long_message["message"] = std::string(1025, 'x');
  CHECK(pointers(long_message) == std::vector<std::string>{"/message"});
  json missing = ok;
  missing.erase("reason");
  CHECK(pointers(missing) == std::vector<std::string>{""});
  json extra = ok;
  extra["note"] = "x";
  CHECK(pointers(extra) == std::vector<std::string>{"/note"});
}

}  // namespace
}  // namespace cara::api
