#include "common/go_quote.h"

#include <catch2/catch.hpp>

namespace cara {

TEST_CASE("GoQuote quotes like Go's %q, so no value can break a line", "[go_quote]") {
  CHECK(GoQuote("web") == "\"web\"");
  CHECK(GoQuote("a \"b\" \\ c") == "\"a \\\"b\\\" \\\\ c\"");
  CHECK(GoQuote("line\nnext\tx\r") == "\"line\\nnext\\tx\\r\"");
  CHECK(GoQuote(std::string("\x01\x7f", 2)) == "\"\\x01\\x7f\"");
  CHECK(GoQuote("") == "\"\"");
}

}  // namespace cara
