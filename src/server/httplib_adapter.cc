#include "server/httplib_adapter.h"

#include <memory>
#include <utility>

namespace cara::server {

httplib::Request ToHttplibRequest(net::HttpRequest& in) {
  httplib::Request req;
  req.method = in.method;
  req.target = in.target;
  req.version = in.version == 10 ? "HTTP/1.0" : "HTTP/1.1";
  for (auto& [name, value] : in.headers) req.headers.emplace(name, value);
  req.body = std::move(in.body);
  req.remote_addr = in.remote_addr;
  req.remote_port = in.remote_port;
  req.local_addr = in.local_addr;
  req.local_port = in.local_port;
  const size_t query = in.target.find('?');
  req.path = httplib::detail::decode_url(in.target.substr(0, query), false);
  if (query != std::string::npos && query + 1 < in.target.size()) {
    httplib::detail::parse_query_text(in.target.substr(query + 1), req.params);
  }
  return req;
}

namespace {

// The takeover a handler on this thread requested, and for which response.
struct PendingTakeover {
  const httplib::Response* response = nullptr;
  std::shared_ptr<net::ConnectionTakeover> takeover;
};
thread_local PendingTakeover pending_takeover;

// Likewise a waiting stream.
struct PendingStream {
  const httplib::Response* response = nullptr;
  net::BodyStream stream;
  std::function<void(std::function<void()>)> bind_wake;
};
thread_local PendingStream pending_stream;

// Calls a cpp-httplib content provider once per piece.
class ProviderStream {
 public:
  explicit ProviderStream(httplib::ContentProvider provider) : provider_(std::move(provider)) {}

  net::StreamStep Next(std::string* piece) {
    bool done = false;
    httplib::DataSink sink;
    sink.write = [piece](const char* data, size_t size) {
      piece->append(data, size);
      return true;
    };
    sink.done = [&done] { done = true; };
    sink.is_writable = [] { return true; };
    const size_t before = piece->size();
    if (!provider_(offset_, 0, sink)) return net::StreamStep::kFailed;
    offset_ += piece->size() - before;
    return done ? net::StreamStep::kDone : net::StreamStep::kMore;
  }

 private:
  httplib::ContentProvider provider_;
  size_t offset_ = 0;
};

}  // namespace

void RequestTakeover(httplib::Response& res, std::shared_ptr<net::ConnectionTakeover> takeover) {
  res.status = 101;
  pending_takeover = {&res, std::move(takeover)};
}

void RequestWaitingStream(httplib::Response& res, const std::string& content_type,
                          net::BodyStream stream,
                          std::function<void(std::function<void()>)> bind_wake) {
  res.status = 200;
  res.set_header("Content-Type", content_type);
  pending_stream = {&res, std::move(stream), std::move(bind_wake)};
}

void ToNetResponse(httplib::Response& in, net::HttpResponse* out) {
  PendingTakeover pending = std::exchange(pending_takeover, {});
  if (pending.response == &in && in.status == 101) {
    out->takeover = std::move(pending.takeover);
    return;
  }
  out->status = in.status < 0 ? 200 : in.status;
  for (auto& [name, value] : in.headers) out->SetHeader(name, value);
  out->body = std::move(in.body);
  PendingStream waiting = std::exchange(pending_stream, {});
  if (waiting.response == &in && in.status == 200) {
    out->stream = std::move(waiting.stream);
    out->bind_wake = std::move(waiting.bind_wake);
    return;
  }
  if (in.content_provider_) {
    auto stream = std::make_shared<ProviderStream>(std::move(in.content_provider_));
    in.content_provider_ = nullptr;
    out->stream = [stream](std::string* piece) { return stream->Next(piece); };
  }
}

}  // namespace cara::server
