// The request and response a net::HttpServer hands to its handler. Plain
// data, no Boost: the handler side (server/, tests/bench) stays cheap to
// compile and independent of Beast.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace cara::net {

class ConnectionTakeover;  // net/connection_takeover.h

using HeaderList = std::vector<std::pair<std::string, std::string>>;

struct HttpRequest {
  std::string method;     // "GET", "HEAD", "POST", ...
  std::string target;     // as sent: "/api/v1/projects?phase=Running"
  unsigned version = 11;  // 10 or 11
  HeaderList headers;     // in the order received
  std::string body;       // whole, within HttpServerOptions::max_body_bytes
  std::string remote_addr;
  int remote_port = 0;
  std::string local_addr;
  int local_port = 0;
};

// What a body stream did on one call.
enum class StreamStep {
  kMore,    // a piece was appended; call again
  kDone,    // the last piece (possibly empty) was appended
  kFailed,  // the body cannot be completed: the connection is cut, so the
            // client sees a truncated response rather than a wrong one
  kWait,    // nothing to send yet (a piece may have been appended): call
            // again after the stream's wake function ran (HttpResponse::
            // bind_wake) or after a recheck interval, whichever comes first
};

// Produces a response body piece by piece. Each call runs on a handler
// thread and appends the next piece to *piece. Between calls the connection
// writes the piece at the client's pace without holding any thread, so a
// slow reader costs memory for one piece only.
using BodyStream = std::function<StreamStep(std::string* piece)>;

struct HttpResponse {
  int status = 200;
  HeaderList headers;  // Content-Length and Transfer-Encoding are set by the server
  std::string body;
  // When set, the body is `body` followed by what `stream` produces. A
  // stream that ends on its first call is sent with Content-Length, a longer
  // one with chunked transfer coding (HTTP/1.1) or read whole (HTTP/1.0).
  BodyStream stream;
  // For a stream that returns kWait (a watch): called once, before the
  // stream's first call, with a function that the stream's producer calls
  // from any thread when it has more. A waiting stream holds no thread, so
  // thousands of idle watches cost memory only. The wake function must not
  // be called after the stream is destroyed.
  std::function<void(std::function<void()> wake)> bind_wake;
  bool close = false;  // close the connection after this response
  // When set, the server sends no response: it hands the connection to the
  // takeover (to relay a protocol upgrade) and closes it after.
  std::shared_ptr<ConnectionTakeover> takeover;

  void SetHeader(std::string name, std::string value) {
    headers.emplace_back(std::move(name), std::move(value));
  }
};

// The request is the handler's to keep (its body may be moved out).
using HttpHandler = std::function<void(HttpRequest&, HttpResponse&)>;

// Builds the response for a request the server itself refuses (400
// malformed, 408, 413 too large, 431 header too large, 500 handler crash,
// 503 over capacity), so that the API can answer in its own format.
using ErrorResponder = std::function<void(int status, const std::string& detail, HttpResponse&)>;

}  // namespace cara::net
