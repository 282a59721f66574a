#include "cli/watch_metrics.h"

#include <array>
#include <chrono>
#include <cstdio>

namespace cara::cli {
namespace {

// Rounds range from milliseconds (nothing changed) to minutes (--wait).
constexpr std::array<double, 10> kDurationBounds = {0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300};
constexpr std::array<const char*, 6> kResults = {
    "synced", "in_sync", "failed", "suspended", "source_unusable", "cluster_unreachable"};

const char* OutcomeName(gitops::RoundOutcome outcome) {
  switch (outcome) {
    case gitops::RoundOutcome::kSuspended:
      return "suspended";
    case gitops::RoundOutcome::kSourceUnusable:
      return "source_unusable";
    case gitops::RoundOutcome::kClusterUnreachable:
      return "cluster_unreachable";
    case gitops::RoundOutcome::kUnchanged:
      return "unchanged";
    case gitops::RoundOutcome::kSynced:
      return "synced";
  }
  return "unchanged";
}

// A label value as the text format quotes it.
std::string Escape(const std::string& value) {
  std::string out;
  for (char c : value) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

std::string Number(double value, const char* format = "%.6f") {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, format, value);
  return buffer;
}

void Family(std::string& out, const char* name, const char* type, const char* help) {
  out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " " + type + "\n";
}

void Sample(std::string& out, const std::string& name, const std::string& labels,
            const std::string& value) {
  out += name + (labels.empty() ? "" : "{" + labels + "}") + " " + value + "\n";
}

void LabelledCounts(std::string& out, const char* name, const char* label,
                    const std::map<std::string, uint64_t>& counts) {
  for (const auto& [key, n] : counts) {
    Sample(out, name, std::string(label) + "=\"" + Escape(key) + "\"", std::to_string(n));
  }
}

}  // namespace

const char* RoundResultName(const gitops::RoundReport& report) {
  if (report.outcome == gitops::RoundOutcome::kUnchanged) return "in_sync";
  if (report.outcome != gitops::RoundOutcome::kSynced || !report.result) {
    return OutcomeName(report.outcome);
  }
  if (report.result->exit_code != 0) return "failed";
  return report.result->wrote ? "synced" : "in_sync";
}

WatchMetrics::WatchMetrics(std::string source_id)
    : source_id_(std::move(source_id)), duration_buckets_(kDurationBounds.size(), 0) {
  // Every series exists from the start, so rate() and absent() work before
  // the first event of each kind.
  for (auto outcome : {gitops::RoundOutcome::kSuspended, gitops::RoundOutcome::kSourceUnusable,
                       gitops::RoundOutcome::kClusterUnreachable, gitops::RoundOutcome::kUnchanged,
                       gitops::RoundOutcome::kSynced}) {
    cycles_[OutcomeName(outcome)] = 0;
  }
  for (const char* action : {"create", "update", "delete"}) actions_[action] = 0;
  for (const char* result : {"accepted", "ignored", "unauthorized", "rejected"}) {
    webhooks_[result] = 0;
  }
}

void WatchMetrics::Observe(const gitops::RoundReport& report) {
  std::lock_guard<std::mutex> lock(mu_);
  cycles_[OutcomeName(report.outcome)]++;
  last_result_ = RoundResultName(report);
  const double duration = std::chrono::duration<double>(report.duration).count();
  last_duration_seconds_ = duration;
  last_end_seconds_ =
      std::chrono::duration<double>((report.started + report.duration).time_since_epoch()).count();
  for (size_t i = 0; i < kDurationBounds.size(); ++i) {
    duration_buckets_[i] += duration <= kDurationBounds[i];
  }
  duration_count_++;
  duration_sum_ += duration;
  if (!report.commit.empty()) commit_ = report.commit;
  if (report.result) {
    for (const auto& [action, n] : report.result->actions) actions_[action] += n;
    drift_repairs_ += report.result->drift_repairs;
    degraded_ = report.result->degraded;
  }
}

void WatchMetrics::CountWebhook(const std::string& result) {
  std::lock_guard<std::mutex> lock(mu_);
  webhooks_[result]++;
}

void WatchMetrics::RenderCycles(std::string& out) const {
  Family(out, "cara_sync_cycles_total", "counter", "Sync rounds run by the watcher, by outcome.");
  LabelledCounts(out, "cara_sync_cycles_total", "outcome", cycles_);
  if (duration_count_ == 0) return;  // no "last" round yet: no sample beats a made-up one
  Family(out, "cara_sync_last_cycle_timestamp_seconds", "gauge",
         "When the last sync round ended, in seconds since the Unix epoch.");
  Sample(out, "cara_sync_last_cycle_timestamp_seconds", "", Number(last_end_seconds_, "%.3f"));
  Family(out, "cara_sync_last_cycle_duration_seconds", "gauge",
         "How long the last sync round took.");
  Sample(out, "cara_sync_last_cycle_duration_seconds", "", Number(last_duration_seconds_));
  Family(out, "cara_sync_last_cycle_result", "gauge",
         "1 for the result of the last sync round, 0 for the others.");
  for (const char* result : kResults) {
    Sample(out, "cara_sync_last_cycle_result", std::string("result=\"") + result + "\"",
           last_result_ == result ? "1" : "0");
  }
}

void WatchMetrics::RenderActions(std::string& out) const {
  Family(out, "cara_sync_actions_total", "counter",
         "Actions the watcher's sync rounds executed, by type.");
  LabelledCounts(out, "cara_sync_actions_total", "action", actions_);
  Family(out, "cara_sync_drift_repairs_total", "counter",
         "Live edits that sync rounds reverted to the source.");
  Sample(out, "cara_sync_drift_repairs_total", "", std::to_string(drift_repairs_));
  Family(out, "cara_sync_degraded_projects", "gauge",
         "Failed or unhealthy projects as of the last sync round.");
  Sample(out, "cara_sync_degraded_projects", "", std::to_string(degraded_));
}

std::string WatchMetrics::Render() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::string out;
  RenderCycles(out);
  Family(out, "cara_sync_cycle_duration_seconds", "histogram", "Durations of sync rounds.");
  for (size_t i = 0; i < kDurationBounds.size(); ++i) {
    Sample(out, "cara_sync_cycle_duration_seconds_bucket",
           "le=\"" + Number(kDurationBounds[i], "%g") + "\"", std::to_string(duration_buckets_[i]));
  }
  Sample(out, "cara_sync_cycle_duration_seconds_bucket", "le=\"+Inf\"",
         std::to_string(duration_count_));
  Sample(out, "cara_sync_cycle_duration_seconds_sum", "", Number(duration_sum_));
  Sample(out, "cara_sync_cycle_duration_seconds_count", "", std::to_string(duration_count_));
  Family(out, "cara_sync_source_info", "gauge",
         "The watched source and the commit its last round read (\"\" for a directory).");
  Sample(out, "cara_sync_source_info",
         "source=\"" + Escape(source_id_) + "\",commit=\"" + Escape(commit_) + "\"", "1");
  RenderActions(out);
  Family(out, "cara_sync_webhook_requests_total", "counter",
         "Webhook deliveries received, by result.");
  LabelledCounts(out, "cara_sync_webhook_requests_total", "result", webhooks_);
  return out;
}

}  // namespace cara::cli
