#include "api/yaml_scalar.h"

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <limits>

#include <nlohmann/json.hpp>

namespace cara::api {
namespace {

using json = nlohmann::json;

bool IsOneOf(std::string_view s, std::initializer_list<std::string_view> options) {
  return std::find(options.begin(), options.end(), s) != options.end();
}

bool AllDigits(std::string_view s, int base) {
  if (s.empty()) return false;
  return std::all_of(s.begin(), s.end(), [base](char c) {
    if (c >= '0' && c <= '9') return c - '0' < base;
    char lower = static_cast<char>(c | 0x20);
    return base == 16 && lower >= 'a' && lower <= 'f';
  });
}

// [-+]? ( \. [0-9]+ | [0-9]+ ( \. [0-9]* )? ) ( [eE] [-+]? [0-9]+ )?
bool IsCoreFloat(std::string_view s) {
  size_t i = 0;
  auto digits = [&] {
    size_t start = i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
    return i - start;
  };
  if (i < s.size() && (s[i] == '-' || s[i] == '+')) ++i;
  size_t integral = digits();
  size_t fraction = 0;
  if (i < s.size() && s[i] == '.') {
    ++i;
    fraction = digits();
  }
  if (integral == 0 && fraction == 0) return false;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '-' || s[i] == '+')) ++i;
    if (digits() == 0) return false;
  }
  return i == s.size();
}

json ParseInteger(std::string_view digits, int base, bool negative) {
  uint64_t magnitude = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), magnitude, base);
  if (ec == std::errc() && end == digits.data() + digits.size()) {
    if (!negative) {
      if (magnitude <= uint64_t(std::numeric_limits<int64_t>::max())) return int64_t(magnitude);
      return magnitude;
    }
    if (magnitude <= uint64_t(std::numeric_limits<int64_t>::max()) + 1) {
      return int64_t(0 - magnitude);  // two's complement negation, no overflow
    }
  }
  // Too large for 64 bits: keep the magnitude, lose precision.
  double value = 0;
  for (char c : digits) value = value * base + (c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10);
  return negative ? -value : value;
}

json ParseFloat(std::string_view s) {
  if (!s.empty() && s[0] == '+') s.remove_prefix(1);
  double value = 0;
  std::from_chars(s.data(), s.data() + s.size(), value);
  return value;
}

}  // namespace

bool ResolvePlainScalar(std::string_view s, nlohmann::json& out) {
  if (s.empty() || IsOneOf(s, {"~", "null", "Null", "NULL"})) {
    out = nullptr;
  } else if (IsOneOf(s, {"true", "True", "TRUE"})) {
    out = true;
  } else if (IsOneOf(s, {"false", "False", "FALSE"})) {
    out = false;
  } else if (s.size() > 2 && s[0] == '0' && s[1] == 'x' && AllDigits(s.substr(2), 16)) {
    out = ParseInteger(s.substr(2), 16, false);
  } else if (s.size() > 2 && s[0] == '0' && s[1] == 'o' && AllDigits(s.substr(2), 8)) {
    out = ParseInteger(s.substr(2), 8, false);
  } else if (AllDigits(s[0] == '-' || s[0] == '+' ? s.substr(1) : s, 10)) {
    out = ParseInteger(s[0] == '-' || s[0] == '+' ? s.substr(1) : s, 10, s[0] == '-');
  } else if (IsCoreFloat(s)) {
    out = ParseFloat(s);
  } else if (IsOneOf(s, {".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF"})) {
    out = std::numeric_limits<double>::infinity();
  } else if (IsOneOf(s, {"-.inf", "-.Inf", "-.INF"})) {
    out = -std::numeric_limits<double>::infinity();
  } else if (IsOneOf(s, {".nan", ".NaN", ".NAN"})) {
    out = std::numeric_limits<double>::quiet_NaN();
  } else {
    return false;
  }
  return true;
}

}  // namespace cara::api
