// net/host_port: Go's listen syntax, IPv6 brackets, and what is refused.
#include "net/host_port.h"

#include <catch2/catch.hpp>

namespace cara::net {
namespace {

TEST_CASE("SplitHostPort reads host, empty host and bracketed IPv6", "[net][host_port]") {
  auto v4 = SplitHostPort("127.0.0.1:8081");
  REQUIRE(v4.ok());
  CHECK(v4->host == "127.0.0.1");
  CHECK(v4->port == 8081);

  auto all = SplitHostPort(":0");
  REQUIRE(all.ok());
  CHECK(all->host.empty());
  CHECK(all->port == 0);

  auto v6 = SplitHostPort("[::1]:65535");
  REQUIRE(v6.ok());
  CHECK(v6->host == "::1");
  CHECK(v6->port == 65535);

  auto name = SplitHostPort("agent.local:9090");
  REQUIRE(name.ok());
  CHECK(name->host == "agent.local");
}

TEST_CASE("SplitHostPort refuses a missing or bad port with the reason", "[net][host_port]") {
  auto missing = SplitHostPort("localhost");
  REQUIRE(missing.status().code() == Code::kInvalid);
  CHECK(missing.status().message() == "missing port in address \"localhost\"");

  CHECK(SplitHostPort("[::1]").status().message() == "missing port in address \"[::1]\"");
  CHECK(SplitHostPort("[::1:80").status().message() == "missing ']' in address \"[::1:80\"");
  CHECK(SplitHostPort("::1:80").status().message() == "too many colons in address \"::1:80\"");
  CHECK(SplitHostPort("h:").status().message() == "invalid port \"\" in address \"h:\"");
  CHECK(SplitHostPort("h:65536").status().message() ==
        "invalid port \"65536\" in address \"h:65536\"");
  CHECK_FALSE(SplitHostPort("h:+80").ok());
  CHECK_FALSE(SplitHostPort("h:123456").ok());
  CHECK_FALSE(SplitHostPort("h:8o").ok());
}

TEST_CASE("JoinHostPort brackets IPv6 literals only", "[net][host_port]") {
  CHECK(JoinHostPort("10.0.0.1", 80) == "10.0.0.1:80");
  CHECK(JoinHostPort("::1", 9090) == "[::1]:9090");
  CHECK(JoinHostPort("", 8081) == ":8081");
  CHECK(JoinHostPort(StripBrackets("[fd00::2]"), 1) == "[fd00::2]:1");
  CHECK(StripBrackets("[]") == "[]");
  CHECK(StripBrackets("::1") == "::1");
}

TEST_CASE("ParsePort reads what Go's Atoi reads, within 1..65535", "[net][host_port]") {
  CHECK(ParsePort("80") == 80);
  CHECK(ParsePort("+80") == 80);
  CHECK(ParsePort("0080") == 80);
  CHECK(ParsePort("65535") == 65535);
  CHECK_FALSE(ParsePort("0").has_value());
  CHECK_FALSE(ParsePort("-80").has_value());
  CHECK_FALSE(ParsePort("65536").has_value());
  CHECK_FALSE(ParsePort("99999999999999999999").has_value());
  CHECK_FALSE(ParsePort("").has_value());
  CHECK_FALSE(ParsePort("+").has_value());
  CHECK_FALSE(ParsePort("8 0").has_value());
  CHECK_FALSE(ParsePort("http").has_value());
}

}  // namespace
}  // namespace cara::net
