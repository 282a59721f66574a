// agent/agent_api_routes: Go 1.22 ServeMux matching of the agent's paths and
// Go's query parsing, without a server.
#include "agent/agent_api_routes.h"

#include <catch2/catch.hpp>

namespace cara::agent {
namespace {

using Kind = AgentRoute::Kind;

TEST_CASE("MatchAgentRoute finds the three routes and their wildcards", "[agent][routes]") {
  CHECK(MatchAgentRoute("/healthz").kind == Kind::kHealth);
  CHECK(MatchAgentRoute("/healthz?x=1").kind == Kind::kHealth);

  auto logs = MatchAgentRoute("/api/v1/logs/shop/web?follow=1&tail=5");
  CHECK(logs.kind == Kind::kLogs);
  CHECK(logs.project == "shop");
  CHECK(logs.service == "web");
  CHECK(logs.query == "follow=1&tail=5");

  auto forward = MatchAgentRoute("/api/v1/forward/shop/w%2Fb/8080");
  CHECK(forward.kind == Kind::kForward);
  CHECK(forward.service == "w/b");  // matched escaped, then unescaped
  CHECK(forward.port == "8080");
}

TEST_CASE("MatchAgentRoute refuses empty wildcards, other shapes and broken escapes",
          "[agent][routes]") {
  CHECK(MatchAgentRoute("/api/v1/logs/shop/").kind == Kind::kNone);
  CHECK(MatchAgentRoute("/api/v1/logs//web").kind == Kind::kNone);
  CHECK(MatchAgentRoute("/api/v1/logs/shop/web/x").kind == Kind::kNone);
  CHECK(MatchAgentRoute("/api/v2/logs/shop/web").kind == Kind::kNone);
  CHECK(MatchAgentRoute("/api/v1/forward/shop/web").kind == Kind::kNone);
  CHECK(MatchAgentRoute("/api/v1/logs/sh%zzop/web").kind == Kind::kNone);
  CHECK(MatchAgentRoute("healthz").kind == Kind::kNone);
  CHECK(MatchAgentRoute("/").kind == Kind::kNone);
  CHECK(MatchAgentRoute("").kind == Kind::kNone);
}

TEST_CASE("QueryGet and ParseGoBool read queries as Go does", "[agent][routes]") {
  CHECK(QueryGet("follow=true&tail=10", "tail") == "10");
  CHECK(QueryGet("tail=1&tail=2", "tail") == "1");
  CHECK(QueryGet("t%61il=a+b%21", "tail") == "a b!");
  CHECK(QueryGet("follow", "follow").empty());
  CHECK(QueryGet("tail=%zz", "tail").empty());
  CHECK(QueryGet("", "tail").empty());

  for (const char* yes : {"1", "t", "T", "TRUE", "true", "True"}) CHECK(ParseGoBool(yes));
  for (const char* no : {"0", "yes", "tRUE", "", "on"}) CHECK_FALSE(ParseGoBool(no));
}

}  // namespace
}  // namespace cara::agent
