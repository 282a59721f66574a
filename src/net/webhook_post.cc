#include "net/webhook_post.h"

#include <httplib.h>

#include <chrono>

#include "net/host_port.h"
#include "net/https_client.h"

namespace cara::net {
namespace {

Result<WebhookUrl> InvalidUrl(const std::string& why) {
  return Status::Invalid("not an http(s) URL: " + why);
}

// "host", "host:port", "[v6]" or "[v6]:port".
Status SplitAuthority(const std::string& authority, WebhookUrl* out) {
  const bool has_port = authority.rfind(':') != std::string::npos &&
                        (authority.front() != '[' || authority.rfind(':') > authority.find(']'));
  if (!has_port) {
    out->host = std::string(StripBrackets(authority));
    out->port = out->scheme == "https" ? 443 : 80;
  } else {
    Result<HostPort> hp = SplitHostPort(authority);
    if (!hp.ok()) return hp.status();
    if (hp->port == 0) return Status::Invalid("port 0");
    out->host = hp->host;
    out->port = hp->port;
  }
  if (out->host.empty()) return Status::Invalid("no host");
  return Status::Ok();
}

}  // namespace

Result<WebhookUrl> ParseWebhookUrl(const std::string& url) {
  WebhookUrl out;
  const size_t scheme_end = url.find("://");
  if (scheme_end == std::string::npos) return InvalidUrl("it has no scheme (http:// or https://)");
  out.scheme = url.substr(0, scheme_end);
  if (out.scheme != "http" && out.scheme != "https") {
    return InvalidUrl("scheme " + out.scheme + " (want http or https)");
  }
  const size_t start = scheme_end + 3;
  const size_t end = std::min(url.find_first_of("/?#", start), url.size());
  const std::string authority = url.substr(start, end - start);
  if (authority.find('@') != std::string::npos) {
    return InvalidUrl("user:password@ is not supported; put the receiver's token in its path");
  }
  if (authority.empty()) return InvalidUrl("no host");
  if (Status st = SplitAuthority(authority, &out); !st.ok()) return InvalidUrl(st.message());
  out.target = url.substr(end, url.find('#', end) - end);
  if (out.target.empty() || out.target.front() == '?') out.target = "/" + out.target;
  return out;
}

std::string RedactedWebhookUrl(const WebhookUrl& url) {
  return url.scheme + "://" + JoinHostPort(url.host, url.port) + (url.target == "/" ? "/" : "/...");
}

Status PostJson(const WebhookUrl& url, const std::string& json, Duration timeout) {
  httplib::Client client(url.scheme + "://" + JoinHostPort(url.host, url.port));
  client.set_tcp_nodelay(true);
  if (url.scheme == "https") client.enable_server_certificate_verification(true);
  const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(timeout).count();
  const auto micros =
      std::chrono::duration_cast<std::chrono::microseconds>(timeout).count() % 1000000;
  client.set_connection_timeout(seconds, micros);
  client.set_read_timeout(seconds, micros);
  client.set_write_timeout(seconds, micros);
  httplib::Result res = client.Post(url.target, json, "application/json");
  if (!res) {
    std::string why = DescribeClientError(client, res.error());
    // A certificate that does not verify will not verify on the next try.
    if (res.error() == httplib::Error::SSLServerVerification) return Status::Invalid(why);
    return Status::Unavailable(why);
  }
  const int code = res->status;
  if (code >= 200 && code < 300) return Status::Ok();
  std::string why = "HTTP " + std::to_string(code);
  if (code == 408 || code == 429 || code >= 500) return Status::Unavailable(why);
  return Status::Invalid(why);
}

}  // namespace cara::net
