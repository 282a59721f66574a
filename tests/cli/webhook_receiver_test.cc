// The webhook listener's rule (DecideWebhook) and the watcher's metrics
// text, as pure functions. The real listener on real HTTP, against the real
// caractrl binary, is in sync_webhook_cli_test.cc.
#include <catch2/catch.hpp>

#include <chrono>

#include "cli/watch_metrics.h"
#include "cli/webhook_receiver.h"
#include "common/hex.h"
#include "security/webhook_signature.h"

namespace cara::cli {
namespace {

constexpr char kSecret[] = "s3cret-for-tests";
constexpr char kPush[] =
    R"({"ref":"refs/heads/main","after":"0123456789abcdef0123456789abcdef01234567",)"
    R"("repository":{"full_name":"ops/cluster","default_branch":"main",)"
    R"("clone_url":"https://git.example.com/ops/cluster.git"}})";

gitops::SourceSpec Watched() {
  gitops::SourceSpec s;
  s.repo = "git@git.example.com:ops/cluster.git";
  s.ref = "main";
  return s;
}

std::string GitHubSignature(const std::string& secret, const std::string& body) {
  std::string mac = security::HmacSha256(secret, body);
  return "sha256=" + LowerHex(reinterpret_cast<const unsigned char*>(mac.data()), mac.size());
}

net::HttpRequest Post(std::string body, net::HeaderList headers) {
  net::HttpRequest r;
  r.method = "POST";
  r.target = "/";
  r.body = std::move(body);
  r.headers = std::move(headers);
  return r;
}

net::HttpRequest GitHub(const std::string& event, const std::string& body,
                        const std::string& secret = kSecret) {
  return Post(body,
              {{"X-GitHub-Event", event}, {"x-hub-signature-256", GitHubSignature(secret, body)}});
}

WebhookDecision Decide(const net::HttpRequest& r) { return DecideWebhook(r, kSecret, Watched()); }

TEST_CASE("a signed push for the watched repository and ref is accepted", "[webhook]") {
  WebhookDecision d = Decide(GitHub("push", kPush));
  CHECK(d.result == WebhookResult::kAccepted);
  CHECK(d.status == 202);
  CHECK(d.provider == "github");
  CHECK(d.ref == "refs/heads/main");
  CHECK(d.commit == "0123456789abcdef0123456789abcdef01234567");

  std::string mac = security::HmacSha256(kSecret, kPush);
  std::string hex = LowerHex(reinterpret_cast<const unsigned char*>(mac.data()), mac.size());
  d = Decide(Post(kPush, {{"X-Gitea-Event", "push"}, {"X-Gitea-Signature", hex}}));
  CHECK(d.result == WebhookResult::kAccepted);
  CHECK(d.provider == "gitea");

  d = Decide(Post(kPush, {{"X-Gitlab-Event", "Push Hook"}, {"X-Gitlab-Token", kSecret}}));
  CHECK(d.result == WebhookResult::kAccepted);
  CHECK(d.provider == "gitlab");

  // GitHub's form encoding: the signature covers the encoded body.
  std::string form = "payload=" + std::string(kPush);
  for (size_t at = form.find('"'); at != std::string::npos; at = form.find('"', at)) {
    form.replace(at, 1, "%22");
  }
  net::HttpRequest r = GitHub("push", form);
  r.headers.emplace_back("Content-Type", "application/x-www-form-urlencoded");
  CHECK(Decide(r).result == WebhookResult::kAccepted);
}

TEST_CASE("a missing or wrong signature is 401, whatever the payload", "[webhook]") {
  for (const net::HttpRequest& r :
       {GitHub("push", kPush, "another secret"), Post(kPush, {{"X-GitHub-Event", "push"}}),
        Post(kPush, {{"X-Gitea-Signature", "00"}}),
        Post(kPush, {{"X-Gitlab-Event", "Push Hook"}, {"X-Gitlab-Token", "s3cret"}}),
        GitHub("ping", "{}", "")}) {
    WebhookDecision d = Decide(r);
    CHECK(d.result == WebhookResult::kUnauthorized);
    CHECK(d.status == 401);
    CHECK(d.message.find(kSecret) == std::string::npos);
  }
  // The body signed is the body checked: one changed byte fails.
  net::HttpRequest tampered = GitHub("push", kPush);
  tampered.body[10] = 'X';
  CHECK(Decide(tampered).status == 401);
}

TEST_CASE("pings, other events, other repositories and refs are answered and ignored",
          "[webhook]") {
  CHECK(Decide(GitHub("ping", R"({"zen":"Keep it logically awesome."})")).status == 200);
  WebhookDecision d = Decide(GitHub("issues", "{}"));
  CHECK(d.result == WebhookResult::kIgnored);
  CHECK(d.message == "ignored: event issues is not a push");

  std::string dev = kPush;
  dev.replace(dev.find("refs/heads/main"), 15, "refs/heads/dev");
  d = Decide(GitHub("push", dev));
  CHECK(d.result == WebhookResult::kIgnored);
  CHECK(d.status == 202);
  CHECK(d.message == "ignored: push to refs/heads/dev, not the watched ref main");

  std::string other = kPush;
  other.replace(other.find("ops/cluster"), 11, "ops/website");
  other.replace(other.find("ops/cluster"), 11, "ops/website");
  CHECK(Decide(GitHub("push", other)).message == "ignored: push is for another repository");
}

TEST_CASE("a push that cannot be read is 400, a GET is 405", "[webhook]") {
  WebhookDecision d = Decide(GitHub("push", "{not json"));
  CHECK(d.result == WebhookResult::kRejected);
  CHECK(d.status == 400);
  net::HttpRequest get = GitHub("push", kPush);
  get.method = "GET";
  CHECK(Decide(get).status == 405);
}

TEST_CASE("WebhookReceiver pokes only for an accepted push, before it answers", "[webhook]") {
  int pokes = 0;
  std::vector<std::string> results;
  WebhookReceiver receiver(
      kSecret, Watched(), [&] { ++pokes; },
      [&](WebhookResult r) { results.push_back(WebhookResultName(r)); });
  net::HttpResponse res;
  receiver.Handle(GitHub("push", kPush, "wrong"), res);
  CHECK(res.status == 401);
  CHECK(pokes == 0);
  receiver.Handle(GitHub("ping", "{}"), res);
  CHECK(pokes == 0);
  net::HttpResponse accepted;
  receiver.Handle(GitHub("push", kPush), accepted);
  CHECK(accepted.status == 202);
  CHECK(accepted.body == R"({"message":"sync round started","result":"accepted"})");
  CHECK(pokes == 1);
  CHECK(results == std::vector<std::string>{"unauthorized", "ignored", "accepted"});
}

gitops::RoundReport Round(int cycle, gitops::RoundOutcome outcome) {
  gitops::RoundReport r;
  r.cycle = cycle;
  r.outcome = outcome;
  r.source_id = "https://git.example.com/ops/cluster.git//prod";
  r.commit = "0123456789abcdef0123456789abcdef01234567";
  r.started = Timestamp(std::chrono::seconds(1765000000));
  r.duration = std::chrono::milliseconds(1500);
  return r;
}

TEST_CASE("WatchMetrics: results, actions, drift and degraded from the rounds", "[webhook]") {
  WatchMetrics metrics("https://git.example.com/ops/\"cluster\".git//prod");
  std::string before = metrics.Render();
  CHECK(before.find("cara_sync_cycles_total{outcome=\"synced\"} 0\n") != std::string::npos);
  CHECK(before.find("cara_sync_last_cycle_result") == std::string::npos);

  gitops::RoundReport synced = Round(1, gitops::RoundOutcome::kSynced);
  synced.result = gitops::RoundResult{};
  synced.result->wrote = true;
  synced.result->actions = {{"create", 2}, {"drift", 1}};
  synced.result->drift_repairs = 1;
  synced.result->degraded = 3;
  metrics.Observe(synced);
  gitops::RoundReport failed = synced;
  failed.cycle = 2;
  failed.result->exit_code = 1;
  failed.result->actions = {{"create", 1}};
  failed.result->degraded = 2;
  metrics.Observe(failed);
  metrics.Observe(Round(3, gitops::RoundOutcome::kSourceUnusable));
  metrics.CountWebhook("unauthorized");

  const std::string text = metrics.Render();
  INFO(text);
  for (const char* line :
       {"cara_sync_cycles_total{outcome=\"synced\"} 2\n",
        "cara_sync_cycles_total{outcome=\"source_unusable\"} 1\n",
        "cara_sync_last_cycle_result{result=\"source_unusable\"} 1\n",
        "cara_sync_last_cycle_result{result=\"failed\"} 0\n",
        "cara_sync_last_cycle_timestamp_seconds 1765000001.500\n",
        "cara_sync_last_cycle_duration_seconds 1.500000\n",
        "cara_sync_cycle_duration_seconds_bucket{le=\"1\"} 0\n",
        "cara_sync_cycle_duration_seconds_bucket{le=\"2.5\"} 3\n",
        "cara_sync_cycle_duration_seconds_count 3\n",
        "cara_sync_source_info{source=\"https://git.example.com/ops/\\\"cluster\\\".git//prod\","
        "commit=\"0123456789abcdef0123456789abcdef01234567\"} 1\n",
        "cara_sync_actions_total{action=\"create\"} 3\n",
        "cara_sync_actions_total{action=\"drift\"} 1\n",
        "cara_sync_actions_total{action=\"delete\"} 0\n", "cara_sync_drift_repairs_total 2\n",
        "cara_sync_degraded_projects 2\n",
        "cara_sync_webhook_requests_total{result=\"unauthorized\"} 1\n"}) {
    CHECK(text.find(line) != std::string::npos);
  }
}

}  // namespace
}  // namespace cara::cli
