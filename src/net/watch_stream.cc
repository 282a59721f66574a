#include "net/watch_stream.h"

#include <algorithm>

#include "net/https_client.h"
#include "net/percent_encoding.h"
#include "net/problem.h"

namespace cara::net {
namespace {

using ojson = nlohmann::ordered_json;

constexpr size_t kMaxErrorBody = 64 * 1024;
constexpr int kRelistPageSize = 500;

bool IsNdjson(const std::string& content_type) {
  return content_type.rfind("application/x-ndjson", 0) == 0;
}

// Worth trying again later: the server is busy, failing or restarting.
bool Transient(int status) { return status >= 500 || status == 429 || status == 408; }

std::string Describe(int status, const std::string& body) {
  if (auto problem = ParseProblem(body); problem && !problem->title.empty()) {
    return problem->detail.empty() ? problem->title : problem->title + ": " + problem->detail;
  }
  const char* reason = ReasonPhrase(status);
  return "server answered " + std::to_string(status) + (*reason ? std::string(" ") + reason : "");
}

// Why a connection failed, in words (httplib's names alone say "Connection").
std::string TransportError(const httplib::Client& client, httplib::Error error) {
  switch (error) {
    case httplib::Error::Connection:
      return "cannot connect to the server";
    case httplib::Error::ConnectionTimeout:
      return "connecting to the server timed out";
    case httplib::Error::Read:
      return "the connection broke (or stayed silent past the idle timeout)";
    default:
      return DescribeClientError(client, error);
  }
}

std::string Join(const std::string& path, const std::vector<std::string>& params) {
  std::string out = path;
  char sep = '?';
  for (const std::string& p : params) {
    if (p.empty()) continue;
    out += sep + p;
    sep = '&';
  }
  return out;
}

// One page of a list: its items, resourceVersion and continue token.
struct Page {
  std::vector<ojson> items;
  std::string resource_version;
  std::string next;
};

Result<Page> ParsePage(const std::string& body) {
  ojson list = ojson::parse(body, nullptr, /*allow_exceptions=*/false);
  auto items = list.is_object() ? list.find("items") : list.end();
  if (items == list.end() || !items->is_array()) {
    return Status::Unavailable("the re-list's answer is not a list");
  }
  Page page;
  for (ojson& item : *items) page.items.push_back(std::move(item));
  if (auto metadata = list.find("metadata"); metadata != list.end() && metadata->is_object()) {
    page.resource_version = ObjectResourceVersion(list);
    auto token = metadata->find("continue");
    if (token != metadata->end() && token->is_string()) page.next = token->get<std::string>();
  }
  return page;
}

}  // namespace

WatchStream::WatchStream(ClientFactory connect, WatchRequest request, Clock* clock,
                         WatchTiming timing)
    : connect_(std::move(connect)), request_(std::move(request)), clock_(clock), timing_(timing) {
  for (ojson& object : request_.known) {
    std::string name = ObjectName(object);
    if (!name.empty()) known_[name] = std::move(object);
  }
  request_.known.clear();
  resource_version_ = request_.resource_version;
}

std::string WatchStream::resource_version() const {
  std::lock_guard<std::mutex> lock(mu_);
  return resource_version_;
}

void WatchStream::NoteResourceVersion(const std::string& rv) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!rv.empty() && NewerResourceVersion(rv, resource_version_)) resource_version_ = rv;
}

void WatchStream::Cancel() {
  std::lock_guard<std::mutex> lock(mu_);
  cancelled_ = true;
  if (active_) active_->stop();
  cv_.notify_all();
}

bool WatchStream::WaitBackoff(Duration d) {
  std::unique_lock<std::mutex> lock(mu_);
  clock_->WaitFor(lock, cv_, d, [this] { return cancelled_.load(); });
  return !cancelled_;
}

