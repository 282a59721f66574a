// WatchStream and its line splitting against a small NDJSON server on
// loopback that answers each watch request as the test scripted it: events,
// keep-alives, streams that end, 410 Gone, errors. Back-offs run on a fake
// clock, so "it waited before trying again" is proven without sleeping.
#include "net/watch_stream.h"

#include <catch2/catch.hpp>

#include <deque>
#include <thread>

#include "net/https_client.h"
#include "net/problem.h"
#include "support/eventually.h"
#include "support/fake_clock.h"

namespace cara::net {
namespace {

using namespace std::chrono_literals;
using ojson = nlohmann::ordered_json;
using testing::Eventually;

std::string Object(const std::string& name, int rv) {
  return R"({"kind":"Thing","metadata":{"name":")" + name + R"(","resourceVersion":")" +
         std::to_string(rv) + R"("}})";
}

std::string Event(const std::string& type, const std::string& name, int rv) {
  return R"({"type":")" + type + R"(","object":)" + Object(name, rv) + "}";
}

// How the server answers one watch request.
struct Reply {
  int status = 200;
  std::string content_type = "application/x-ndjson";
  std::vector<std::string> lines;  // each followed by '\n'; "" is a keep-alive
  bool hold = false;               // then stay open, sending keep-alives
  std::chrono::milliseconds keepalive_every = 20ms;
};

Reply Hold(std::vector<std::string> lines = {}) {
  Reply r;
  r.lines = std::move(lines);
  r.hold = true;
  return r;
}

Reply Fail(int status) {
  Reply r;
  r.status = status;
  r.content_type = kProblemContentType;
  r.lines = {ProblemBody(status, "scripted failure")};
  return r;
}

class FakeWatchServer {
 public:
  FakeWatchServer() {
    server_.Get("/api/v1/things",
                [this](const httplib::Request& req, httplib::Response& res) { Serve(req, res); });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::sleep_for(1ms);
  }
  ~FakeWatchServer() {
    stopping_ = true;
    server_.stop();
    thread_.join();
  }

  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  // Answers to the next watch requests, in order; when they run out, a
  // stream that stays open.
  void Script(std::vector<Reply> replies) {
    std::lock_guard<std::mutex> lock(mu_);
    for (Reply& r : replies) watches_.push_back(std::move(r));
  }
  void ListAnswer(std::string body) {
    std::lock_guard<std::mutex> lock(mu_);
    list_body_ = std::move(body);
  }
  // The query parameters of every request so far (watches and lists).
  std::vector<httplib::Params> Requests() const {
    std::lock_guard<std::mutex> lock(mu_);
    return requests_;
  }

 private:
  void Serve(const httplib::Request& req, httplib::Response& res) {
    std::lock_guard<std::mutex> lock(mu_);
    requests_.push_back(req.params);
    if (req.get_param_value("watch") != "true") {
      res.set_content(list_body_, "application/json");
      return;
    }
    Reply reply = Hold();
    if (!watches_.empty()) {
      reply = std::move(watches_.front());
      watches_.pop_front();
    }
    res.status = reply.status;
    std::string body;
    for (const std::string& line : reply.lines) body += line + "\n";
    if (!reply.hold) {
      res.set_content(body, reply.content_type);
      return;
    }
    res.set_chunked_content_provider(
        reply.content_type, [this, body, reply](size_t, httplib::DataSink& sink) {
          if (!sink.write(body.data(), body.size())) return false;
          auto next = std::chrono::steady_clock::now() + reply.keepalive_every;
          while (!stopping_) {
            std::this_thread::sleep_for(5ms);
            if (std::chrono::steady_clock::now() < next) continue;
            if (!sink.write("\n", 1)) return false;
            next += reply.keepalive_every;
          }
          return false;
        });
  }

  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  std::atomic<bool> stopping_{false};
  mutable std::mutex mu_;
  std::deque<Reply> watches_;
  std::string list_body_ = R"({"items":[]})";
  std::vector<httplib::Params> requests_;
};

std::string Param(const httplib::Params& params, const std::string& key) {
  auto it = params.find(key);
  return it == params.end() ? "<none>" : it->second;
}

// A WatchStream run on its own thread, collecting what it hands over.
class RunningWatch {
 public:
  RunningWatch(const std::string& url, WatchRequest request, Clock* clock)
      : stream_([url] { return NewHttpClient(url); }, std::move(request), clock) {
    thread_ = std::thread([this] {
      WatchCallbacks callbacks;
      callbacks.on_event = [this](const WatchEvent& e) {
        std::lock_guard<std::mutex> lock(mu_);
        events_.push_back(e.type + " " + e.name() + " " + e.resource_version());
        return true;
      };
      callbacks.on_connected = [this] { ++connects_; };
      callbacks.on_error = [this](const Status& st) {
        std::lock_guard<std::mutex> lock(mu_);
        errors_.push_back(st.message());
      };
      Status st = stream_.Run(callbacks);
      std::lock_guard<std::mutex> lock(mu_);
      result_ = st;
      done_ = true;
    });
  }
  ~RunningWatch() { static_cast<void>(Stop()); }

