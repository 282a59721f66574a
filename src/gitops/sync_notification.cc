#include "gitops/sync_notification.h"

#include <cmath>

#include <nlohmann/json.hpp>

#include "common/time_format.h"

namespace cara::gitops {
namespace {

using ojson = nlohmann::ordered_json;

constexpr size_t kFailuresNamed = 3;  // a summary names this many failed actions

bool Failed(const RoundReport& round) {
  switch (round.outcome) {
    case RoundOutcome::kSourceUnusable:
    case RoundOutcome::kClusterUnreachable:
      return true;
    case RoundOutcome::kSynced:
      return round.result && round.result->exit_code != 0;
    case RoundOutcome::kSuspended:  // someone chose it: caractrl suspend, rollback
    case RoundOutcome::kUnchanged:
      return false;
  }
  return false;
}

// The executed actions of the round's JSON report (those with a result).
std::vector<NotifiedAction> ExecutedActions(const std::string& report_json) {
  std::vector<NotifiedAction> out;
  if (report_json.empty()) return out;
  nlohmann::json report = nlohmann::json::parse(report_json, nullptr, false);
  if (!report.is_object() || !report.contains("actions")) return out;
  for (const auto& a : report["actions"]) {
    if (!a.contains("result")) continue;
    NotifiedAction n;
    n.action = a.value("action", "");
    n.kind = a.value("kind", "");
    n.name = a.value("name", "");
    n.ok = a["result"].value("ok", false);
    if (!n.ok) n.error = a["result"].value("message", "");
    out.push_back(std::move(n));
  }
  return out;
}

// "1 create, 2 update"
std::string CountsText(const std::map<std::string, int>& actions) {
  std::string out;
  for (const auto& [name, count] : actions) {
    out += (out.empty() ? "" : ", ") + std::to_string(count) + " " + name;
  }
  return out.empty() ? "nothing written" : out;
}

// "2 failed (update Project/web: <error>; delete Project/api: <error>)"
std::string FailuresText(const std::vector<NotifiedAction>& actions) {
  std::string named;
  size_t failed = 0;
  for (const NotifiedAction& a : actions) {
    if (a.ok) continue;
    if (++failed <= kFailuresNamed) {
      named += (failed > 1 ? "; " : "") + a.action + " " + a.kind + "/" + a.name + ": " + a.error;
    }
  }
  if (failed == 0) return "";
  if (failed > kFailuresNamed) named += "; ...";
  return std::to_string(failed) + " failed (" + named + ")";
}

std::string SummaryOf(const RoundReport& round, const SyncNotification& n) {
  std::string head = "cycle " + std::to_string(round.cycle) + " " + n.result;
  if (!round.commit.empty()) head += " at commit " + round.commit.substr(0, 12);
  switch (round.outcome) {
    case RoundOutcome::kSourceUnusable:
      return head + ": the source is unusable, nothing was applied: " + round.error;
    case RoundOutcome::kClusterUnreachable:
      return head + ": the server is unreachable: " + round.error;
    default:
      break;
  }
  if (!round.result) return head;
  const RoundResult& r = *round.result;
  std::string text = head + ": " + CountsText(r.actions);
  if (r.degraded > 0) text += "; " + std::to_string(r.degraded) + " project(s) degraded";
  if (r.exit_code == 0) return text;
  std::string failures = FailuresText(n.actions);
  return text + "; " +
         (failures.empty() ? r.summary + " (exit code " + std::to_string(r.exit_code) + ")"
                           : failures);
}

// What makes two failed rounds the same failure.
std::string FailureKey(const RoundReport& round) {
  std::string key =
      std::to_string(static_cast<int>(round.outcome)) + "\n" + round.commit + "\n" + round.error;
  if (round.result) {
    key += "\n" + std::to_string(round.result->exit_code) + "\n" + round.result->summary;
  }
  return key;
}

std::string SlackEscape(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '&') {
      out += "&amp;";
    } else if (c == '<') {
      out += "&lt;";
    } else if (c == '>') {
      out += "&gt;";
    } else {
      out += c;
    }
  }
  return out;
}

// A server's error message is not always UTF-8: replace, never throw.
std::string Dump(const ojson& j) { return j.dump(-1, ' ', false, ojson::error_handler_t::replace); }

}  // namespace

SyncNotification NotificationOf(const RoundReport& round) {
  SyncNotification n;
  n.source = round.source_id;
  n.commit = round.commit;
  n.cycle = round.cycle;
  n.started = round.started;
  n.duration = round.duration;
  if (round.result) n.actions = ExecutedActions(round.result->report_json);
  if (Failed(round)) {
    n.result = "failed";
  } else {
    n.result = round.result && round.result->degraded > 0 ? "degraded" : "synced";
  }
  n.summary = SummaryOf(round, n);
  return n;
}

std::optional<SyncNotification> NotificationPolicy::Next(const RoundReport& round) {
  if (Failed(round)) {
    std::string key = FailureKey(round);
    const bool repeat = key == last_failure_;
    last_failure_ = std::move(key);
    if (repeat) return std::nullopt;
    return NotificationOf(round);
  }
  last_failure_.clear();
  if (round.outcome != RoundOutcome::kSynced || !round.result || !round.result->wrote) {
    return std::nullopt;
  }
  return NotificationOf(round);
}

std::string NotificationJson(const SyncNotification& n) {
  ojson j;
  j["apiVersion"] = "caractrl/v1";
  j["kind"] = "SyncNotification";
  j["source"] = n.source;
  j["commit"] = n.commit.empty() ? ojson(nullptr) : ojson(n.commit);
  j["cycle"] = n.cycle;
  j["result"] = n.result;
  j["startedAt"] = FormatRfc3339(n.started);
  j["durationSeconds"] =
      std::round(std::chrono::duration<double>(n.duration).count() * 1000) / 1000;
  j["actions"] = ojson::array();
  for (const NotifiedAction& a : n.actions) {
    j["actions"].push_back({{"action", a.action},
                            {"kind", a.kind},
                            {"name", a.name},
                            {"outcome", a.ok ? "succeeded" : "failed"},
                            {"error", a.ok ? ojson(nullptr) : ojson(a.error)}});
  }
  j["summary"] = n.summary;
  return Dump(j);
}

std::string SlackMessageJson(const SyncNotification& n) {
  // The source in a code span: chat clients do not turn a repository URL
  // there into a link.
  std::string text = "caractrl sync `" + n.source + "`: " + n.summary;
  return Dump(ojson{{"text", SlackEscape(text)}});
}

}  // namespace cara::gitops
