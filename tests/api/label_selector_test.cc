// Kubernetes label selectors: grammar, errors and matching, table-driven
// against what k8s.io/apimachinery/pkg/labels accepts and matches.
#include "api/label_selector.h"
#include "api/label_syntax.h"

#include <catch2/catch.hpp>

namespace cara::api {
namespace {

using Op = LabelOperator;

struct ParseCase {
  const char* text;
  std::vector<LabelRequirement> want;
};

TEST_CASE("label selectors parse into requirements", "[label_selector]") {
  const std::vector<ParseCase> cases = {
      {"", {}},
      {"   ", {}},
      {"a", {{"a", Op::kExists, {}}}},
      {"!a", {{"a", Op::kDoesNotExist, {}}}},
      {" ! a ", {{"a", Op::kDoesNotExist, {}}}},
      {"a=b", {{"a", Op::kEquals, {"b"}}}},
      {"a==b", {{"a", Op::kEquals, {"b"}}}},
      {"a!=b", {{"a", Op::kNotEquals, {"b"}}}},
      {"a = b", {{"a", Op::kEquals, {"b"}}}},
      {"a=", {{"a", Op::kEquals, {""}}}},
      {"a=,b", {{"a", Op::kEquals, {""}}, {"b", Op::kExists, {}}}},
      {"tier in (b,a)", {{"tier", Op::kIn, {"a", "b"}}}},
      {"tier in(a)", {{"tier", Op::kIn, {"a"}}}},
      {"tier in ( a , b , a )", {{"tier", Op::kIn, {"a", "b"}}}},
      {"tier\tin\n(a)", {{"tier", Op::kIn, {"a"}}}},
      {"tier notin (x)", {{"tier", Op::kNotIn, {"x"}}}},
      {"a in ()", {{"a", Op::kIn, {""}}}},
      {"a in (,x)", {{"a", Op::kIn, {"", "x"}}}},
      {"a in (x,)", {{"a", Op::kIn, {"", "x"}}}},
      {"a in (x,,y)", {{"a", Op::kIn, {"", "x", "y"}}}},
      {"in in (in, notin)", {{"in", Op::kIn, {"in", "notin"}}}},
      {"notin=in", {{"notin", Op::kEquals, {"in"}}}},
      {"a>5", {{"a", Op::kGreaterThan, {"5"}}}},
      {"a < 10", {{"a", Op::kLessThan, {"10"}}}},
      {"caravanserai.io/preview=true,!draft, tier in (web,api) ,env!=prod",
       {{"caravanserai.io/preview", Op::kEquals, {"true"}},
        {"draft", Op::kDoesNotExist, {}},
        {"tier", Op::kIn, {"api", "web"}},
        {"env", Op::kNotEquals, {"prod"}}}},
      {"A_b.c-9=X_y.z-0", {{"A_b.c-9", Op::kEquals, {"X_y.z-0"}}}},
  };
  for (const auto& c : cases) {
    INFO('"' << c.text << '"');
    auto s = LabelSelector::Parse(c.text);
    INFO(s.status().message());
    REQUIRE(s.ok());
    CHECK(s->requirements() == c.want);
    CHECK(s->empty() == c.want.empty());
  }
}

struct ErrorCase {
  const char* text;
  std::string message;
};

TEST_CASE("invalid label selectors are refused with the problem and its column",
          "[label_selector]") {
  const std::vector<ErrorCase> cases = {
      {"a=b=c", "unexpected \"=\" at column 4: expected \",\" or the end"},
      {"=x", "unexpected \"=\" at column 1: expected a key or \"!\""},
      {"a,", "unexpected end: expected a key or \"!\""},
      {",a", "unexpected \",\" at column 1: expected a key or \"!\""},
      {"a,,b", "unexpected \",\" at column 3: expected a key or \"!\""},
      {"!", "unexpected end: expected a key"},
      {"!!a", "unexpected \"!\" at column 2: expected a key"},
      {"!a=b", "unexpected \"=\" at column 3: expected \",\" or the end"},
      {"a b",
       "unexpected \"b\" at column 3: expected an operator (=, ==, !=, in, notin, >, <), "
       "\",\" or the end"},
      {"a in b", "unexpected \"b\" at column 6: expected \"(\" after \"in\""},
      {"a notin", "unexpected end: expected \"(\" after \"notin\""},
      {"a in (b", "unexpected end: expected \",\" or \")\""},
      {"a in (b c)", "unexpected \"c\" at column 9: expected \",\" or \")\""},
      {"a in ((b)", "unexpected \"(\" at column 7: expected a value, \",\" or \")\""},
      {"a in (b))", "unexpected \")\" at column 9: expected \",\" or the end"},
      {"a=(b)", "unexpected \"(\" at column 3: expected a value"},
      {"a>", "unexpected end: expected an integer"},
      {"a>x", "invalid value \"x\" at column 3: \">\" needs an integer"},
      {"a<1.5", "invalid value \"1.5\" at column 3: \"<\" needs an integer"},
      {"a>-1", "at column 3: " + ValidateLabelValue("-1").message()},
      {"../x y=1", "at column 1: " + ValidateLabelKey("../x").message()},
      {"Example.com/a", "at column 1: " + ValidateLabelKey("Example.com/a").message()},
      {"a/b/c", "at column 1: " + ValidateLabelKey("a/b/c").message()},
      {"a/", "at column 1: " + ValidateLabelKey("a/").message()},
      {"-a", "at column 1: " + ValidateLabelKey("-a").message()},
      {"a=b c", "unexpected \"c\" at column 5: expected \",\" or the end"},
      {"a=-b", "at column 3: " + ValidateLabelValue("-b").message()},
  };
  for (const auto& c : cases) {
    INFO('"' << c.text << '"');
    auto s = LabelSelector::Parse(c.text);
    REQUIRE_FALSE(s.ok());
    CHECK(s.status().code() == Code::kInvalid);
    CHECK(s.status().message() == c.message);
  }
}

TEST_CASE("label keys and values have Kubernetes' length limits", "[label_selector]") {
  std::string name63(63, 'a');
  CHECK(LabelSelector::Parse(name63).ok());
  CHECK(LabelSelector::Parse(name63 + "a").status().message() ==
        "at column 1: " + ValidateLabelKey(name63 + "a").message());
  CHECK(LabelSelector::Parse("k=" + name63).ok());
  CHECK(LabelSelector::Parse("k=" + name63 + "a").status().message() ==
        "at column 3: " + ValidateLabelValue(name63 + "a").message());
  std::string prefix = std::string(63, 'p') + "." + std::string(63, 'q') + "." +
                       std::string(63, 'r') + "." + std::string(61, 's');  // 253
  CHECK(LabelSelector::Parse(prefix + "/k").ok());
  CHECK_FALSE(LabelSelector::Parse(prefix + "s/k").ok());
}

struct MatchCase {
  const char* selector;
  StringMap labels;
  bool matches;
};

TEST_CASE("label selectors match with Kubernetes' semantics", "[label_selector]") {
  const StringMap none;
  const StringMap web = {{"tier", "web"}, {"env", "prod"}};
  const StringMap empty_tier = {{"tier", ""}};
  const std::vector<MatchCase> cases = {
      {"", none, true},
      {"", web, true},
      {"tier", web, true},
      {"tier", none, false},
      {"tier", empty_tier, true},
      {"!tier", web, false},
      {"!tier", none, true},
      {"tier=web", web, true},
      {"tier==web", web, true},
      {"tier=api", web, false},
      {"tier=web", none, false},
      {"tier=", empty_tier, true},
      {"tier=", none, false},
      // != and notin match objects without the key.
      {"tier!=web", web, false},
      {"tier!=api", web, true},
      {"tier!=web", none, true},
      {"tier in (api,web)", web, true},
      {"tier in (api,db)", web, false},
      {"tier in (api,web)", none, false},
      {"tier in (,api)", empty_tier, true},
      {"tier notin (api,web)", web, false},
      {"tier notin (api)", web, true},
      {"tier notin (api)", none, true},
      {"tier=web,env=prod", web, true},
      {"tier=web,env=dev", web, false},
      {"tier=web,!preview", web, true},
      {"a>5", {{"a", "6"}}, true},
      {"a>5", {{"a", "5"}}, false},
      {"a>5", {{"a", "x"}}, false},
      {"a>5", none, false},
      {"a<5", {{"a", "-3"}}, true},
      {"a<5", {{"a", "10"}}, false},
  };
  for (const auto& c : cases) {
    INFO('"' << c.selector << '"');
    auto s = LabelSelector::Parse(c.selector);
    REQUIRE(s.ok());
    CHECK(s->Matches(c.labels) == c.matches);
  }
  CHECK(LabelSelector().Matches(web));
}

}  // namespace
}  // namespace cara::api
