// The heartbeat decoder reuses a node's last decode only for the very same
// bytes: any other body is decoded (and checked) again, and a bad body is
// refused however often a good one came before.
#include <catch2/catch.hpp>

#include <string>

#include "server/heartbeat_decoder.h"

namespace cara::server {

TEST_CASE("heartbeat decoder: the same bytes reuse the decode, any change is decoded again",
          "[server][heartbeat]") {
  HeartbeatDecoder decoder;
  const std::string ready = R"({"state":"Ready","capacity":{"cpu":"2","memory":"4Gi"}})";
  auto first = decoder.Decode("n1", ready);
  REQUIRE(first.ok());
  CHECK(first->state == "Ready");
  auto again = decoder.Decode("n1", ready);
  REQUIRE(again.ok());
  CHECK(again->state == "Ready");
  CHECK(again->capacity == first->capacity);

  auto changed = decoder.Decode("n1", R"({"state":"NotReady"})");
  REQUIRE(changed.ok());
  CHECK(changed->state == "NotReady");

  // Refused every time, also after a valid body from the same node.
  for (int i = 0; i < 2; ++i) {
    auto bad = decoder.Decode("n1", R"({"state":"Sleeping"})");
    CHECK_FALSE(bad.ok());
    auto unknown = decoder.Decode("n1", R"({"stat":"Ready"})");
    CHECK_FALSE(unknown.ok());
  }
  // Another node's body is its own.
  auto other = decoder.Decode("n2", ready);
  REQUIRE(other.ok());
  CHECK(other->state == "Ready");
}

}  // namespace cara::server
