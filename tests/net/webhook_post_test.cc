// Outside-receiver URLs and POSTs against a real HTTP server on loopback.
#include "net/webhook_post.h"

#include <catch2/catch.hpp>

#include <httplib.h>

#include <thread>

#include "support/process.h"

namespace cara::net {
namespace {

using namespace std::chrono_literals;

TEST_CASE("webhook URLs: http(s), host, optional port, path and query kept", "[webhook-post]") {
  auto url = ParseWebhookUrl("https://hooks.example.com/services/T/B/X?a=1#frag");
  REQUIRE(url.ok());
  CHECK(url->scheme == "https");
  CHECK(url->host == "hooks.example.com");
  CHECK(url->port == 443);
  CHECK(url->target == "/services/T/B/X?a=1");
  CHECK(RedactedWebhookUrl(*url) == "https://hooks.example.com:443/...");

  auto v6 = ParseWebhookUrl("http://[::1]:8080");
  REQUIRE(v6.ok());
  CHECK(v6->host == "::1");
  CHECK(v6->port == 8080);
  CHECK(v6->target == "/");
  CHECK(RedactedWebhookUrl(*v6) == "http://[::1]:8080/");
  CHECK(ParseWebhookUrl("http://h?x=1")->target == "/?x=1");
  CHECK(ParseWebhookUrl("http://h")->port == 80);

  for (const char* bad : {"hooks.example.com/x", "ftp://h/x", "http:///x", "http://u:p@h/x",
                          "http://h:99999/x", "http://h:0/x", "http://h:port/x"}) {
    INFO(bad);
    auto r = ParseWebhookUrl(bad);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().message().rfind("not an http(s) URL: ", 0) == 0);
  }
}

TEST_CASE("PostJson wants a 2xx and says whether trying again may help", "[webhook-post]") {
  httplib::Server server;
  std::string got_body, got_type;
  server.Post("/hook/(\\d+)", [&](const httplib::Request& req, httplib::Response& res) {
    got_body = req.body;
    got_type = req.get_header_value("Content-Type");
    res.status = std::stoi(req.matches[1]);
  });
  int port = server.bind_to_any_port("127.0.0.1");
  std::thread thread([&] { server.listen_after_bind(); });
  auto post = [&](int status) {
    WebhookUrl url{"http", "127.0.0.1", port, "/hook/" + std::to_string(status)};
    return PostJson(url, R"({"a":1})", 5s);
  };
  CHECK(post(204).ok());
  CHECK(got_body == R"({"a":1})");
  CHECK(got_type == "application/json");
  for (int retryable : {408, 429, 500, 503}) CHECK(post(retryable).code() == Code::kUnavailable);
  for (int final : {301, 400, 401, 404}) {
    Status st = post(final);
    CHECK(st.code() == Code::kInvalid);
    CHECK(st.message() == "HTTP " + std::to_string(final));
  }
  server.stop();
  thread.join();

  WebhookUrl closed{"http", "127.0.0.1", testing::FreeLoopbackPort(), "/secret"};
  Status refused = PostJson(closed, "{}", 2s);
  CHECK(refused.code() == Code::kUnavailable);
  CHECK(refused.message().find("secret") == std::string::npos);
}

}  // namespace
}  // namespace cara::net
