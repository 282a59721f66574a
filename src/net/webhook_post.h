// POSTing a JSON document to a URL outside the cluster: a chat's incoming
// webhook, an alerting endpoint (caractrl sync --watch --notify). Such a URL
// usually carries its secret in its path (hooks.slack.com/services/T/B/X),
// so messages and logs show it only as RedactedWebhookUrl does. https://
// is verified against the system's CAs (OpenSSL's defaults, SSL_CERT_FILE),
// unlike the cluster's own clients (https_client.h), which trust only the
// cluster's CA: a chat service's certificate comes from a public CA.
#pragma once

#include <string>

#include "common/clock.h"
#include "common/status.h"

namespace cara::net {

struct WebhookUrl {
  std::string scheme;  // "http" | "https"
  std::string host;    // without brackets
  int port = 0;
  std::string target;  // path and query, "/" at least
};

// Invalid, with the reason, unless `url` is http(s)://host[:port][/path][?query]
// (no user:password@: receivers take their credentials in the path).
Result<WebhookUrl> ParseWebhookUrl(const std::string& url);

// "https://hooks.slack.com/..." : scheme, host and port only.
std::string RedactedWebhookUrl(const WebhookUrl& url);

// POSTs `json` and wants a 2xx answer. Unavailable when trying again may
// help (no connection, a timeout, 408, 429, 5xx), Invalid when it will not
// (another status); the message never contains the URL's path.
Status PostJson(const WebhookUrl& url, const std::string& json, Duration timeout);

}  // namespace cara::net
