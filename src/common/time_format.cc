#include "common/time_format.h"

#include <cmath>
#include <cstdio>

namespace cara {
namespace {

bool ReadDigits(std::string_view s, size_t& pos, size_t n, int& out) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (size_t i = 0; i < n; ++i) {
    char c = s[pos + i];
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  pos += n;
  out = v;
  return true;
}

bool Expect(std::string_view s, size_t& pos, char a, char b = 0) {
  if (pos >= s.size()) return false;
  if (s[pos] != a && (b == 0 || s[pos] != b)) return false;
  ++pos;
  return true;
}

// The Go zero time cannot be represented; it reads as the earliest Timestamp,
// and that formats as the Go zero time again.
constexpr std::chrono::sys_seconds kGoZeroSeconds{std::chrono::seconds(-62135596800)};
constexpr Timestamp kGoZero = Timestamp::min();
constexpr std::chrono::sys_seconds kMinSeconds =
    std::chrono::floor<std::chrono::seconds>(Timestamp::min());
constexpr std::chrono::sys_seconds kMaxSeconds =
    std::chrono::floor<std::chrono::seconds>(Timestamp::max());

}  // namespace

Result<Timestamp> ParseRfc3339(std::string_view s) {
  auto fail = [&] {
    return Status::Invalid("invalid RFC 3339 timestamp \"" + std::string(s) + "\"");
  };
  size_t pos = 0;
  int year, month, day, hour, minute, second;
  if (!ReadDigits(s, pos, 4, year) || !Expect(s, pos, '-') || !ReadDigits(s, pos, 2, month) ||
      !Expect(s, pos, '-') || !ReadDigits(s, pos, 2, day) || !Expect(s, pos, 'T', 't') ||
      !ReadDigits(s, pos, 2, hour) || !Expect(s, pos, ':') || !ReadDigits(s, pos, 2, minute) ||
      !Expect(s, pos, ':') || !ReadDigits(s, pos, 2, second)) {
    return fail();
  }
  using namespace std::chrono;
  year_month_day ymd{std::chrono::year(year), std::chrono::month(month), std::chrono::day(day)};
  if (!ymd.ok() || hour > 23 || minute > 59 || second > 60) return fail();
  int64_t nanos = 0;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    size_t digits = 0;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      if (digits < 9) nanos = nanos * 10 + (s[pos] - '0');
      ++digits;
      ++pos;
    }
    if (digits == 0) return fail();
    for (size_t i = digits; i < 9; ++i) nanos *= 10;
  }
  int offset_minutes = 0;
  if (pos < s.size() && (s[pos] == 'Z' || s[pos] == 'z')) {
    ++pos;
  } else if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
    int sign = s[pos] == '-' ? -1 : 1;
    ++pos;
    int oh, om;
    if (!ReadDigits(s, pos, 2, oh) || !Expect(s, pos, ':') || !ReadDigits(s, pos, 2, om) ||
        oh > 23 || om > 59) {
      return fail();
    }
    offset_minutes = sign * (oh * 60 + om);
  } else {
    return fail();
  }
  if (pos != s.size()) return fail();
  // Whole seconds first: a Timestamp counts nanoseconds in 64 bits, which
  // only spans the years 1678..2261, and converting an earlier or later date
  // would overflow (the Go zero time, year 1, among them).
  sys_seconds whole =
      sys_days(ymd) + hours(hour) + minutes(minute) + seconds(second) - minutes(offset_minutes);
  if (whole == kGoZeroSeconds && nanos == 0) return kGoZero;
  if (whole <= kMinSeconds || whole >= kMaxSeconds) {
    return Status::Invalid("timestamp \"" + std::string(s) +
                           "\" is out of range: years 1678 to 2261 are supported");
  }
  return Timestamp(whole) + nanoseconds(nanos);
}

namespace {

std::string FormatDateTime(Timestamp t, bool with_fraction) {
  using namespace std::chrono;
  auto day_point = floor<days>(t);
  year_month_day ymd(day_point);
  auto since_midnight = t - day_point;
  auto h = duration_cast<hours>(since_midnight);
  auto m = duration_cast<minutes>(since_midnight - h);
  auto sec = duration_cast<seconds>(since_midnight - h - m);
  int64_t nanos = (since_midnight - h - m - sec).count();
  char buf[64];
  int n = std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02d", int(ymd.year()),
                        unsigned(ymd.month()), unsigned(ymd.day()), int(h.count()), int(m.count()),
                        int(sec.count()));
  std::string out(buf, n);
  if (with_fraction && nanos > 0) {
    char frac[16];
    std::snprintf(frac, sizeof frac, ".%09lld", static_cast<long long>(nanos));
    std::string f(frac);
    while (f.back() == '0') f.pop_back();
    out += f;
  }
  out += 'Z';
  return out;
}

}  // namespace

