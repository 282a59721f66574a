#include "common/hex.h"

#include <catch2/catch.hpp>

namespace cara {
namespace {

TEST_CASE("LowerHex writes two lowercase digits per byte", "[hex]") {
  const unsigned char bytes[] = {0x00, 0x0f, 0xa0, 0xff, 0x5c};
  CHECK(LowerHex(bytes, sizeof(bytes)) == "000fa0ff5c");
  CHECK(LowerHex(bytes, 0).empty());
}

}  // namespace
}  // namespace cara
