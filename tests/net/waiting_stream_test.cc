// Response streams that wait (net::StreamStep::kWait), as watches do: a
// waiting stream holds no handler thread, its producer's wake function
// resumes it, the recheck interval calls it anyway, and Stop() ends it
// with a complete body.
#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

#include "net/http_server.h"
#include "support/http_client.h"
#include "support/raw_connection.h"

namespace cara::testing {
namespace {

using namespace std::chrono_literals;
using SteadyClock = std::chrono::steady_clock;

// /wait streams "start;", waits until Release(), then sends "done;" and ends.
// /poll waits without a wake function and ends on its third call.
class WaitingServer {
 public:
  explicit WaitingServer(net::HttpServerOptions options = {}) {
    options.host = "127.0.0.1";
    options.port = 0;
    server_ = std::make_unique<net::HttpServer>(
        options, [this](const net::HttpRequest& req, net::HttpResponse& res) {
          if (req.target == "/wait") return Wait(res);
          if (req.target == "/poll") return Poll(res);
          res.body = "plain";
        });
    REQUIRE(server_->Start().ok());
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(server_->port()); }
  int port() const { return server_->port(); }
  net::HttpServer& server() { return *server_; }

  void Release() {
    std::vector<std::function<void()>> wakes;
    {
      std::lock_guard<std::mutex> lock(mu_);
      released_ = true;
      wakes = wakes_;
    }
    for (auto& wake : wakes) wake();
  }
  size_t waiting() {
    std::lock_guard<std::mutex> lock(mu_);
    return wakes_.size();
  }
  std::atomic<int> calls{0};

 private:
  void Wait(net::HttpResponse& res) {
    auto step = std::make_shared<int>(0);
    res.stream = [this, step](std::string* piece) {
      ++calls;
      if (*step == 0) {
        *step = 1;
        *piece = "start;";
        return net::StreamStep::kWait;
      }
      std::lock_guard<std::mutex> lock(mu_);
      if (!released_) return net::StreamStep::kWait;
      *piece = "done;";
      return net::StreamStep::kDone;
    };
    res.bind_wake = [this](std::function<void()> wake) {
      std::lock_guard<std::mutex> lock(mu_);
      wakes_.push_back(std::move(wake));
    };
  }
  static void Poll(net::HttpResponse& res) {
    auto n = std::make_shared<int>(0);
    res.stream = [n](std::string* piece) {
      *piece = "call" + std::to_string(++*n) + ";";
      return *n < 3 ? net::StreamStep::kWait : net::StreamStep::kDone;
    };
  }

  std::mutex mu_;
  bool released_ = false;
  std::vector<std::function<void()>> wakes_;
  std::unique_ptr<net::HttpServer> server_;
};

TEST_CASE("net: waiting streams hold no handler thread and resume when woken", "[net]") {
  net::HttpServerOptions options;
  options.handler_threads = 2;
  options.stream_recheck = 60s;  // only the wake function may resume them
  WaitingServer server(options);
  std::vector<std::unique_ptr<RawConnection>> watches;
  for (int i = 0; i < 50; ++i) {
    watches.push_back(std::make_unique<RawConnection>(server.port()));
    watches.back()->Send("GET /wait HTTP/1.1\r\nHost: x\r\n\r\n");
  }
  for (int i = 0; i < 400 && server.waiting() < 50; ++i) std::this_thread::sleep_for(5ms);
  REQUIRE(server.waiting() == 50);
  HttpClient client(server.url());
  auto start = SteadyClock::now();
  CHECK_THAT(client.Get("/plain"), HasStatus(200));
  CHECK(SteadyClock::now() - start < 1s);

  server.Release();
  for (auto& watch : watches) {
    HttpResponse r = watch->ReadResponse();
    CHECK(r.header("Transfer-Encoding") == "chunked");
    CHECK(r.body == "start;done;");
  }
}

TEST_CASE("net: a waiting stream without a wake function is called again after the recheck",
          "[net]") {
  net::HttpServerOptions options;
  options.stream_recheck = 50ms;
  WaitingServer server(options);
  RawConnection conn(server.port());
  conn.Send("GET /poll HTTP/1.1\r\nHost: x\r\n\r\n");
  HttpResponse r = conn.ReadResponse();
  CHECK(r.body == "call1;call2;call3;");
  // HTTP/1.0 takes no chunks: a waiting stream ends with what it has.
  RawConnection old(server.port());
  old.Send("GET /poll HTTP/1.0\r\n\r\n");
  CHECK(old.ReadResponse().body == "call1;");
}

TEST_CASE("net: Stop ends waiting streams at once with a complete body", "[net]") {
  net::HttpServerOptions options;
  options.stream_recheck = 60s;
  WaitingServer server(options);
  RawConnection watch(server.port());
  watch.Send("GET /wait HTTP/1.1\r\nHost: x\r\n\r\n");
  for (int i = 0; i < 400 && server.waiting() < 1; ++i) std::this_thread::sleep_for(5ms);
  REQUIRE(server.waiting() == 1);
  auto start = SteadyClock::now();
  std::thread stopper([&] { server.server().Stop(); });
  HttpResponse r = watch.ReadResponse();
  stopper.join();
  CHECK(r.body == "start;");               // the last chunk arrived: the body is complete
  CHECK(SteadyClock::now() - start < 3s);  // not after stop_grace (10 s)
}

}  // namespace
}  // namespace cara::testing
