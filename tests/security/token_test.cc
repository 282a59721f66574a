#include "security/token.h"

#include <catch2/catch.hpp>
#include <regex>

namespace cara::security {
namespace {

TEST_CASE("GenerateToken makes cara_<12 hex>_<64 hex> tokens, all different", "[token]") {
  auto a = GenerateToken();
  auto b = GenerateToken();
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  CHECK(std::regex_match(a->token, std::regex("cara_[0-9a-f]{12}_[0-9a-f]{64}")));
  CHECK(a->token.substr(5, 12) == a->id);
  CHECK(a->token != b->token);
  CHECK(a->id != b->id);
}

TEST_CASE("TokenId reads the id of a well-formed token only", "[token]") {
  auto t = GenerateToken();
  REQUIRE(t.ok());
  auto id = TokenId(t->token);
  REQUIRE(id.ok());
  CHECK(*id == t->id);
  const std::string good = t->token;
  for (const std::string& bad :
       {std::string(), std::string("cara_"), good.substr(0, good.size() - 1), good + "0",
        "CARA_" + good.substr(5), good.substr(0, 17) + "-" + good.substr(18),
        good.substr(0, 10) + "G" + good.substr(11), good.substr(0, 40) + "F" + good.substr(41)}) {
    auto r = TokenId(bad);
    CHECK_FALSE(r.ok());
    if (!r.ok() && !bad.empty()) CHECK(r.status().message().find(bad) == std::string::npos);
  }
}

TEST_CASE("TokenSha256 is the SHA-256 of the whole string", "[token]") {
  // printf %s abc | sha256sum
  CHECK(TokenSha256("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST_CASE("TokenMatches accepts the token's own hash and nothing else", "[token]") {
  auto t = GenerateToken();
  REQUIRE(t.ok());
  const std::string hash = TokenSha256(t->token);
  CHECK(TokenMatches(t->token, hash));
  std::string other = t->token;
  other.back() = other.back() == '0' ? '1' : '0';
  CHECK_FALSE(TokenMatches(other, hash));
  CHECK_FALSE(TokenMatches(t->token, hash.substr(1)));
  CHECK_FALSE(TokenMatches(t->token, ""));
}

}  // namespace
}  // namespace cara::security