Status WatchStream::Run(const WatchCallbacks& callbacks) {
  Duration backoff = timing_.first_backoff;
  bool relist = false;
  while (!cancelled_) {
    Attempt attempt = relist ? Relist(callbacks) : Stream(callbacks);
    if (cancelled_) break;
    switch (attempt.next) {
      case Next::kStop:
        return attempt.status;
      case Next::kRelist:
        relist = true;
        break;
      case Next::kReconnect:
        relist = false;
        backoff = timing_.first_backoff;
        break;
      case Next::kRetryLater:
        if (callbacks.on_error) callbacks.on_error(attempt.status);
        if (!WaitBackoff(backoff)) return Status::Ok();
        backoff = std::min(backoff * 2, timing_.max_backoff);
        break;
    }
  }
  return Status::Ok();
}

httplib::Result WatchStream::Request(
    const std::function<httplib::Result(httplib::Client&)>& request, std::string* transport_error) {
  std::unique_ptr<httplib::Client> client = connect_();
  client->set_read_timeout(timing_.idle_timeout.count(), 0);
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (cancelled_) return httplib::Result(nullptr, httplib::Error::Canceled);
    active_ = client.get();
  }
  httplib::Result result = request(*client);
  std::lock_guard<std::mutex> lock(mu_);
  active_ = nullptr;
  if (!result) *transport_error = TransportError(*client, result.error());
  return result;
}

WatchStream::Attempt WatchStream::Classify(int status, const std::string& body,
                                           const std::string& what) const {
  std::string message = what + ": " + Describe(status, body);
  if (status == 410) return {Next::kRelist, Status::Ok()};
  if (Transient(status)) return {Next::kRetryLater, Status::Unavailable(message)};
  Code code = status == 404 ? Code::kNotFound : status == 400 ? Code::kInvalid : Code::kInternal;
  return {Next::kStop, Status(code, message)};
}

WatchStream::Attempt WatchStream::Stream(const WatchCallbacks& callbacks) {
  const std::string rv = resource_version();
  const std::string path = Join(
      request_.collection,
      {"watch=true", request_.filters, rv.empty() ? "" : "resourceVersion=" + PercentEncode(rv)});
  const std::string what = "watch " + request_.collection;
  int status = 0;
  bool saw_bytes = false, stopped = false;
  std::string error_body;
  Status broken;  // the stream is not a watch stream
  LineSplitter lines;
  auto on_response = [&](const httplib::Response& response) {
    status = response.status;
    if (status != 200) return true;
    if (!IsNdjson(response.get_header_value("Content-Type"))) {
      broken = Status::Unavailable(what + ": the server does not stream watches (answered " +
                                   response.get_header_value("Content-Type") + ")");
      return false;
    }
    if (callbacks.on_connected) callbacks.on_connected();
    return true;
  };
  auto on_line = [&](std::string_view line) {
    Result<WatchEvent> event = DecodeWatchEvent(line);
    if (!event.ok()) {
      broken = Status::Unavailable(what + ": " + event.status().message());
      return false;
    }
    stopped = !Deliver(std::move(*event), callbacks);
    return !stopped;
  };
  auto on_body = [&](const char* data, size_t size) {
    if (cancelled_) return false;
    if (status != 200) {
      error_body.append(data,
                        std::min(size, kMaxErrorBody - std::min(kMaxErrorBody, error_body.size())));
      return true;
    }
    saw_bytes = true;
    Result<bool> fed = lines.Feed(std::string_view(data, size), on_line);
    if (!fed.ok()) broken = Status::Unavailable(what + ": " + fed.status().message());
    return fed.ok() && *fed;
  };
  std::string transport_error;
  httplib::Result result = Request(
      [&](httplib::Client& c) { return c.Get(path, on_response, on_body); }, &transport_error);
  if (cancelled_ || stopped) return {Next::kStop, Status::Ok()};
  if (!broken.ok()) return {Next::kStop, broken};
  if (status == 200 || !result) {
    // A stream that worked and then ended or broke is reopened at once; one
    // that never got going waits first, so a failing server is not hammered.
    if (saw_bytes) return {Next::kReconnect, Status::Ok()};
    std::string why = result ? "the server ended the stream at once" : transport_error;
    return {Next::kRetryLater, Status::Unavailable(what + ": " + why)};
  }
  return Classify(status, error_body, what);
}

