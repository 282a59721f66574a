#include "security/join_token.h"

#include <catch2/catch.hpp>

namespace cara::security {
namespace {

const std::string kHash(64, 'a');

TEST_CASE("a join token round-trips through its text form", "[join]") {
  JoinToken token{kHash, "cara_0123456789ab_" + std::string(64, 'f')};
  std::string text = FormatJoinToken(token);
  CHECK(text == "K10" + kHash + "::cara_0123456789ab_" + std::string(64, 'f'));
  Result<JoinToken> parsed = ParseJoinToken(text);
  REQUIRE(parsed.ok());
  CHECK(parsed->ca_sha256 == token.ca_sha256);
  CHECK(parsed->credential == token.credential);
}

TEST_CASE("a malformed join token is refused without echoing it", "[join]") {
  const std::string secret = "cara_0123456789ab_secretsecret";
  const struct {
    std::string text;
    std::string error;
  } cases[] = {
      {"", "must start with K10"},
      {"K11" + kHash + "::" + secret, "must start with K10"},
      {"K10" + kHash + secret, "no \"::\""},
      {"K10" + std::string(63, 'a') + "::" + secret, "64 lowercase hex"},
      {"K10" + std::string(64, 'A') + "::" + secret, "64 lowercase hex"},
      {"K10" + kHash + "::", "credential is empty"},
      {"K10" + kHash + "::" + secret + " x", "spaces or control"},
  };
  for (const auto& c : cases) {
    INFO(c.text);
    Result<JoinToken> parsed = ParseJoinToken(c.text);
    REQUIRE_FALSE(parsed.ok());
    CHECK(parsed.status().code() == Code::kInvalid);
    CHECK_THAT(parsed.status().message(), Catch::Contains(c.error));
    CHECK_THAT(parsed.status().message(), !Catch::Contains("secret"));
  }
}

}  // namespace
}  // namespace cara::security
