// RFC 3339 timestamps, Go durations and ages.
#include "common/time_format.h"

#include <catch2/catch.hpp>

namespace cara {
namespace {

using namespace std::chrono;

Timestamp T(const char* text) {
  auto t = ParseRfc3339(text);
  INFO(text << ": " << t.status().message());
  REQUIRE(t.ok());
  return *t;
}

Timestamp Utc(int y, unsigned mo, unsigned d, int h, int mi, int s, int64_t ns = 0) {
  return sys_days(year_month_day{year(y), month(mo), day(d)}) + hours(h) + minutes(mi) +
         seconds(s) + nanoseconds(ns);
}

TEST_CASE("RFC 3339 parses", "[time]") {
  CHECK(T("2025-01-01T12:00:00Z") == Utc(2025, 1, 1, 12, 0, 0));
  CHECK(T("2025-01-01t12:00:00z") == Utc(2025, 1, 1, 12, 0, 0));
  CHECK(T("2025-01-01T12:00:00.123456Z") == Utc(2025, 1, 1, 12, 0, 0, 123456000));
  CHECK(T("2025-01-01T12:00:00.5Z") == Utc(2025, 1, 1, 12, 0, 0, 500000000));
  CHECK(T("2025-01-01T12:00:00.123456789Z") == Utc(2025, 1, 1, 12, 0, 0, 123456789));
  // More than nanosecond precision is truncated.
  CHECK(T("2025-01-01T12:00:00.1234567899Z") == Utc(2025, 1, 1, 12, 0, 0, 123456789));
  CHECK(T("2025-01-01T14:30:00+02:30") == Utc(2025, 1, 1, 12, 0, 0));
  CHECK(T("2025-01-01T07:00:00-05:00") == Utc(2025, 1, 1, 12, 0, 0));
  CHECK(T("2025-01-01T00:30:00+01:00") == Utc(2024, 12, 31, 23, 30, 0));
  CHECK(T("2024-02-29T00:00:00Z") == Utc(2024, 2, 29, 0, 0, 0));
  CHECK(T("1969-12-31T23:59:59.5Z") == Utc(1969, 12, 31, 23, 59, 59, 500000000));
}

TEST_CASE("dates a Timestamp cannot hold", "[time]") {
  // 64-bit nanoseconds reach from 1677-09-21 to 2262-04-11.
  CHECK(T("1678-01-01T00:00:00Z") < T("1970-01-01T00:00:00Z"));
  CHECK(T("2261-12-31T23:59:59.999999999Z") > T("2030-01-01T00:00:00Z"));
  for (const char* text :
       {"1600-01-01T00:00:00Z", "1677-01-01T00:00:00Z", "2263-01-01T00:00:00Z",
        "9999-12-31T23:59:59Z", "0001-01-01T00:00:00.5Z", "0001-01-01T00:00:01Z"}) {
    auto t = ParseRfc3339(text);
    INFO(text);
    REQUIRE_FALSE(t.ok());
    CHECK(t.status().message() == "timestamp \"" + std::string(text) +
                                      "\" is out of range: years 1678 to 2261 are supported");
  }
}

TEST_CASE("invalid RFC 3339 is refused", "[time]") {
  for (const char* text :
       {"", "2025-01-01", "2025-01-01T12:00:00", "2025-01-01 12:00:00Z", "2025-1-01T12:00:00Z",
        "2025-13-01T12:00:00Z", "2025-00-01T12:00:00Z", "2025-02-30T12:00:00Z",
        "2023-02-29T00:00:00Z", "2025-01-01T24:00:00Z", "2025-01-01T12:60:00Z",
        "2025-01-01T12:00:61Z", "2025-01-01T12:00:00.Z", "2025-01-01T12:00:00+0200",
        "2025-01-01T12:00:00+24:00", "2025-01-01T12:00:00ZZ", "2025-01-01T12:00:00Z ",
        "2025-01-01T12:00Z", "yesterday"}) {
    auto t = ParseRfc3339(text);
    INFO('"' << text << '"');
    CHECK_FALSE(t.ok());
    if (!t.ok()) {
      CHECK(t.status().message() == "invalid RFC 3339 timestamp \"" + std::string(text) + "\"");
    }
  }
}

TEST_CASE("RFC 3339 formats in UTC with trailing zeros dropped", "[time]") {
  CHECK(FormatRfc3339(Utc(2025, 1, 1, 12, 0, 0)) == "2025-01-01T12:00:00Z");
  CHECK(FormatRfc3339(Utc(2025, 1, 1, 12, 0, 0, 500000000)) == "2025-01-01T12:00:00.5Z");
  CHECK(FormatRfc3339(Utc(2025, 1, 1, 12, 0, 0, 123456000)) == "2025-01-01T12:00:00.123456Z");
  CHECK(FormatRfc3339(Utc(2025, 1, 1, 12, 0, 0, 1)) == "2025-01-01T12:00:00.000000001Z");
  CHECK(FormatRfc3339(Utc(1969, 12, 31, 23, 59, 59, 500000000)) == "1969-12-31T23:59:59.5Z");
  CHECK(FormatRfc3339(T("0001-01-01T00:00:00Z")) == "0001-01-01T00:00:00Z");
  CHECK(FormatRfc3339(T("2025-06-30T23:00:00.120-01:00")) == "2025-07-01T00:00:00.12Z");
  CHECK(FormatRfc3339Seconds(Utc(2025, 1, 1, 12, 0, 0, 999999999)) == "2025-01-01T12:00:00Z");
  for (const char* text :
       {"2025-01-01T12:00:00Z", "2025-01-01T12:00:00.654321Z", "2030-12-31T23:59:59.999999999Z"}) {
    CHECK(FormatRfc3339(T(text)) == text);
  }
}

TEST_CASE("the Go zero time", "[time]") {
  CHECK(IsGoZeroTime(T("0001-01-01T00:00:00Z")));
  CHECK(IsGoZeroTime(T("0001-01-01T00:00:00.000Z")));
  CHECK(IsGoZeroTime(T("0001-01-01t00:00:00z")));
  CHECK(T("0001-01-01T00:00:00Z") < T("1678-01-01T00:00:00Z"));
  CHECK_FALSE(IsGoZeroTime(T("1678-01-01T00:00:00Z")));
  CHECK(IsGoZeroTime(T("0001-01-01T01:00:00+01:00")));  // the same instant
  CHECK_FALSE(IsGoZeroTime(T("1970-01-01T00:00:00Z")));
}

Duration D(const char* text) {
  auto d = ParseDuration(text);
  INFO(text << ": " << d.status().message());
  REQUIRE(d.ok());
  return *d;
}

TEST_CASE("Go durations parse", "[time]") {
  CHECK(D("90s") == seconds(90));
  CHECK(D("1h30m") == minutes(90));
  CHECK(D("500ms") == milliseconds(500));
  CHECK(D("1.5h") == minutes(90));
  CHECK(D("2h45m30.5s") == hours(2) + minutes(45) + milliseconds(30500));
  CHECK(D("300ns") == nanoseconds(300));
  CHECK(D("10us") == microseconds(10));
  CHECK(D("10\xC2\xB5s") == microseconds(10));  // µ (micro sign)
  CHECK(D("10\xCE\xBCs") == microseconds(10));  // μ (Greek mu)
  CHECK(D(".5s") == milliseconds(500));
  CHECK(D("-1s") == seconds(-1));
  CHECK(D("+3m") == minutes(3));
  CHECK(D("0") == Duration(0));
  CHECK(D("0s") == Duration(0));
  CHECK(D("1h0m0s") == hours(1));
  CHECK(D("72h") == hours(72));
}

TEST_CASE("invalid Go durations are refused", "[time]") {
  for (const char* text : {"", "s", "10", "1d", "1h 30m", " 1s", "--1s", "1.2.3s", "h1", "+", "-",
                           ".s", "1sm", "1S", "3000000h"}) {
    auto d = ParseDuration(text);
    INFO('"' << text << '"');
    CHECK_FALSE(d.ok());
    if (!d.ok()) CHECK(d.status().message() == "invalid duration \"" + std::string(text) + "\"");
  }
}

TEST_CASE("command-line durations also take days", "[time]") {
  auto days = [](const char* text) {
    auto d = ParseDurationWithDays(text);
    INFO(text << ": " << d.status().message());
    REQUIRE(d.ok());
    return *d;
  };
  CHECK(days("3d") == hours(72));
  CHECK(days("1d12h") == hours(36));
  CHECK(days("1.5d") == hours(36));
  CHECK(days("2d30m") == hours(48) + minutes(30));
  CHECK(days("72h") == hours(72));
  CHECK(days("90s") == seconds(90));
  for (const char* text : {"", "d", "3 d", "3D", "3dd", "1w", "200000d"}) {
    INFO('"' << text << '"');
    auto d = ParseDurationWithDays(text);
    CHECK_FALSE(d.ok());
    if (!d.ok()) CHECK(d.status().message() == "invalid duration \"" + std::string(text) + "\"");
  }
  CHECK_FALSE(ParseDuration("3d").ok());  // Go syntax stays Go syntax (server and agent flags)
}

TEST_CASE("durations format like Go", "[time]") {
  CHECK(FormatDuration(Duration(0)) == "0s");
  CHECK(FormatDuration(seconds(90)) == "1m30s");
  CHECK(FormatDuration(minutes(90)) == "1h30m0s");
  CHECK(FormatDuration(hours(2)) == "2h0m0s");
  CHECK(FormatDuration(milliseconds(500)) == "500ms");
  CHECK(FormatDuration(microseconds(1500)) == "1.5ms");
  CHECK(FormatDuration(microseconds(1)) == "1\xC2\xB5s");
  CHECK(FormatDuration(nanoseconds(999)) == "999ns");
  CHECK(FormatDuration(milliseconds(1500)) == "1.5s");
  CHECK(FormatDuration(seconds(-5)) == "-5s");
  CHECK(FormatDuration(hours(1) + seconds(59) + nanoseconds(123456789)) == "1h0m59.123456789s");
  CHECK(FormatDuration(seconds(59) + nanoseconds(999999999)) == "59.999999999s");
  for (const char* text : {"1h30m0s", "500ms", "1.5s", "2h45m30.25s", "100h0m0s"}) {
    CHECK(FormatDuration(D(text)) == text);
  }
}

TEST_CASE("ages truncate to the largest unit", "[time]") {
  CHECK(FormatAge(seconds(0)) == "0s");
  CHECK(FormatAge(milliseconds(59999)) == "59s");
  CHECK(FormatAge(seconds(60)) == "1m");
  CHECK(FormatAge(seconds(3599)) == "59m");
  CHECK(FormatAge(hours(1)) == "1h");
  CHECK(FormatAge(hours(23) + minutes(59)) == "23h");
  CHECK(FormatAge(hours(24)) == "1d");
  CHECK(FormatAge(hours(24 * 400)) == "400d");
  CHECK(FormatAge(seconds(-5)) == "0s");  // clock skew
}

}  // namespace
}  // namespace cara
