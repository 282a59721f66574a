#include "support/http_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <map>
#include <mutex>
#include <stdexcept>

namespace cara::testing {

std::string HttpResponse::header(const std::string& name) const {
  auto it = headers.find(name);
  return it == headers.end() ? "" : it->second;
}

bool HttpResponse::has_header(const std::string& name) const {
  return headers.find(name) != headers.end();
}

void ParseJsonBody(HttpResponse& r) {
  r.json = nlohmann::json::parse(r.body, nullptr, /*allow_exceptions=*/false);
  r.has_json = !r.json.is_discarded();
  if (!r.has_json) r.json = nullptr;
}

// ---- HttpClient -------------------------------------------------------------------

namespace {

std::mutex registry_mu;
std::map<std::string, net::ClientCredentials>& Registry() {
  static auto* registry = new std::map<std::string, net::ClientCredentials>;
  return *registry;
}

std::string WithoutTrailingSlash(std::string url) {
  while (!url.empty() && url.back() == '/') url.pop_back();
  return url;
}

}  // namespace

void RegisterDefaultCredentials(const std::string& base_url, net::ClientCredentials credentials) {
  std::lock_guard<std::mutex> lock(registry_mu);
  Registry()[WithoutTrailingSlash(base_url)] = std::move(credentials);
}

void ForgetDefaultCredentials(const std::string& base_url) {
  std::lock_guard<std::mutex> lock(registry_mu);
  Registry().erase(WithoutTrailingSlash(base_url));
}

net::ClientCredentials DefaultCredentials(const std::string& base_url) {
  std::lock_guard<std::mutex> lock(registry_mu);
  auto it = Registry().find(WithoutTrailingSlash(base_url));
  return it == Registry().end() ? net::ClientCredentials{} : it->second;
}

HttpClient::HttpClient(const std::string& base_url, bool keep_alive)
    : HttpClient(base_url, DefaultCredentials(base_url), keep_alive) {}

HttpClient::HttpClient(const std::string& base_url, const net::ClientCredentials& credentials,
                       bool keep_alive)
    : client_(net::NewHttpClient(base_url, credentials)) {
  client_->set_keep_alive(keep_alive);
  client_->set_connection_timeout(10);
  client_->set_read_timeout(60);
  client_->set_write_timeout(60);
}

HttpClient::~HttpClient() = default;

HttpResponse HttpClient::Send(const std::string& method, const std::string& path,
                              const std::string& body, const std::string& content_type,
                              const httplib::Headers& extra_headers) {
  httplib::Request req;
  req.method = method;
  req.path = path;
  req.headers = extra_headers;
  if (!content_type.empty() &&
      (!body.empty() || method == "POST" || method == "PUT" || method == "PATCH")) {
    req.headers.emplace("Content-Type", content_type);
  }
  req.body = body;

  HttpResponse out;
  httplib::Result res = client_->send(req);
  if (!res) {
    out.error = net::DescribeClientError(*client_, res.error());
    return out;
  }
  out.status = res->status;
  out.headers = res->headers;
  out.body = res->body;
  ParseJsonBody(out);
  return out;
}

// ---- problems ----------------------------------------------------------------------

}  // namespace cara::testing
