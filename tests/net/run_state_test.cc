// net/run_state: start once, stop once, never start after a stop.
#include "net/run_state.h"

#include <catch2/catch.hpp>

namespace cara::net {
namespace {

TEST_CASE("run state: a started server stops once and never starts again", "[net][run_state]") {
  RunState state;
  REQUIRE(state.CheckCanStart("proxy").ok());
  state.MarkStarted();
  Status again = state.CheckCanStart("proxy");
  CHECK_FALSE(again.ok());
  CHECK(again.message() == "proxy: already started");
  CHECK(state.BeginStop());
  CHECK_FALSE(state.BeginStop());
  CHECK_FALSE(state.CheckCanStart("proxy").ok());
}

TEST_CASE("run state: a server stopped before it started has nothing to stop", "[net][run_state]") {
  RunState state;
  CHECK_FALSE(state.BeginStop());
  CHECK_FALSE(state.CheckCanStart("agent api").ok());
}

}  // namespace
}  // namespace cara::net
