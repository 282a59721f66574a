#include "api/quantity.h"

#include <cmath>
#include <cstdlib>
#include <limits>

namespace cara::api {
namespace {

// strtold, not std::stold: a number too large for a long double (a few
// thousand digits, or an exponent like 1e99999) is +inf here, and the range
// check below refuses it, where stold would throw std::out_of_range.
long double ToLongDouble(const std::string& digits) {
  return std::strtold(digits.c_str(), nullptr);
}

}  // namespace

Result<Quantity> ParseQuantity(std::string_view text) {
  const std::string original(text);
  auto fail = [&] { return Status::Invalid("invalid quantity \"" + original + "\""); };
  if (text.empty()) return fail();
  size_t i = 0;
  if (text[0] == '+' || text[0] == '-') ++i;
  size_t digits_start = i;
  bool seen_dot = false;
  size_t digit_count = 0;
  while (i < text.size() && ((text[i] >= '0' && text[i] <= '9') || (text[i] == '.' && !seen_dot))) {
    if (text[i] == '.')
      seen_dot = true;
    else
      ++digit_count;
    ++i;
  }
  if (digit_count == 0) return fail();
  std::string number(text.substr(0, i));
  std::string_view suffix = text.substr(i);
  (void)digits_start;

  long double multiplier = 1;
  if (suffix.empty())
    multiplier = 1;
  else if (suffix == "m")
    multiplier = 1e-3;
  else if (suffix == "k")
    multiplier = 1e3;
  else if (suffix == "M")
    multiplier = 1e6;
  else if (suffix == "G")
    multiplier = 1e9;
  else if (suffix == "T")
    multiplier = 1e12;
  else if (suffix == "P")
    multiplier = 1e15;
  else if (suffix == "E")
    multiplier = 1e18;
  else if (suffix == "Ki")
    multiplier = 1024.0L;
  else if (suffix == "Mi")
    multiplier = 1024.0L * 1024;
  else if (suffix == "Gi")
    multiplier = 1024.0L * 1024 * 1024;
  else if (suffix == "Ti")
    multiplier = 1024.0L * 1024 * 1024 * 1024;
  else if (suffix == "Pi")
    multiplier = 1024.0L * 1024 * 1024 * 1024 * 1024;
  else if (suffix == "Ei")
    multiplier = 1024.0L * 1024 * 1024 * 1024 * 1024 * 1024;
  else if (suffix[0] == 'e' || suffix[0] == 'E') {
    std::string exp(suffix.substr(1));
    if (exp.empty()) return fail();
    size_t k = (exp[0] == '+' || exp[0] == '-') ? 1 : 0;
    if (k == exp.size()) return fail();
    for (; k < exp.size(); ++k) {
      if (exp[k] < '0' || exp[k] > '9') return fail();
    }
    multiplier = std::pow(10.0L, ToLongDouble(exp));
  } else {
    return fail();
  }
  long double mantissa = ToLongDouble(number);
  if (mantissa == 0) return Quantity{0};  // also "0e99999", whose multiplier is +inf
  long double value = mantissa * multiplier * 1000.0L;
  if (!(value <= static_cast<long double>(std::numeric_limits<int64_t>::max())) ||
      value < static_cast<long double>(std::numeric_limits<int64_t>::min())) {
    return Status::Invalid("quantity \"" + original + "\" is out of range");
  }
  // Round up like Kubernetes does when precision is lost (1m granularity).
  return Quantity{static_cast<int64_t>(std::ceil(value - 1e-9L))};
}

std::string FormatMillicores(int64_t millicores) { return std::to_string(millicores) + "m"; }
std::string FormatMebibytes(int64_t bytes) { return std::to_string(bytes / (1024 * 1024)) + "Mi"; }

}  // namespace cara::api
