// Kubernetes label key and value syntax (api/label_syntax.h).
#include "api/label_syntax.h"

#include <string>

#include <catch2/catch.hpp>

namespace cara::api {
namespace {

TEST_CASE("label keys follow the Kubernetes qualified-name syntax", "[labels]") {
  const std::string name63(63, 'a');
  const std::string prefix253 = std::string(126, 'a') + "." + std::string(126, 'b');
  for (const std::string& key :
       {std::string("app"), std::string("a"), std::string("A"), std::string("9"),
        std::string("My.Name_1-x"), std::string("caravanserai.io/managed-by"),
        std::string("example.com/Tier"), std::string("a-b.c/x"), name63, prefix253 + "/" + name63,
        std::string("1.2.3/x")}) {
    INFO(key);
    CHECK(ValidateLabelKey(key).ok());
  }
}

TEST_CASE("bad label keys are refused with the part that is wrong", "[labels]") {
  struct Case {
    std::string key;
    std::string message;
  };
  const std::string name_rule =
      " must consist of alphanumeric characters, '-', '_' or '.', and must start and end with "
      "an alphanumeric character (e.g. \"app\", \"my.name\" or \"123-abc\")";
  const std::string prefix_rule =
      " must be a DNS subdomain: lowercase alphanumeric characters, '-' or '.', with every "
      "dot-separated part starting and ending with an alphanumeric character (e.g. "
      "\"example.com\")";
  const Case cases[] = {
      {"", "key \"\" is invalid: the name part must not be empty"},
      {"../x y", "key \"../x y\" is invalid: the prefix \"..\"" + prefix_rule},
      {"x y", "key \"x y\" is invalid: the name part \"x y\"" + name_rule},
      {"-app", "key \"-app\" is invalid: the name part \"-app\"" + name_rule},
      {"app.", "key \"app.\" is invalid: the name part \"app.\"" + name_rule},
      {"app\n", "key \"app\\n\" is invalid: the name part \"app\\n\"" + name_rule},
      {"a/b/c", "key \"a/b/c\" is invalid: must contain at most one '/'"},
      {"/x", "key \"/x\" is invalid: the prefix before '/' must not be empty"},
      {"example.com/", "key \"example.com/\" is invalid: the name part must not be empty"},
      {"Example.com/x",
       "key \"Example.com/x\" is invalid: the prefix \"Example.com\"" + prefix_rule},
      {"a..b/x", "key \"a..b/x\" is invalid: the prefix \"a..b\"" + prefix_rule},
      {"a_b/x", "key \"a_b/x\" is invalid: the prefix \"a_b\"" + prefix_rule},
      {std::string(64, 'k'), "key \"" + std::string(64, 'k') +
                                 "\" is invalid: the name part is 64 characters long: must be "
                                 "no more than 63 characters"},
      {std::string(254, 'p') + "/x",
       "key \"" + std::string(40, 'p') +
           "...\" is invalid: the prefix is 254 characters long: must be no more than 253 "
           "characters"},
  };
  for (const Case& c : cases) {
    INFO(c.key);
    Status st = ValidateLabelKey(c.key);
    REQUIRE_FALSE(st.ok());
    CHECK(st.code() == Code::kInvalid);
    CHECK(st.message() == c.message);
  }
}

TEST_CASE("label values are empty or a short name", "[labels]") {
  for (const std::string& value : {std::string(""), std::string("web"), std::string("v1.2_3-x"),
                                   std::string(63, 'v'), std::string("A")}) {
    INFO(value);
    CHECK(ValidateLabelValue(value).ok());
  }
  struct Case {
    std::string value;
    std::string message;
  };
  const Case cases[] = {
      {"a b",
       "value \"a b\" is invalid: it must consist of alphanumeric characters, '-', '_' or '.', "
       "and must start and end with an alphanumeric character (e.g. \"app\", \"my.name\" or "
       "\"123-abc\")"},
      {"a/b", ""},
      {"-a", ""},
      {"a-", ""},
      {"caractrl\"", ""},
      {std::string(64, 'v'), "value \"" + std::string(64, 'v') +
                                 "\" is invalid: it is 64 characters long: must be no more than "
                                 "63 characters"},
  };
  for (const Case& c : cases) {
    INFO(c.value);
    Status st = ValidateLabelValue(c.value);
    REQUIRE_FALSE(st.ok());
    if (!c.message.empty()) CHECK(st.message() == c.message);
  }
}

}  // namespace
}  // namespace cara::api