  Status Stop() {
    stream_.Cancel();
    if (thread_.joinable()) thread_.join();
    return result_;
  }
  std::vector<std::string> events() const {
    std::lock_guard<std::mutex> lock(mu_);
    return events_;
  }
  std::vector<std::string> errors() const {
    std::lock_guard<std::mutex> lock(mu_);
    return errors_;
  }
  bool done() const {
    std::lock_guard<std::mutex> lock(mu_);
    return done_;
  }
  int connects() const { return connects_; }
  WatchStream& stream() { return stream_; }

 private:
  WatchStream stream_;
  mutable std::mutex mu_;
  std::vector<std::string> events_, errors_;
  std::atomic<int> connects_{0};
  Status result_;
  bool done_ = false;
  std::thread thread_;
};

WatchRequest Things(const std::string& rv = "") {
  WatchRequest request;
  request.collection = "/api/v1/things";
  request.filters = "nodeRef=n1";
  request.resource_version = rv;
  return request;
}

}  // namespace

TEST_CASE("watch lines: pieces are joined, keep-alives and CR dropped, long lines refused",
          "[watch]") {
  LineSplitter lines(/*max_line=*/16);
  std::vector<std::string> got;
  auto collect = [&](std::string_view line) {
    got.emplace_back(line);
    return true;
  };
  REQUIRE(*lines.Feed("{\"a\":", collect));
  CHECK(got.empty());
  CHECK(lines.pending() == 5);
  REQUIRE(*lines.Feed("1}\n\n \r\n{\"b\":2}\r\n{\"c\"", collect));
  CHECK(got == std::vector<std::string>{"{\"a\":1}", "{\"b\":2}"});
  CHECK(lines.pending() == 4);

  Result<bool> too_long = lines.Feed("xxxxxxxxxxxxxxxxxxxxxx", collect);
  REQUIRE_FALSE(too_long.ok());
  CHECK(too_long.status().message() == "watch stream line longer than 16 bytes");

  LineSplitter stopping;
  int seen = 0;
  Result<bool> stopped = stopping.Feed("a\nb\nc\n", [&](std::string_view) { return ++seen < 2; });
  REQUIRE(stopped.ok());
  CHECK_FALSE(*stopped);
  CHECK(seen == 2);
}

TEST_CASE("watch events: decoded, or refused with what is wrong", "[watch]") {
  Result<WatchEvent> added = DecodeWatchEvent(Event("ADDED", "web", 7));
  REQUIRE(added.ok());
  CHECK(added->type == "ADDED");
  CHECK(added->name() == "web");
  CHECK(added->resource_version() == "7");
  CHECK(added->object.begin().key() == "kind");  // key order kept

  CHECK(DecodeWatchEvent("[1]").status().message() == "watch event is not a JSON object");
  CHECK(DecodeWatchEvent(R"({"object":{}})").status().message() == "watch event has no type");
  CHECK(DecodeWatchEvent(R"({"type":"BOOKMARK","object":{}})").status().message() ==
        "watch event has an unknown type \"BOOKMARK\"");
  CHECK(DecodeWatchEvent(R"({"type":"DELETED"})").status().message() ==
        "watch event DELETED has no object");
  CHECK(DecodeWatchEvent(R"({"type":"DELETED","object":{"metadata":{}}})").status().message() ==
        "watch event's object has no metadata.name");

  CHECK(NewerResourceVersion("10", "9"));
  CHECK_FALSE(NewerResourceVersion("9", "10"));
  CHECK_FALSE(NewerResourceVersion("9", "9"));
  CHECK(NewerResourceVersion("5", ""));
}

TEST_CASE("watch stream: events in order with the filters, keep-alives skipped", "[watch]") {
  FakeWatchServer server;
  server.Script({Hold(
      {Event("ADDED", "a", 1), "", Event("MODIFIED", "a", 2), "", Event("DELETED", "a", 3)})});
  RunningWatch watch(server.url(), Things(), SystemClock::Default());
  REQUIRE(Eventually([&] { return watch.events().size() == 3; }, 10s));
  CHECK(watch.events() == std::vector<std::string>{"ADDED a 1", "MODIFIED a 2", "DELETED a 3"});
  CHECK(watch.connects() == 1);
  CHECK(watch.stream().resource_version() == "3");
  CHECK(watch.Stop().ok());
  httplib::Params first = server.Requests().front();
  CHECK(Param(first, "watch") == "true");
  CHECK(Param(first, "nodeRef") == "n1");
  CHECK(Param(first, "resourceVersion") == "<none>");
}

