// Number formatting for the results table, and the few statistics the steps
// need.
#pragma once

#include <chrono>
#include <string>
#include <vector>

namespace cara::bench {

std::string Thousands(double value);                // 12345.6 → "12,346"
std::string Fixed(double value, int decimals);      // Fixed(3.14159, 2) → "3.14"
std::string Millis(double seconds);                 // 0.0042 → "4.20 ms", 2.5 → "2500 ms"
std::string Seconds(double seconds);                // 1.234 → "1.23 s"
std::string MiB(double bytes);                      // "41.3 MiB"
std::string Percent(double fraction);               // 0.073 → "7.3%"
std::string Ratio(double figure, double baseline);  // "0.42×"; "—" when undefined

// The q-quantile (0..1) of `values` (sorted in place), nearest-rank.
double Quantile(std::vector<double>& values, double q);

double SecondsSince(std::chrono::steady_clock::time_point start);

}  // namespace cara::bench
