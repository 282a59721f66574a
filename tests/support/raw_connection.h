// A raw connection to a test server, for what httplib hides: reusing one
// connection for several requests, exact request bytes, slow or partial
// requests. Over TLS when the server's URL is https (a blocking OpenSSL
// session over the socket, verified against the CA registered for that URL),
// so robustness is tested on the transport deployments use. Reads time out
// after 30 s so a broken server fails the test instead of hanging it.
#pragma once

#include <chrono>
#include <string>

#include "support/http_client.h"

struct ssl_st;
struct ssl_ctx_st;

namespace cara::testing {

class RawConnection {
 public:
  // `base_url` is "http://127.0.0.1:PORT" or "https://127.0.0.1:PORT".
  // `source` is the local address to connect from: any of 127.0.0.0/8, so
  // that a test can act as several clients. Throws std::runtime_error on
  // failure (including a failed TLS handshake).
  explicit RawConnection(const std::string& base_url, const std::string& source = "127.0.0.1");
  // Plain TCP to 127.0.0.1:port.
  explicit RawConnection(int port, const std::string& source = "127.0.0.1");
  ~RawConnection();
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;

  void Send(const std::string& bytes);
  // Like Send, but false instead of an exception when the peer is gone.
  bool TrySend(const std::string& bytes);
  void SetReadTimeout(std::chrono::milliseconds timeout);
  // Reads one response framed by Content-Length or chunked (or none for
  // HEAD/204/304). Returns status 0 with `error` set if the connection
  // closed or timed out.
  HttpResponse ReadResponse(bool head_request = false);
  // True if the server closed the connection (EOF or reset) within
  // `timeout`; any bytes it sent before are discarded.
  bool ClosedByPeerWithin(std::chrono::milliseconds timeout);

 private:
  void Connect(int port, const std::string& source);
  void Handshake(const std::string& ca_file);
  // Bytes read (> 0), 0 when the peer closed, -1 on an error or timeout
  // (last_error_ says which, timed_out_ tells a timeout apart).
  long Receive(char* buf, size_t size);
  void ApplyReadTimeout(std::chrono::milliseconds timeout);

  int fd_ = -1;
  ssl_ctx_st* ctx_ = nullptr;
  ssl_st* ssl_ = nullptr;
  std::chrono::milliseconds read_timeout_{std::chrono::seconds(30)};
  std::string buffer_;
  std::string last_error_;
  bool timed_out_ = false;
};

}  // namespace cara::testing
