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
#include <stdexcept>

namespace cara::testing {

namespace {

bool StartsWith(const std::string& s, const std::string& prefix) {
  return s.compare(0, prefix.size(), prefix) == 0;
}

std::string Lower(std::string s) {
  for (char& c : s) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return s;
}

void ParseJsonBody(HttpResponse& r) {
  r.json = nlohmann::json::parse(r.body, nullptr, /*allow_exceptions=*/false);
  r.has_json = !r.json.is_discarded();
  if (!r.has_json) r.json = nullptr;
}

// Parses a problem body keeping key order; nullopt-like `discarded` if not JSON.
nlohmann::ordered_json ParseOrdered(const std::string& body) {
  return nlohmann::ordered_json::parse(body, nullptr, /*allow_exceptions=*/false);
}

}  // namespace

std::string HttpResponse::header(const std::string& name) const {
  auto it = headers.find(name);
  return it == headers.end() ? "" : it->second;
}

bool HttpResponse::has_header(const std::string& name) const {
  return headers.find(name) != headers.end();
}

// ---- HttpClient -------------------------------------------------------------------

HttpClient::HttpClient(const std::string& base_url, bool keep_alive)
    : client_(std::make_unique<httplib::Client>(base_url)) {
  client_->set_tcp_nodelay(true);
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
    out.error = httplib::to_string(res.error());
    return out;
  }
  out.status = res->status;
  out.headers = res->headers;
  out.body = res->body;
  ParseJsonBody(out);
  return out;
}

// ---- RawConnection ----------------------------------------------------------------

RawConnection::RawConnection(int port, const std::string& source) {
  fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd_ < 0) throw std::runtime_error(std::string("socket: ") + std::strerror(errno));
  int one = 1;
  ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  timeval tv{};
  tv.tv_sec = 30;
  ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  sockaddr_in local{};
  local.sin_family = AF_INET;
  if (::inet_pton(AF_INET, source.c_str(), &local.sin_addr) != 1 ||
      ::bind(fd_, reinterpret_cast<sockaddr*>(&local), sizeof local) != 0) {
    std::string err = std::strerror(errno);
    ::close(fd_);
    fd_ = -1;
    throw std::runtime_error("bind " + source + ": " + err);
  }
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    std::string err = std::strerror(errno);
    ::close(fd_);
    fd_ = -1;
    throw std::runtime_error("connect: " + err);
  }
}

RawConnection::~RawConnection() {
  if (fd_ >= 0) ::close(fd_);
}

void RawConnection::Send(const std::string& bytes) {
  size_t sent = 0;
  while (sent < bytes.size()) {
    ssize_t n = ::send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) throw std::runtime_error(std::string("send: ") + std::strerror(errno));
    sent += static_cast<size_t>(n);
  }
}

bool RawConnection::TrySend(const std::string& bytes) {
  size_t sent = 0;
  while (sent < bytes.size()) {
    ssize_t n = ::send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return false;
    sent += static_cast<size_t>(n);
  }
  return true;
}

void RawConnection::SetReadTimeout(std::chrono::milliseconds timeout) {
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(timeout.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((timeout.count() % 1000) * 1000);
  ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
}

bool RawConnection::ClosedByPeerWithin(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
    char buf[4096];
    ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    if (n <= 0) return true;
  }
}

HttpResponse RawConnection::ReadResponse(bool head_request) {
  HttpResponse out;
  auto fill = [&]() -> bool {
    char buf[4096];
    ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    if (n <= 0) {
      out.error =
          n == 0 ? "connection closed by server" : std::string("recv: ") + std::strerror(errno);
      return false;
    }
    buffer_.append(buf, static_cast<size_t>(n));
    return true;
  };

  size_t header_end;
  while ((header_end = buffer_.find("\r\n\r\n")) == std::string::npos) {
    if (!fill()) return out;
  }
  std::string head = buffer_.substr(0, header_end);
  buffer_.erase(0, header_end + 4);

  size_t line_end = head.find("\r\n");
  std::string status_line = head.substr(0, line_end);
  // "HTTP/1.1 200 OK"
  size_t sp = status_line.find(' ');
  if (sp == std::string::npos) {
    out.error = "bad status line: " + status_line;
    return out;
  }
  int status = std::atoi(status_line.c_str() + sp + 1);

  size_t content_length = 0;
  bool chunked = false;
  size_t pos = line_end == std::string::npos ? head.size() : line_end + 2;
  while (pos < head.size()) {
    size_t end = head.find("\r\n", pos);
    if (end == std::string::npos) end = head.size();
    std::string line = head.substr(pos, end - pos);
    pos = end + 2;
    size_t colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string name = line.substr(0, colon);
    std::string value = line.substr(colon + 1);
    while (!value.empty() && value.front() == ' ') value.erase(0, 1);
    if (Lower(name) == "content-length") content_length = std::stoul(value);
    if (Lower(name) == "transfer-encoding" && Lower(value) == "chunked") chunked = true;
    out.headers.emplace(name, value);
  }

  bool has_body = !head_request && status != 204 && status != 304 && status >= 200;
  if (has_body && chunked) {
    // chunk = size-in-hex CRLF data CRLF; the last has size 0 (no trailers here).
    for (;;) {
      size_t eol;
      while ((eol = buffer_.find("\r\n")) == std::string::npos) {
        if (!fill()) return out;
      }
      size_t size = std::stoul(buffer_.substr(0, eol), nullptr, 16);
      while (buffer_.size() < eol + 2 + size + 2) {
        if (!fill()) return out;
      }
      out.body += buffer_.substr(eol + 2, size);
      buffer_.erase(0, eol + 2 + size + 2);
      if (size == 0) break;
    }
  } else if (has_body) {
    while (buffer_.size() < content_length) {
      if (!fill()) return out;
    }
    out.body = buffer_.substr(0, content_length);
    buffer_.erase(0, content_length);
  }
  out.status = status;
  ParseJsonBody(out);
  return out;
}

