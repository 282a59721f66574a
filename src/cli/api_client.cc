#include "cli/api_client.h"

#include <httplib.h>

#include <algorithm>

#include "common/go_quote.h"
#include "net/percent_encoding.h"
#include "net/problem.h"

namespace cara::cli {

struct ApiClient::Impl {
  explicit Impl(const ApiConnection& connection)
      : http(net::NewHttpClient(connection.server, connection.tls)) {
    http->set_keep_alive(true);
    http->set_connection_timeout(10, 0);
    http->set_read_timeout(60, 0);
    http->set_write_timeout(60, 0);
    if (!connection.token.empty()) http->set_bearer_token_auth(connection.token);
  }
  std::unique_ptr<httplib::Client> http;
};

ApiClient::ApiClient(std::string server) : ApiClient(ApiConnection{std::move(server), "", {}}) {}

ApiClient::ApiClient(ApiConnection connection) : server_(std::move(connection.server)) {
  while (!server_.empty() && server_.back() == '/') server_.pop_back();
  connection.server = server_;
  connection_ = connection;
  impl_ = std::make_unique<Impl>(connection);
}

ApiClient::~ApiClient() = default;

namespace {

std::string TransportError(const httplib::Client& http, httplib::Error e,
                           const std::string& server) {
  switch (e) {
    case httplib::Error::SSLServerVerification:
      return "cannot verify server " + server + ": " + net::DescribeClientError(http, e) +
             " (set --certificate-authority or CARA_CA_FILE, or use a context with the "
             "cluster's CA)";
    case httplib::Error::SSLConnection:
    case httplib::Error::SSLLoadingCerts:
      return net::DescribeClientError(http, e) + " (server " + server + ")";
    case httplib::Error::Connection:
      return "cannot connect to server " + server +
             " (is cara-server running? set --server or CARA_SERVER)";
    case httplib::Error::ConnectionTimeout:
      return "connection to server " + server + " timed out";
    case httplib::Error::Read:
      return "error reading the response from server " + server;
    case httplib::Error::Write:
      return "error sending the request to server " + server;
    default:
      return httplib::to_string(e) + " error talking to server " + server;
  }
}

// Takes the body over: a list page is most of a MiB, and copying each one
// was a tenth of a large diff's list.
Result<ApiResponse> Convert(const httplib::Client& http, httplib::Result r,
                            const std::string& server) {
  if (!r) return Status::Unavailable("request failed: " + TransportError(http, r.error(), server));
  return ApiResponse{r->status, std::move(r->body)};
}

}  // namespace

Result<ApiResponse> ApiClient::Get(const std::string& path) {
  return Convert(*impl_->http, impl_->http->Get(path), server_);
}

Result<ApiResponse> ApiClient::Post(const std::string& path, const std::string& json) {
  return Convert(*impl_->http, impl_->http->Post(path, json, "application/json"), server_);
}

Result<ApiResponse> ApiClient::Put(const std::string& path, const std::string& json) {
  return Convert(*impl_->http, impl_->http->Put(path, json, "application/json"), server_);
}

Result<ApiResponse> ApiClient::Delete(const std::string& path) {
  return Convert(*impl_->http, impl_->http->Delete(path), server_);
}

Result<ApiResponse> ApiClient::GetStreaming(const std::string& path,
                                            const std::function<bool(const char*, size_t)>& on_body,
                                            std::chrono::seconds read_timeout) {
  impl_->http->set_read_timeout(read_timeout.count(), 0);
  int status = 0;
  std::string error_body;
  httplib::Result r = impl_->http->Get(
      path,
      [&status](const httplib::Response& res) {
        status = res.status;
        return true;
      },
      [&](const char* data, size_t size) {
        if (status >= 200 && status < 300) return on_body(data, size);
        error_body.append(data, size);
        return true;
      });
  impl_->http->set_read_timeout(60, 0);
  if (!r) {
    return Status::Unavailable("request failed: " +
                               TransportError(*impl_->http, r.error(), server_));
  }
  return ApiResponse{r->status, std::move(error_body)};
}

void ApiClient::Stop() { impl_->http->stop(); }

std::string DescribeHttpError(const ApiResponse& response) {
  auto problem = net::ParseProblem(response.body);
  if (problem && !problem->title.empty()) {
    if (!problem->detail.empty()) return problem->title + ": " + problem->detail;
    std::string errors;
    for (const auto& e : problem->errors) errors += (errors.empty() ? "" : "; ") + e;
    if (!errors.empty()) return problem->title + ": " + errors;
    return problem->title;
  }
  std::string body = response.body;
  while (!body.empty() && std::isspace(static_cast<unsigned char>(body.back()))) body.pop_back();
  return "server returned " + std::to_string(response.status) + " " +
         net::ReasonPhrase(response.status) + ": " + body;
}

Status ExpectSuccess(const Result<ApiResponse>& response) {
  if (!response.ok()) return response.status();
  int s = response->status;
  if (s >= 200 && s < 300) return Status::Ok();
  std::string message = DescribeHttpError(*response);
  switch (s) {
    case 400:
      return Status::Invalid(message);
    case 404:
      if (!net::ParseProblem(response->body)) return Status::Internal(message);
      return Status::NotFound(message);
    case 401:
      return Status::Internal(message +
                              " (the server wants a valid token: set --token or CARA_TOKEN, "
                              "or use a context with one)");
    case 403:
      return Status::Internal(message + " (the token's role does not allow this)");
    case 409:
      return Status::Conflict(message);
    case 413:
      return Status::TooLarge(message);
    default:
      return Status::Internal(message);
  }
}

std::string ObjectError(const std::string& verb, const std::string& kind, const std::string& name,
                        const Status& status) {
  std::string object = kind + " " + GoQuote(name);
  if (status.code() == Code::kNotFound) return object + " not found";
  return verb + " " + object + ": " + status.message();
}

Status ValidateServerUrl(const std::string& url) {
  auto invalid = [&](const std::string& why) {
    return Status::Invalid("invalid server URL " + GoQuote(url) +
                           " (--server or CARA_SERVER): " + why);
  };
  size_t sep = url.find("://");
  if (sep == std::string::npos)
    return invalid("expected http://HOST[:PORT] or https://HOST[:PORT]");
  std::string scheme = url.substr(0, sep);
  if (scheme != "http" && scheme != "https") {
    return invalid("the scheme must be http or https, not " + GoQuote(scheme));
  }
  std::string rest = url.substr(sep + 3);
  size_t slash = rest.find_first_of("/?#");
  std::string authority = rest.substr(0, slash);
  if (slash != std::string::npos && rest.substr(slash) != "/") {
    return invalid(
        "a path, query or fragment is not allowed: the API is at the server's root, "
        "as in http://HOST:PORT");
  }
  if (authority.find('@') != std::string::npos) return invalid("user information is not allowed");
  std::string host = authority;
  std::string port;
  if (!authority.empty() && authority.front() == '[') {  // [IPv6]:port
    size_t close = authority.find(']');
    if (close == std::string::npos) return invalid("unterminated [IPv6 address]");
    host = authority.substr(0, close + 1);
    std::string after = authority.substr(close + 1);
    if (!after.empty() && after.front() != ':') return invalid("expected :PORT after the address");
    if (!after.empty()) port = after.substr(1);
  } else if (size_t colon = authority.rfind(':'); colon != std::string::npos) {
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
    if (port.empty()) return invalid("empty port");
  }
  if (host.empty() || host == "[]") return invalid("no host");
  const std::string allowed = host.front() == '[' ? ".:[]" : "-._";
  for (char c : host) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && allowed.find(c) == std::string::npos) {
      return invalid("invalid character " + GoQuote(std::string(1, c)) + " in the host");
    }
  }
  if (!port.empty()) {
    bool digits = port.size() <= 5 && std::all_of(port.begin(), port.end(),
                                                  [](char c) { return c >= '0' && c <= '9'; });
    if (!digits || std::stoi(port) < 1 || std::stoi(port) > 65535) {
      return invalid("the port must be a number from 1 to 65535");
    }
  }
  return Status::Ok();
}

std::string PathEscape(const std::string& segment) { return net::PercentEncode(segment); }

}  // namespace cara::cli
