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
  Timestamp t = sys_days(ymd) + hours(hour) + minutes(minute) + seconds(second) +
                nanoseconds(nanos) - minutes(offset_minutes);
  return t;
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
                        unsigned(ymd.month()), unsigned(ymd.day()), int(h.count()),
                        int(m.count()), int(sec.count()));
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

std::string FormatRfc3339(Timestamp t) { return FormatDateTime(t, true); }
std::string FormatRfc3339Seconds(Timestamp t) { return FormatDateTime(t, false); }

bool IsGoZeroTime(Timestamp t) {
  using namespace std::chrono;
  static const Timestamp kGoZero = sys_days(year_month_day{year(1), month(1), day(1)});
  return t <= kGoZero;
}

Result<Duration> ParseDuration(std::string_view s) {
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
    if (unit == "ns") scale = 1;
    else if (unit == "us" || unit == "\xC2\xB5s" || unit == "\xCE\xBCs") scale = 1e3;
    else if (unit == "ms") scale = 1e6;
    else if (unit == "s") scale = 1e9;
    else if (unit == "m") scale = 60e9;
    else if (unit == "h") scale = 3600e9;
    else return fail();
    char* end = nullptr;
    long double v = std::strtold(number.c_str(), &end);
    if (end != number.c_str() + number.size()) return fail();
    total += v * scale;
  }
  if (total > 9.2e18) return fail();
  auto ns = static_cast<int64_t>(std::llround(static_cast<double>(total)));
  return Duration(negative ? -ns : ns);
}

std::string FormatDuration(Duration d) {
  int64_t ns = d.count();
  if (ns == 0) return "0s";
  std::string sign = ns < 0 ? "-" : "";
  uint64_t u = ns < 0 ? uint64_t(-(ns + 1)) + 1 : uint64_t(ns);
  char buf[64];
  if (u < 1000000000ULL) {
    // Sub-second: the largest unit that keeps an integer part, like Go.
    if (u < 1000) return sign + std::to_string(u) + "ns";
    double v;
    const char* unit;
    if (u < 1000000) { v = u / 1e3; unit = "µs"; }
    else { v = u / 1e6; unit = "ms"; }
    std::snprintf(buf, sizeof buf, "%.9g", v);
    return sign + buf + unit;
  }
  uint64_t h = u / 3600000000000ULL;
  u -= h * 3600000000000ULL;
  uint64_t m = u / 60000000000ULL;
  u -= m * 60000000000ULL;
  std::snprintf(buf, sizeof buf, "%.9g", u / 1e9);
  std::string out = sign;
  if (h > 0) out += std::to_string(h) + "h";
  if (h > 0 || m > 0) out += std::to_string(m) + "m";
  out += std::string(buf) + "s";
  return out;
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
