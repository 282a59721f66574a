#include "support/raw_connection.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace cara::testing {
namespace {

std::string Lower(std::string s) {
  for (char& c : s) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return s;
}

// "https://127.0.0.1:1234" -> 1234; throws when there is no port.
int PortOf(const std::string& base_url) {
  size_t colon = base_url.rfind(':');
  if (colon == std::string::npos || colon < base_url.find("://") + 3) {
    throw std::runtime_error("RawConnection: no port in " + base_url);
  }
  return std::stoi(base_url.substr(colon + 1));
}

std::string OpenSslError() {
  unsigned long e = ERR_get_error();
  char buf[256];
  ERR_error_string_n(e, buf, sizeof buf);
  return e ? buf : "unknown TLS error";
}

}  // namespace

RawConnection::RawConnection(const std::string& base_url, const std::string& source) {
  Connect(PortOf(base_url), source);
  if (base_url.rfind("https://", 0) == 0) {
    Handshake(DefaultCredentials(base_url).tls.ca_file);
  }
}

RawConnection::RawConnection(int port, const std::string& source) { Connect(port, source); }

RawConnection::~RawConnection() {
  if (ssl_) SSL_free(ssl_);
  if (ctx_) SSL_CTX_free(ctx_);
  if (fd_ >= 0) ::close(fd_);
}

void RawConnection::Connect(int port, const std::string& source) {
  fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd_ < 0) throw std::runtime_error(std::string("socket: ") + std::strerror(errno));
  int one = 1;
  ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  ApplyReadTimeout(read_timeout_);
  timeval tv{};
  tv.tv_sec = 30;
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

// A verified TLS session on the connected socket. OpenSSL writes to the
// socket itself, without MSG_NOSIGNAL: a write to a connection the server
// dropped must fail, not kill the test with SIGPIPE.
void RawConnection::Handshake(const std::string& ca_file) {
  ::signal(SIGPIPE, SIG_IGN);
  ctx_ = SSL_CTX_new(TLS_client_method());
  if (!ctx_) throw std::runtime_error("SSL_CTX_new: " + OpenSslError());
  if (ca_file.empty() || SSL_CTX_load_verify_locations(ctx_, ca_file.c_str(), nullptr) != 1) {
    throw std::runtime_error("RawConnection: no CA registered to verify the server");
  }
  SSL_CTX_set_verify(ctx_, SSL_VERIFY_PEER, nullptr);
  ssl_ = SSL_new(ctx_);
  X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl_), "127.0.0.1");
  SSL_set_fd(ssl_, fd_);
  if (SSL_connect(ssl_) != 1) throw std::runtime_error("TLS handshake: " + OpenSslError());
}

void RawConnection::Send(const std::string& bytes) {
  if (!TrySend(bytes)) throw std::runtime_error("send: " + last_error_);
}

bool RawConnection::TrySend(const std::string& bytes) {
  size_t sent = 0;
  while (sent < bytes.size()) {
    long n;
    if (ssl_) {
      n = SSL_write(ssl_, bytes.data() + sent, static_cast<int>(bytes.size() - sent));
    } else {
      n = ::send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    }
    if (n <= 0) {
      last_error_ = ssl_ ? "TLS write failed" : std::strerror(errno);
      return false;
    }
    sent += static_cast<size_t>(n);
  }
  return true;
}

void RawConnection::SetReadTimeout(std::chrono::milliseconds timeout) {
  read_timeout_ = timeout;
  ApplyReadTimeout(timeout);
}

void RawConnection::ApplyReadTimeout(std::chrono::milliseconds timeout) {
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(timeout.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((timeout.count() % 1000) * 1000);
  ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
}

long RawConnection::Receive(char* buf, size_t size) {
  timed_out_ = false;
  if (!ssl_) {
    ssize_t n = ::recv(fd_, buf, size, 0);
    if (n < 0) {
      timed_out_ = errno == EAGAIN || errno == EWOULDBLOCK;
      last_error_ = std::strerror(errno);
    }
    return n;
  }
  errno = 0;
  int n = SSL_read(ssl_, buf, static_cast<int>(size));
  if (n > 0) return n;
  int err = SSL_get_error(ssl_, n);
  if (err == SSL_ERROR_ZERO_RETURN) return 0;
  if (err == SSL_ERROR_SYSCALL || err == SSL_ERROR_WANT_READ) {
    timed_out_ = errno == EAGAIN || errno == EWOULDBLOCK;
    if (!timed_out_) return 0;  // EOF or reset under the TLS session
    last_error_ = std::strerror(errno);
    return -1;
  }
  ERR_clear_error();
  return 0;  // a truncated or broken session: the peer is gone
}

bool RawConnection::ClosedByPeerWithin(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  bool closed = false;
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    ApplyReadTimeout(left);
    char buf[4096];
    long n = Receive(buf, sizeof buf);
    if (n > 0) continue;
    if (n < 0 && timed_out_) break;
    closed = true;
    break;
  }
  ApplyReadTimeout(read_timeout_);
  return closed;
}

HttpResponse RawConnection::ReadResponse(bool head_request) {
  HttpResponse out;
  auto fill = [&]() -> bool {
    char buf[4096];
    ssize_t n = Receive(buf, sizeof buf);
    if (n <= 0) {
      out.error = n == 0 ? "connection closed by server" : "recv: " + last_error_;
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

}  // namespace cara::testing