bool WatchStream::Emit(const std::string& type, ojson object, const WatchCallbacks& callbacks) {
  WatchEvent event;
  event.type = type;
  event.object = std::move(object);
  std::string name = event.name();
  if (event.type == kWatchDeleted) {
    known_.erase(name);
  } else {
    known_[name] = event.object;
  }
  return callbacks.on_event(event);
}

bool WatchStream::Deliver(WatchEvent event, const WatchCallbacks& callbacks) {
  const std::string rv = event.resource_version();
  NoteResourceVersion(rv);
  auto seen = known_.find(event.name());
  // Delivery is at-least-once: a resumed stream may repeat what was handed
  // over already, and a deletion of what was never seen means nothing here.
  if (event.type == kWatchDeleted && seen == known_.end()) return true;
  if (event.type != kWatchDeleted && seen != known_.end() &&
      !NewerResourceVersion(rv, ObjectResourceVersion(seen->second))) {
    return true;
  }
  return Emit(event.type, std::move(event.object), callbacks);
}

WatchStream::Attempt WatchStream::Relist(const WatchCallbacks& callbacks) {
  const std::string what = "list " + request_.collection;
  std::map<std::string, ojson> fresh;
  std::string list_rv, token;
  bool first = true;
  do {
    std::string path =
        Join(request_.collection, {request_.filters, "limit=" + std::to_string(kRelistPageSize),
                                   token.empty() ? "" : "continue=" + PercentEncode(token)});
    std::string transport_error;
    httplib::Result r = Request([&](httplib::Client& c) { return c.Get(path); }, &transport_error);
    if (!r) return {Next::kRetryLater, Status::Unavailable(what + ": " + transport_error)};
    if (r->status != 200) {
      Attempt failed = Classify(r->status, r->body, what);
      return failed.next == Next::kRelist ? Attempt{Next::kRetryLater, Status::Ok()} : failed;
    }
    Result<Page> page = ParsePage(r->body);
    if (!page.ok()) return {Next::kStop, page.status().Wrap(what)};
    if (first) list_rv = page->resource_version;
    first = false;
    for (ojson& item : page->items) {
      std::string name = ObjectName(item);
      fresh[name] = std::move(item);
    }
    token = page->next;
  } while (!token.empty());
  return ReportRelist(std::move(fresh), list_rv, callbacks);
}

WatchStream::Attempt WatchStream::ReportRelist(std::map<std::string, ojson> fresh,
                                               const std::string& list_rv,
                                               const WatchCallbacks& callbacks) {
  std::vector<std::string> gone;
  for (const auto& [name, object] : known_) {
    if (!fresh.count(name)) gone.push_back(name);
  }
  for (const std::string& name : gone) {
    if (!Emit(kWatchDeleted, known_[name], callbacks)) return {Next::kStop, Status::Ok()};
  }
  for (auto& [name, object] : fresh) {
    auto seen = known_.find(name);
    const char* type = seen == known_.end() ? kWatchAdded : kWatchModified;
    if (seen != known_.end() &&
        ObjectResourceVersion(seen->second) == ObjectResourceVersion(object)) {
      continue;
    }
    if (!Emit(type, std::move(object), callbacks)) return {Next::kStop, Status::Ok()};
  }
  // Without a list version the watch starts over from the current state,
  // whose repeats Deliver drops.
  std::lock_guard<std::mutex> lock(mu_);
  resource_version_ = list_rv;
  return {Next::kReconnect, Status::Ok()};
}

}  // namespace cara::net
