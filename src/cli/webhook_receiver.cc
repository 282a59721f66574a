#include "cli/webhook_receiver.h"

#include <strings.h>

#include <nlohmann/json.hpp>

#include "common/log.h"
#include "gitops/push_event.h"
#include "net/percent_encoding.h"
#include "net/problem.h"
#include "security/webhook_signature.h"

namespace cara::cli {
namespace {

std::string Header(const net::HttpRequest& request, const char* name) {
  for (const auto& [key, value] : request.headers) {
    if (strcasecmp(key.c_str(), name) == 0) return value;
  }
  return "";
}

bool HasHeader(const net::HttpRequest& request, const char* name) {
  for (const auto& header : request.headers) {
    if (strcasecmp(header.first.c_str(), name) == 0) return true;
  }
  return false;
}

WebhookDecision Decision(WebhookResult result, int status, std::string message) {
  WebhookDecision d;
  d.result = result;
  d.status = status;
  d.message = std::move(message);
  return d;
}

// Which host signed the request, and whether the signature holds. Gitea
// sends GitHub's header too (the same HMAC): its own is looked at first, so
// the log names the right host.
WebhookDecision Verify(const net::HttpRequest& request, const std::string& secret) {
  WebhookDecision d = Decision(WebhookResult::kUnauthorized, 401, "webhook signature mismatch");
  bool valid = false;
  if (HasHeader(request, "X-Gitea-Signature")) {
    d.provider = "gitea";
    valid =
        security::VerifyGiteaSignature(Header(request, "X-Gitea-Signature"), secret, request.body);
  } else if (HasHeader(request, "X-Hub-Signature-256")) {
    d.provider = "github";
    valid = security::VerifyGitHubSignature(Header(request, "X-Hub-Signature-256"), secret,
                                            request.body);
  } else if (HasHeader(request, "X-Gitlab-Token")) {
    d.provider = "gitlab";
    valid = security::VerifyGitLabToken(Header(request, "X-Gitlab-Token"), secret);
  } else {
    d.message =
        "no webhook signature: expected X-Hub-Signature-256, X-Gitea-Signature or "
        "X-Gitlab-Token";
  }
  if (valid) {
    d.result = WebhookResult::kAccepted;
    d.status = 202;
    d.message.clear();
  }
  return d;
}

// The event's name from whichever host sent it; "" when none says (a
// hand-made hook), which is taken as a push.
std::string EventName(const net::HttpRequest& request) {
  for (const char* name : {"X-GitHub-Event", "X-Gitea-Event", "X-Gitlab-Event"}) {
    if (std::string event = Header(request, name); !event.empty()) return event;
  }
  return "";
}

bool IsPush(const std::string& event) {
  return event.empty() || event == "push" || event == "Push Hook" || event == "Tag Push Hook";
}

// GitHub can send the JSON form-encoded as `payload=...`; the signature
// covers the raw body either way.
std::string PayloadOf(const net::HttpRequest& request) {
  if (Header(request, "Content-Type").rfind("application/x-www-form-urlencoded", 0) != 0) {
    return request.body;
  }
  constexpr std::string_view kField = "payload=";
  std::string_view body = request.body;
  if (body.substr(0, kField.size()) != kField) return "";
  body.remove_prefix(kField.size());
  return net::PercentDecode(body.substr(0, body.find('&')), /*plus_is_space=*/true).value_or("");
}

}  // namespace

const char* WebhookResultName(WebhookResult result) {
  switch (result) {
    case WebhookResult::kAccepted:
      return "accepted";
    case WebhookResult::kIgnored:
      return "ignored";
    case WebhookResult::kUnauthorized:
      return "unauthorized";
    case WebhookResult::kRejected:
      return "rejected";
  }
  return "rejected";
}

WebhookDecision DecideWebhook(const net::HttpRequest& request, const std::string& secret,
                              const gitops::SourceSpec& source) {
  if (request.method != "POST") {
    return Decision(WebhookResult::kRejected, 405, "webhooks are POST requests");
  }
  WebhookDecision verified = Verify(request, secret);
  if (verified.result != WebhookResult::kAccepted) return verified;
  const std::string provider = verified.provider;
  const std::string event = EventName(request);
  WebhookDecision d;
  if (event == "ping") {
    d = Decision(WebhookResult::kIgnored, 200, "pong");
  } else if (!IsPush(event)) {
    d = Decision(WebhookResult::kIgnored, 202, "ignored: event " + event + " is not a push");
  } else if (auto push = gitops::ParsePushEvent(PayloadOf(request)); !push.ok()) {
    d = Decision(WebhookResult::kRejected, 400, push.status().message());
  } else {
    std::string mismatch = gitops::PushMismatch(*push, source);
    d = mismatch.empty() ? Decision(WebhookResult::kAccepted, 202, "sync round started")
                         : Decision(WebhookResult::kIgnored, 202, "ignored: " + mismatch);
    d.ref = push->ref;
    d.commit = push->after;
  }
  d.provider = provider;
  return d;
}

void WebhookReceiver::Handle(const net::HttpRequest& request, net::HttpResponse& response) const {
  const WebhookDecision d = DecideWebhook(request, secret_, source_);
  if (d.result == WebhookResult::kAccepted) on_push_();
  if (on_result_) on_result_(d.result);
  const bool refused =
      d.result == WebhookResult::kUnauthorized || d.result == WebhookResult::kRejected;
  (refused ? LOG_WARN("webhook delivery refused") : LOG_INFO("webhook delivery"))
      .Kv("result", WebhookResultName(d.result))
      .Kv("provider", d.provider)
      .Kv("ref", d.ref)
      .Kv("commit", d.commit.substr(0, 12))
      .Kv("delivery", Header(request, "X-GitHub-Delivery"))
      .Kv("from", request.remote_addr)
      .Kv("reason", d.message);
  response.status = d.status;
  if (refused) {
    response.SetHeader("Content-Type", net::kProblemContentType);
    response.body = net::ProblemBody(d.status, d.message);
    if (d.status == 405) response.SetHeader("Allow", "POST");
    return;
  }
  response.SetHeader("Content-Type", "application/json");
  response.body =
      nlohmann::json{{"result", WebhookResultName(d.result)}, {"message", d.message}}.dump();
}

}  // namespace cara::cli
