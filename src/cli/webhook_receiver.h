// sync --watch --webhook-listen: what the listener answers to a Git host's
// webhook. A request must carry a valid signature (GitHub
// X-Hub-Signature-256, Gitea X-Gitea-Signature, GitLab X-Gitlab-Token) or it
// gets 401 and starts nothing; a verified push for the watched repository
// and ref starts the next round at once; pings and other events are answered
// and ignored, so the host shows the delivery as a success.
#pragma once

#include <functional>
#include <string>

#include "gitops/source_spec.h"
#include "net/http_message.h"

namespace cara::cli {

// What became of one request, as the watcher's metrics count it.
enum class WebhookResult {
  kAccepted,      // a push for the watched source: a round was requested
  kIgnored,       // verified, but not a push for the watched repository and ref
  kUnauthorized,  // no signature, or a wrong one
  kRejected,      // not a POST, or a push payload that cannot be read
};
const char* WebhookResultName(WebhookResult result);

struct WebhookDecision {
  WebhookResult result = WebhookResult::kRejected;
  int status = 400;
  std::string message;   // the response's and the log's reason; never the secret
  std::string provider;  // "github", "gitea", "gitlab"; "" when unsigned
  std::string ref;       // of an accepted or ignored push
  std::string commit;
};

// The pure rule: what `request` amounts to for a watcher of `source` that
// shares `secret` (non-empty) with the Git host.
WebhookDecision DecideWebhook(const net::HttpRequest& request, const std::string& secret,
                              const gitops::SourceSpec& source);

// The listener's handler: decides, logs, calls `on_push` for an accepted
// push (before answering, so a client that got 202 knows the round is
// requested) and `on_result` for every request, then answers with JSON.
class WebhookReceiver {
 public:
  WebhookReceiver(std::string secret, gitops::SourceSpec source, std::function<void()> on_push,
                  std::function<void(WebhookResult)> on_result)
      : secret_(std::move(secret)),
        source_(std::move(source)),
        on_push_(std::move(on_push)),
        on_result_(std::move(on_result)) {}

  void Handle(const net::HttpRequest& request, net::HttpResponse& response) const;

 private:
  std::string secret_;
  gitops::SourceSpec source_;
  std::function<void()> on_push_;
  std::function<void(WebhookResult)> on_result_;
};

}  // namespace cara::cli
