#include "server/metrics.h"

#include <cstdio>

namespace cara::server {

std::string PromLabel(const std::string& v) {
  std::string out;
  out.reserve(v.size());
  for (char c : v) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '"')
      out += "\\\"";
    else if (c == '\n')
      out += "\\n";
    else
      out.push_back(c);
  }
  return out;
}

Metrics::Metrics() : bounds_{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1} {}

void Metrics::ObserveRequest(const std::string& method, const std::string& route, int code,
                             Duration latency) {
  std::string key = "method=\"" + method + "\",route=\"" + PromLabel(route) + "\",code=\"" +
                    std::to_string(code) + "\"";
  double seconds = std::chrono::duration<double>(latency).count();
  std::string route_key = "route=\"" + PromLabel(route) + "\"";
  std::lock_guard<std::mutex> lock(mu_);
  requests_[key]++;
  Histogram& h = latency_[route_key];
  if (h.buckets.empty()) h.buckets.assign(bounds_.size(), 0);
  for (size_t i = 0; i < bounds_.size(); ++i) {
    if (seconds <= bounds_[i]) h.buckets[i]++;
  }
  h.sum += seconds;
  h.count++;
}

void Metrics::AddCollector(Collector collector) {
  std::lock_guard<std::mutex> lock(mu_);
  collectors_.push_back(std::move(collector));
}

std::string Metrics::Render() {
  std::string out;
  std::vector<Collector> collectors;
  {
    std::lock_guard<std::mutex> lock(mu_);
    out += "# HELP cara_http_requests_total HTTP requests served, by method, route and code.\n";
    out += "# TYPE cara_http_requests_total counter\n";
    for (const auto& [labels, n] : requests_) {
      out += "cara_http_requests_total{" + labels + "} " + std::to_string(n) + "\n";
    }
    out += "# HELP cara_http_request_duration_seconds HTTP request latency, by route.\n";
    out += "# TYPE cara_http_request_duration_seconds histogram\n";
    char buf[64];
    for (const auto& [labels, h] : latency_) {
      for (size_t i = 0; i < bounds_.size(); ++i) {
        std::snprintf(buf, sizeof buf, "%g", bounds_[i]);
        out += "cara_http_request_duration_seconds_bucket{" + labels + ",le=\"" + buf + "\"} " +
               std::to_string(h.buckets[i]) + "\n";
      }
      out += "cara_http_request_duration_seconds_bucket{" + labels + ",le=\"+Inf\"} " +
             std::to_string(h.count) + "\n";
      std::snprintf(buf, sizeof buf, "%.9g", h.sum);
      out += "cara_http_request_duration_seconds_sum{" + labels + "} " + buf + "\n";
      out += "cara_http_request_duration_seconds_count{" + labels + "} " + std::to_string(h.count) +
             "\n";
    }
    collectors = collectors_;
  }
  for (const auto& c : collectors) c(out);
  return out;
}

}  // namespace cara::server
