// A small Prometheus registry: request counters and latency histograms kept
// here, plus collectors that render gauges (nodes by state, projects by
// phase, controller queues) at scrape time.
#pragma once

#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "common/clock.h"

namespace cara::server {

class Metrics {
 public:
  Metrics();

  void ObserveRequest(const std::string& method, const std::string& route, int code,
                      Duration latency);

  // A collector appends complete exposition lines (with # HELP/# TYPE) to out.
  using Collector = std::function<void(std::string& out)>;
  void AddCollector(Collector collector);

  std::string Render();

 private:
  struct Histogram {
    std::vector<uint64_t> buckets;  // cumulative at render time, per bound here
    double sum = 0;
    uint64_t count = 0;
  };

  std::mutex mu_;
  std::vector<double> bounds_;
  std::map<std::string, uint64_t> requests_;  // label set -> count
  std::map<std::string, Histogram> latency_;  // route label set -> histogram
  std::vector<Collector> collectors_;
};

// Escapes a Prometheus label value.
std::string PromLabel(const std::string& value);

}  // namespace cara::server
