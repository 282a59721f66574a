// sync --watch --notify: each round the policy picks (gitops/sync_notification.h)
// becomes one message in the chosen format, queued for every receiver's own
// sender, so one dead receiver delays no other.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "cli/notification_sender.h"
#include "gitops/sync_notification.h"

namespace cara::cli {

// "json" or "slack"; checks every URL. Invalid, naming the flag, otherwise.
Status CheckNotifyFlags(const std::vector<std::string>& urls, const std::string& format);

class SyncNotifier {
 public:
  // `urls` and `format` as CheckNotifyFlags accepted them.
  SyncNotifier(const std::vector<std::string>& urls, const std::string& format, Clock* clock);

  // A round observer (SyncWatch::AddObserver); returns at once.
  void Observe(const gitops::RoundReport& round);

  // Gives queued messages a few seconds, then stops every sender.
  void Stop();

 private:
  Clock* clock_;
  gitops::NotificationPolicy policy_;
  bool slack_ = false;
  std::vector<std::unique_ptr<NotificationSender>> senders_;
};

}  // namespace cara::cli
