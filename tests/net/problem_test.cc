// net/problem: the problem+json body every component writes, and its reader.
#include "net/problem.h"

#include <catch2/catch.hpp>

namespace cara::net {
namespace {

TEST_CASE("ProblemBody writes title, status, type, detail and errors in order", "[net][problem]") {
  CHECK(ProblemBody(404, "node not found: x") ==
        R"({"title":"Not Found","status":404,)"
        R"("type":"https://developer.mozilla.org/en-US/docs/Web/HTTP/Status/404",)"
        R"("detail":"node not found: x"})");
  CHECK(ProblemBody(400, "bad", {{"/spec", "missing"}}) ==
        R"({"title":"Validation Problem","status":400,)"
        R"("type":"https://developer.mozilla.org/en-US/docs/Web/HTTP/Status/400",)"
        R"("detail":"bad","errors":[{"pointer":"/spec","detail":"missing"}]})");
  // Invalid UTF-8 is replaced, not thrown on.
  CHECK(ProblemBody(409, "\xff").find("\"detail\":\"\xEF\xBF\xBD\"") != std::string::npos);
}

TEST_CASE("ProblemTitle and ReasonPhrase", "[net][problem]") {
  CHECK(std::string(ProblemTitle(400)) == "Validation Problem");
  CHECK(std::string(ProblemTitle(405)) == "Method Not Allowed");
  CHECK(std::string(ProblemTitle(413)) == "Payload Too Large");
  CHECK(std::string(ProblemTitle(422)) ==
        "Unprocessable Content");  // a sealed value that does not open
  CHECK(std::string(ProblemTitle(502)) == "Bad Gateway");
  CHECK(std::string(ProblemTitle(418)) == "Bad Request");
  CHECK(std::string(ProblemTitle(504)) == "Internal Server Error");
  CHECK(std::string(ReasonPhrase(400)) == "Bad Request");
  CHECK(std::string(ReasonPhrase(201)) == "Created");
  CHECK(std::string(ReasonPhrase(418)).empty());
}

TEST_CASE("ParseProblem reads what ProblemBody writes", "[net][problem]") {
  auto p = ParseProblem(ProblemBody(400, "", {{"/a", "x"}, {"", "y"}}));
  REQUIRE(p.has_value());
  CHECK(p->title == "Validation Problem");
  CHECK(p->detail.empty());
  CHECK(p->errors == std::vector<std::string>{"/a: x", ": y"});

  auto strings = ParseProblem(R"({"title":"T","detail":"d","errors":["e1",3,"e2"]})");
  REQUIRE(strings.has_value());
  CHECK(strings->detail == "d");
  CHECK(strings->errors == std::vector<std::string>{"e1", "e2"});
}

TEST_CASE("ParseProblem refuses bodies that are not problems", "[net][problem]") {
  CHECK_FALSE(ParseProblem("404 page not found").has_value());
  CHECK_FALSE(ParseProblem("[1]").has_value());
  CHECK_FALSE(ParseProblem(R"({"detail":"no title"})").has_value());
  CHECK_FALSE(ParseProblem(R"({"title":7})").has_value());
  auto empty_title = ParseProblem(R"({"title":""})");
  REQUIRE(empty_title.has_value());
  CHECK(empty_title->title.empty());
}

}  // namespace
}  // namespace cara::net
