// Kubernetes-style resource quantities.
#include "api/quantity.h"

#include <catch2/catch.hpp>

namespace cara::api {
namespace {

int64_t Milli(const char* text) {
  auto q = ParseQuantity(text);
  INFO(text << ": " << q.status().message());
  REQUIRE(q.ok());
  return q->milli;
}

TEST_CASE("quantities parse into thousandths", "[quantity]") {
  CHECK(Milli("500m") == 500);
  CHECK(Milli("2") == 2000);
  CHECK(Milli("1.5") == 1500);
  CHECK(Milli("0.5") == Milli("500m"));
  CHECK(Milli(".5") == 500);
  CHECK(Milli("1.") == 1000);
  CHECK(Milli("0") == 0);
  CHECK(Milli("256Mi") == 256LL * 1024 * 1024 * 1000);
  CHECK(Milli("4Gi") == 4LL * 1024 * 1024 * 1024 * 1000);
  CHECK(Milli("1Ki") == 1024 * 1000);
  CHECK(Milli("1Ti") == (1LL << 40) * 1000);
  CHECK(Milli("1e3") == 1000 * 1000);
  CHECK(Milli("1E3") == 1000 * 1000);
  CHECK(Milli("5e-1") == 500);
  CHECK(Milli("2e+2") == 200 * 1000);
  CHECK(Milli("10k") == 10 * 1000 * 1000);
  CHECK(Milli("1M") == 1000LL * 1000 * 1000);
  CHECK(Milli("1G") == 1000LL * 1000 * 1000 * 1000);
  CHECK(Milli("1.1") == 1100);
  CHECK(Milli("0.1") == 100);
  CHECK(Milli("+1") == 1000);
}

TEST_CASE("precision below a milli rounds up", "[quantity]") {
  CHECK(Milli("0.1m") == 1);
  CHECK(Milli("1.0001") == 1001);
  CHECK(Milli("0.0000001") == 1);
}

TEST_CASE("quantities compare by value", "[quantity]") {
  CHECK(*ParseQuantity("1Gi") > *ParseQuantity("1G"));
  CHECK(*ParseQuantity("1000m") == *ParseQuantity("1"));
  CHECK(*ParseQuantity("1e3") == *ParseQuantity("1k"));
  CHECK(ParseQuantity("1500m")->Value() == 1);
  CHECK(ParseQuantity("256Mi")->Value() == 256LL * 1024 * 1024);
}

TEST_CASE("invalid quantities are refused", "[quantity]") {
  for (const char* text :
       {"",   "m",   "Mi",    "abc",  "1.2.3", "5 Mi", " 5", "5 ", "1Mb",  "1mi", "1KI",
        "1e", "1e+", "1e1.5", "0x10", "1,5",   "--1",  "+",  ".",  "1ee3", "1Gi2"}) {
    auto q = ParseQuantity(text);
    INFO('"' << text << '"');
    CHECK_FALSE(q.ok());
    if (!q.ok()) {
      CHECK(q.status().code() == Code::kInvalid);
      CHECK(q.status().message() == "invalid quantity \"" + std::string(text) + "\"");
    }
  }
}

TEST_CASE("quantities too large for 64 bits are refused", "[quantity]") {
  for (const char* text : {"10Ei", "9E", "1e20", "99999999999999999999"}) {
    auto q = ParseQuantity(text);
    INFO(text);
    REQUIRE_FALSE(q.ok());
    CHECK(q.status().message() == "quantity \"" + std::string(text) + "\" is out of range");
  }
  CHECK(ParseQuantity("8Pi").ok());
}

TEST_CASE("numbers too long for a long double are refused, not thrown", "[quantity]") {
  const std::string digits(5000, '9');
  for (const std::string& text : {digits, digits + "Mi", "1e" + digits, "1." + digits + "e4000",
                                  std::string("1e99999"), std::string("9e4931")}) {
    INFO(text.substr(0, 40));
    Result<Quantity> q = Status::Internal("not parsed");
    REQUIRE_NOTHROW(q = ParseQuantity(text));
    REQUIRE_FALSE(q.ok());
    CHECK(q.status().message() == "quantity \"" + text + "\" is out of range");
  }
  CHECK(ParseQuantity("0." + std::string(5000, '0') + "1").ok());
  CHECK(ParseQuantity("1e-" + digits).ok());
  CHECK(Milli("0e99999") == 0);
}

TEST_CASE("agent report formats", "[quantity]") {
  CHECK(FormatMillicores(1500) == "1500m");
  CHECK(FormatMillicores(0) == "0m");
  CHECK(FormatMebibytes(2048LL * 1024 * 1024) == "2048Mi");
  CHECK(FormatMebibytes(1024 * 1024 + 5) == "1Mi");
  CHECK(Milli(FormatMebibytes(512LL * 1024 * 1024).c_str()) == 512LL * 1024 * 1024 * 1000);
}

}  // namespace
}  // namespace cara::api
