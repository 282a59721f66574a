// net/percent_encoding: encoding for paths and queries, and its reverse.
#include "net/percent_encoding.h"

#include <catch2/catch.hpp>

namespace cara::net {
namespace {

TEST_CASE("PercentEncode keeps unreserved bytes and what it is told", "[net][percent]") {
  CHECK(PercentEncode("a b/c~") == "a%20b%2Fc~");
  CHECK(PercentEncode("localhost:5000/a", "/:") == "localhost:5000/a");
}

TEST_CASE("PercentDecode reverses it and refuses broken escapes", "[net][percent]") {
  CHECK(PercentDecode("a%20b%2fc") == "a b/c");
  CHECK(PercentDecode("a+b") == "a+b");
  CHECK(PercentDecode("a+b", /*plus_is_space=*/true) == "a b");
  CHECK(PercentDecode(PercentEncode("\xff\x01 ?&=")) == "\xff\x01 ?&=");
  CHECK_FALSE(PercentDecode("%").has_value());
  CHECK_FALSE(PercentDecode("%4").has_value());
  CHECK_FALSE(PercentDecode("%zz").has_value());
  CHECK_FALSE(PercentDecode("ab%2").has_value());
}

}  // namespace
}  // namespace cara::net
