#include "cli/sync_notifier.h"

#include "net/webhook_post.h"

namespace cara::cli {
namespace {

constexpr Duration kPostTimeout = std::chrono::seconds(5);

}  // namespace

Status CheckNotifyFlags(const std::vector<std::string>& urls, const std::string& format) {
  if (format != "json" && format != "slack") {
    return Status::Invalid("--notify-format: must be json or slack, not \"" + format + "\"");
  }
  for (const std::string& url : urls) {
    // The URL's path may be the receiver's secret: the message names it not.
    auto parsed = net::ParseWebhookUrl(url);
    if (!parsed.ok()) return Status::Invalid("--notify: " + parsed.status().message());
  }
  return Status::Ok();
}

SyncNotifier::SyncNotifier(const std::vector<std::string>& urls, const std::string& format,
                           Clock* clock)
    : clock_(clock), slack_(format == "slack") {
  for (const std::string& url : urls) {
    net::WebhookUrl parsed = net::ParseWebhookUrl(url).value();
    auto post = [parsed](const std::string& body) {
      return net::PostJson(parsed, body, kPostTimeout);
    };
    senders_.push_back(std::make_unique<NotificationSender>(net::RedactedWebhookUrl(parsed), post,
                                                            clock, NotificationSender::Options{}));
  }
}

void SyncNotifier::Observe(const gitops::RoundReport& round) {
  std::optional<gitops::SyncNotification> n = policy_.Next(round);
  if (!n) return;
  const std::string body = slack_ ? gitops::SlackMessageJson(*n) : gitops::NotificationJson(*n);
  for (auto& sender : senders_) sender->Send(body);
}

void SyncNotifier::Stop() {
  // One drain for all: a dead receiver does not add its time to another's.
  const MonotonicTime deadline = clock_->SteadyNow() + NotificationSender::Options{}.drain;
  for (auto& sender : senders_) sender->Stop(deadline);
}

}  // namespace cara::cli