// ---- problems ----------------------------------------------------------------------

std::string ProblemTitle(int status) {
  switch (status) {
    case 400:
      return "Validation Problem";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 409:
      return "Conflict";
    case 413:
      return "Payload Too Large";
    case 500:
      return "Internal Server Error";
    case 503:
      return "Service Unavailable";
    default:
      return "HTTP " + std::to_string(status);
  }
}

std::string ProblemType(int status) {
  return "https://developer.mozilla.org/en-US/docs/Web/HTTP/Status/" + std::to_string(status);
}

std::vector<std::string> ProblemErrorPointers(const HttpResponse& r) {
  std::vector<std::string> out;
  if (!r.has_json || !r.json.is_object()) return out;
  auto it = r.json.find("errors");
  if (it == r.json.end() || !it->is_array()) return out;
  for (const auto& e : *it) {
    if (e.is_object() && e.contains("pointer") && e["pointer"].is_string()) {
      out.push_back(e["pointer"].get<std::string>());
    }
  }
  return out;
}

std::string StatusMatcher::describe() const { return "has HTTP status " + std::to_string(status_); }

bool ProblemMatcher::match(const HttpResponse& r) const {
  if (r.status != status_) return false;
  if (!StartsWith(Lower(r.content_type()), "application/problem+json")) return false;
  nlohmann::ordered_json j = ParseOrdered(r.body);
  if (j.is_discarded() || !j.is_object()) return false;

  // Keys, in order: title, status, type, detail, then optionally instance, errors.
  std::vector<std::string> keys;
  for (auto it = j.begin(); it != j.end(); ++it) keys.push_back(it.key());
  const std::vector<std::string> required = {"title", "status", "type", "detail"};
  if (keys.size() < required.size()) return false;
  for (size_t i = 0; i < required.size(); ++i) {
    if (keys[i] != required[i]) return false;
  }
  const std::vector<std::string> optional = {"instance", "errors"};
  size_t next_optional = 0;
  for (size_t i = required.size(); i < keys.size(); ++i) {
    while (next_optional < optional.size() && optional[next_optional] != keys[i]) ++next_optional;
    if (next_optional == optional.size()) return false;  // unknown or out-of-order key
    ++next_optional;
  }

  if (j["title"] != ProblemTitle(status_)) return false;
  if (!j["status"].is_number_integer() || j["status"].get<int>() != status_) return false;
  if (j["type"] != ProblemType(status_)) return false;
  if (!j["detail"].is_string()) return false;
  const std::string detail = j["detail"].get<std::string>();
  switch (mode_) {
    case Detail::kExact:
      return detail == detail_;
    case Detail::kPrefix:
      return StartsWith(detail, detail_);
    case Detail::kContains:
      return detail.find(detail_) != std::string::npos;
    case Detail::kAny:
      return true;
  }
  return false;
}

std::string ProblemMatcher::describe() const {
  std::string d = "is an application/problem+json " + std::to_string(status_) + " \"" +
                  ProblemTitle(status_) + "\" (type " + ProblemType(status_) +
                  ", keys title,status,type,detail[,instance][,errors])";
  switch (mode_) {
    case Detail::kExact:
      return d + " with detail equal to \"" + detail_ + "\"";
    case Detail::kPrefix:
      return d + " with detail starting with \"" + detail_ + "\"";
    case Detail::kContains:
      return d + " with detail containing \"" + detail_ + "\"";
    case Detail::kAny:
      return d;
  }
  return d;
}

bool SchemaProblemMatcher::match(const HttpResponse& r) const {
  if (!IsProblemContaining(400, pointer_).match(r)) return false;
  const auto& errors = r.json.find("errors");
  if (errors == r.json.end() || !errors->is_array() || errors->empty()) return false;
  bool found = false;
  for (const auto& e : *errors) {
    if (!e.is_object() || e.size() != 2) return false;
    if (!e.contains("pointer") || !e["pointer"].is_string()) return false;
    if (!e.contains("detail") || !e["detail"].is_string()) return false;
    if (e["detail"].get<std::string>().empty()) return false;
    if (e["pointer"] == pointer_) found = true;
  }
  return found;
}

std::string SchemaProblemMatcher::describe() const {
  return "is a 400 \"Validation Problem\" whose detail names " + pointer_ +
         " and whose errors array holds {\"pointer\":\"" + pointer_ + "\",\"detail\":...}";
}

}  // namespace cara::testing

std::string Catch::StringMaker<cara::testing::HttpResponse>::convert(
    const cara::testing::HttpResponse& r) {
  if (!r.ok()) return "<transport error: " + r.error + ">";
  std::string body = r.body;
  if (body.size() > 2000)
    body = body.substr(0, 2000) + "...(" + std::to_string(r.body.size()) + " bytes)";
  std::string out = "HTTP " + std::to_string(r.status);
  if (r.has_header("Content-Type")) out += " [" + r.content_type() + "]";
  if (r.has_header("Allow")) out += " [Allow: " + r.header("Allow") + "]";
  return out + " " + (body.empty() ? "<empty body>" : body);
}