std::string FormatRfc3339(Timestamp t) {
  return t == kGoZero ? "0001-01-01T00:00:00Z" : FormatDateTime(t, true);
}
std::string FormatRfc3339Seconds(Timestamp t) {
  return t == kGoZero ? "0001-01-01T00:00:00Z" : FormatDateTime(t, false);
}

bool IsGoZeroTime(Timestamp t) { return t == kGoZero; }

namespace {

Result<Duration> ParseDurationUnits(std::string_view s, bool allow_days) {
  const std::string original(s);
  auto fail = [&] { return Status::Invalid("invalid duration \"" + original + "\""); };
  if (s.empty()) return fail();
  bool negative = false;
  if (s[0] == '-' || s[0] == '+') {
    negative = s[0] == '-';
    s.remove_prefix(1);
  }
  if (s == "0") return Duration(0);
  if (s.empty()) return fail();
  long double total = 0;
  while (!s.empty()) {
    size_t i = 0;
    while (i < s.size() && ((s[i] >= '0' && s[i] <= '9') || s[i] == '.')) ++i;
    if (i == 0) return fail();
    std::string number(s.substr(0, i));
    if (number == ".") return fail();
    s.remove_prefix(i);
    size_t j = 0;
    while (j < s.size() && !((s[j] >= '0' && s[j] <= '9') || s[j] == '.')) ++j;
    std::string unit(s.substr(0, j));
    s.remove_prefix(j);
    long double scale;
    if (unit == "ns")
      scale = 1;
    else if (unit == "us" || unit == "\xC2\xB5s" || unit == "\xCE\xBCs")
      scale = 1e3;
    else if (unit == "ms")
      scale = 1e6;
    else if (unit == "s")
      scale = 1e9;
    else if (unit == "m")
      scale = 60e9;
    else if (unit == "h")
      scale = 3600e9;
    else if (unit == "d" && allow_days)
      scale = 86400e9;
    else
      return fail();
    char* end = nullptr;
    long double v = std::strtold(number.c_str(), &end);
    if (end != number.c_str() + number.size()) return fail();
    total += v * scale;
  }
  if (total > 9.2e18) return fail();
  auto ns = static_cast<int64_t>(std::llround(static_cast<double>(total)));
  return Duration(negative ? -ns : ns);
}

}  // namespace

Result<Duration> ParseDuration(std::string_view text) { return ParseDurationUnits(text, false); }

Result<Duration> ParseDurationWithDays(std::string_view text) {
  return ParseDurationUnits(text, true);
}

namespace {

// value / 10^digits in decimal, trailing zeros of the fraction dropped. Exact,
// unlike printf("%g"), which keeps only so many significant digits.
std::string FormatFixed(uint64_t value, int digits) {
  uint64_t scale = 1;
  for (int i = 0; i < digits; ++i) scale *= 10;
  std::string out = std::to_string(value / scale);
  uint64_t fraction = value % scale;
  if (fraction == 0) return out;
  std::string f = std::to_string(fraction);
  f.insert(0, digits - f.size(), '0');
  while (f.back() == '0') f.pop_back();
  return out + "." + f;
}

}  // namespace

std::string FormatDuration(Duration d) {
  int64_t ns = d.count();
  if (ns == 0) return "0s";
  std::string sign = ns < 0 ? "-" : "";
  uint64_t u = ns < 0 ? uint64_t(-(ns + 1)) + 1 : uint64_t(ns);
  if (u < 1000000000ULL) {
    // Sub-second: the largest unit that keeps an integer part, like Go.
    if (u < 1000) return sign + std::to_string(u) + "ns";
    if (u < 1000000) return sign + FormatFixed(u, 3) + "µs";
    return sign + FormatFixed(u, 6) + "ms";
  }
  uint64_t h = u / 3600000000000ULL;
  u -= h * 3600000000000ULL;
  uint64_t m = u / 60000000000ULL;
  u -= m * 60000000000ULL;
  std::string out = sign;
  if (h > 0) out += std::to_string(h) + "h";
  if (h > 0 || m > 0) out += std::to_string(m) + "m";
  return out + FormatFixed(u, 9) + "s";
}

std::string FormatAge(Duration d) {
  using namespace std::chrono;
  int64_t s = duration_cast<seconds>(d).count();
  if (s < 0) s = 0;
  if (s < 60) return std::to_string(s) + "s";
  if (s < 3600) return std::to_string(s / 60) + "m";
  if (s < 86400) return std::to_string(s / 3600) + "h";
  return std::to_string(s / 86400) + "d";
}

}  // namespace cara