TEST_CASE("watch stream: an ended stream is reopened from the newest version, repeats dropped",
          "[watch]") {
  FakeWatchServer server;
  Reply first;
  first.lines = {Event("ADDED", "a", 6), Event("MODIFIED", "b", 7)};  // then the server ends it
  server.Script({first, Hold({Event("MODIFIED", "b", 7), Event("MODIFIED", "a", 8)})});
  RunningWatch watch(server.url(), Things("5"), SystemClock::Default());
  REQUIRE(Eventually([&] { return watch.events().size() == 3; }, 10s));
  CHECK(watch.events() == std::vector<std::string>{"ADDED a 6", "MODIFIED b 7", "MODIFIED a 8"});
  CHECK(watch.Stop().ok());
  std::vector<httplib::Params> requests = server.Requests();
  REQUIRE(requests.size() == 2);
  CHECK(Param(requests[0], "resourceVersion") == "5");
  CHECK(Param(requests[1], "resourceVersion") == "7");
  CHECK(watch.errors().empty());  // reopened at once, no back-off
}

TEST_CASE("watch stream: 410 Gone re-lists and hands over the difference", "[watch]") {
  FakeWatchServer server;
  server.Script({Fail(410), Hold({Event("MODIFIED", "c", 10)})});
  server.ListAnswer(R"({"kind":"ThingList","metadata":{"resourceVersion":"9"},"items":[)" +
                    Object("b", 5) + "," + Object("c", 6) + "," + Object("d", 2) + "]}");
  WatchRequest request = Things("2");
  request.known = {ojson::parse(Object("a", 1)), ojson::parse(Object("b", 2)),
                   ojson::parse(Object("d", 2))};
  RunningWatch watch(server.url(), request, SystemClock::Default());
  bool four = Eventually([&] { return watch.events().size() == 4; }, 10s);
  INFO(Catch::Detail::stringify(watch.events()) + Catch::Detail::stringify(watch.errors()));
  REQUIRE(four);
  // a is gone, b changed, c is new, d is as it was.
  CHECK(watch.events() ==
        std::vector<std::string>{"DELETED a 1", "MODIFIED b 5", "ADDED c 6", "MODIFIED c 10"});
  CHECK(watch.Stop().ok());
  std::vector<httplib::Params> requests = server.Requests();
  REQUIRE(requests.size() == 3);
  CHECK(Param(requests[1], "watch") == "<none>");
  CHECK(Param(requests[1], "nodeRef") == "n1");
  CHECK(Param(requests[1], "limit") == "500");
  CHECK(Param(requests[2], "resourceVersion") == "9");
}

TEST_CASE("watch stream: a failed attempt waits its back-off on the clock", "[watch][fake]") {
  FakeWatchServer server;
  server.Script({Fail(503), Hold({Event("ADDED", "a", 1)})});
  FakeClock clock{Timestamp{}};
  RunningWatch watch(server.url(), Things(), &clock);
  REQUIRE(clock.AwaitIdle(1));  // waiting out the back-off
  REQUIRE(watch.errors().size() == 1);
  CHECK(watch.errors()[0] == "watch /api/v1/things: Service Unavailable: scripted failure");
  CHECK(server.Requests().size() == 1);
  CHECK(watch.events().empty());

  clock.Advance(499ms);
  REQUIRE(clock.AwaitIdle(1));
  CHECK(server.Requests().size() == 1);  // not yet

  clock.Advance(1ms);
  REQUIRE(Eventually([&] { return watch.events().size() == 1; }, 10s));
  CHECK(server.Requests().size() == 2);
  CHECK(watch.Stop().ok());
}

TEST_CASE("watch stream: Cancel ends a quiet stream and a back-off at once", "[watch][fake]") {
  FakeClock clock{Timestamp{}};
  {
    FakeWatchServer server;
    Reply quiet = Hold();
    quiet.keepalive_every = 60s;
    server.Script({quiet});
    RunningWatch watch(server.url(), Things(), &clock);
    REQUIRE(Eventually([&] { return watch.connects() == 1; }, 10s));
    auto start = std::chrono::steady_clock::now();
    CHECK(watch.Stop().ok());
    CHECK(std::chrono::steady_clock::now() - start < 5s);
  }
  FakeWatchServer server;
  server.Script({Fail(503)});
  RunningWatch watch(server.url(), Things(), &clock);
  REQUIRE(clock.AwaitIdle(1));
  CHECK(watch.Stop().ok());
}

TEST_CASE("watch stream: a refused watch ends Run with the server's problem", "[watch]") {
  FakeWatchServer server;
  Reply list;  // a server without the watch API answers with the list
  list.content_type = "application/json";
  list.lines = {R"({"items":[]})"};
  server.Script({Fail(403), Fail(404), list});
  for (const char* expected :
       {"watch /api/v1/things: Forbidden: scripted failure",
        "watch /api/v1/things: Not Found: scripted failure",
        "watch /api/v1/things: the server does not stream watches (answered application/json)"}) {
    RunningWatch watch(server.url(), Things(), SystemClock::Default());
    REQUIRE(Eventually([&] { return watch.done(); }, 10s));
    CHECK(watch.Stop().message() == expected);
  }
}

}  // namespace cara::net
