#include "bench/format.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace cara::bench {

std::string Thousands(double value) {
  long long n = std::llround(value);
  std::string digits = std::to_string(n < 0 ? -n : n);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return n < 0 ? "-" + out : out;
}

std::string Fixed(double value, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, value);
  return buf;
}

std::string Millis(double seconds) {
  double ms = seconds * 1000;
  return Fixed(ms, ms < 10 ? 2 : ms < 100 ? 1 : 0) + " ms";
}

std::string Seconds(double seconds) { return Fixed(seconds, seconds < 10 ? 2 : 1) + " s"; }

std::string MiB(double bytes) { return Fixed(bytes / (1024.0 * 1024.0), 1) + " MiB"; }

std::string Percent(double fraction) { return Fixed(fraction * 100, 1) + "%"; }

std::string Ratio(double figure, double baseline) {
  if (!(baseline > 0) || !std::isfinite(figure)) return "—";
  double r = figure / baseline;
  return Fixed(r, r < 10 ? 2 : 1) + "×";
}

double Quantile(std::vector<double>& values, double q) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  size_t rank = static_cast<size_t>(std::ceil(q * values.size()));
  return values[std::clamp<size_t>(rank, 1, values.size()) - 1];
}

double SecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace cara::bench
