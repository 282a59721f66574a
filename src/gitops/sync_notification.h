// What sync --watch tells the receivers of --notify about a round: which
// rounds are worth a message (those that wrote or failed), and the message
// itself, as a versioned JSON document or as Slack/Mattermost text. Pure:
// delivery is the caller's (cli/notification_sender.h).
//
// The JSON message (apiVersion caractrl/v1):
//
//   {
//     "apiVersion": "caractrl/v1",
//     "kind": "SyncNotification",
//     "source": "<source id>",
//     "commit": "<full SHA>" | null,       // null for a directory source
//     "cycle": 3,
//     "result": "synced" | "failed" | "degraded",
//     "startedAt": "2026-12-07T05:00:00.123Z",
//     "durationSeconds": 0.84,
//     "actions": [{                       // the actions executed, in plan order
//       "action": "create", "kind": "Project", "name": "web",
//       "outcome": "succeeded" | "failed",
//       "error": "..." | null
//     }],
//     "summary": "cycle 3 synced commit 0123456789ab: 1 create, 2 update"
//   }
//
// Objects appear by kind and name only, as in every report: no field values,
// so never a Secret's.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "gitops/sync_watch.h"

namespace cara::gitops {

struct NotifiedAction {
  std::string action;  // "create", "update", "delete", ...
  std::string kind;
  std::string name;
  bool ok = true;
  std::string error;  // the server's answer when the action failed
};

struct SyncNotification {
  std::string source;
  std::string commit;
  int cycle = 0;
  std::string result;  // "synced" | "failed" | "degraded"
  Timestamp started;
  Duration duration{0};
  std::vector<NotifiedAction> actions;
  std::string summary;  // one line of plain text, no links
};

// Decides round by round what to send. A round that wrote is always sent; a
// failure is sent once while it repeats unchanged round after round (a
// server that is down for an hour is one message, not one per interval);
// a round that did nothing sends nothing.
class NotificationPolicy {
 public:
  std::optional<SyncNotification> Next(const RoundReport& round);

 private:
  std::string last_failure_;  // what the last failed round was, "" after a good one
};

// The round as a notification, whether or not the policy would send it.
SyncNotification NotificationOf(const RoundReport& round);

// The JSON message above.
std::string NotificationJson(const SyncNotification& notification);

// {"text": "..."} for Slack and Mattermost incoming webhooks.
std::string SlackMessageJson(const SyncNotification& notification);

}  // namespace cara::gitops
