// The HTTP layer under abuse (issue 11, items 7-9), over real loopback
// sockets against the real server: chunked bodies count against the body
// limit, slow sockets cannot starve other clients, and a 413 always reaches
// a client that is still sending.
#include <atomic>
#include <chrono>
#include <memory>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

#include "api_test_util.h"
#include "support/eventually.h"
#include "support/raw_connection.h"

namespace cara::testing {
namespace {

using namespace std::chrono_literals;
using SteadyClock = std::chrono::steady_clock;

std::string Chunk(const std::string& data) {
  char size[32];
  std::snprintf(size, sizeof size, "%zx\r\n", data.size());
  return size + data + "\r\n";
}

std::string ChunkedPostHead(const TestServer& server, const std::string& path) {
  return "POST " + path + " HTTP/1.1\r\nHost: localhost\r\n" + BearerLine(server) +
         "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n";
}

// A Project document of about `size` bytes (one big annotation).
std::string ProjectOfSize(const std::string& name, size_t size) {
  json body = ProjectBody(name);
  body["metadata"]["annotations"] = {{"blob", std::string(size, 'x')}};
  return body.dump();
}

// Sends `text` as chunks of at most 64 KiB; false once the server is gone.
bool SendChunked(RawConnection& conn, const std::string& text) {
  for (size_t at = 0; at < text.size(); at += 64 * 1024) {
    if (!conn.TrySend(Chunk(text.substr(at, 64 * 1024)))) return false;
  }
  return conn.TrySend("0\r\n\r\n");
}

TEST_CASE("A chunked body over --max-body-bytes gets 413 and stores nothing", "[http][limits]") {
  for (const std::string& backend : AllBackends()) {
    DYNAMIC_SECTION(backend) {
      TestServer server(backend);  // the default limit: 1 MiB
      HttpClient api(server.url());

      RawConnection big(server.url());
      big.Send(ChunkedPostHead(server, kProjects));
      // Answered early, the rest is read and dropped: no reset while sending.
      CHECK(SendChunked(big, ProjectOfSize("big", 5 << 20)));
      HttpResponse r = big.ReadResponse();
      CHECK_THAT(r, IsProblem(413, "request body exceeds the limit of 1048576 bytes"));
      CHECK_THAT(api.Get(ProjectPath("big")), HasStatus(404));
      CHECK(ListNames(api, kProjects).empty());

      // Chunked bodies within the limit are read whole as before.
      RawConnection small(server.url());
      small.Send(ChunkedPostHead(server, kProjects));
      REQUIRE(SendChunked(small, ProjectOfSize("small", 200 << 10)));
      CHECK_THAT(small.ReadResponse(), HasStatus(201));
      CHECK(ListNames(api, kProjects) == std::vector<std::string>{"small"});
    }
  }
}

TEST_CASE("A 100 MB chunked body is refused while it is still being sent", "[http][limits]") {
  TestServer server("sqlite");
  RawConnection conn(server.url());
  conn.Send(ChunkedPostHead(server, kProjects));
  constexpr size_t kTotal = 100 << 20;
  std::atomic<size_t> sent{0};
  std::atomic<bool> answered{false};
  // The sender never holds more than one chunk; it stops when the answer is
  // in (or the server cut the connection after its grace period).
  std::thread sender([&] {
    const std::string chunk = Chunk(std::string(64 * 1024, ' '));
    while (sent < kTotal && !answered) {
      if (!conn.TrySend(chunk)) return;
      sent += 64 * 1024;
      if (sent % (1 << 20) == 0) std::this_thread::sleep_for(2ms);
    }
  });
  HttpResponse r = conn.ReadResponse();
  size_t sent_when_answered = sent;
  answered = true;
  sender.join();
  CHECK_THAT(r, IsProblemWithAnyDetail(413));
  // Answered after about the limit, not after buffering the whole body.
  CHECK(sent_when_answered < kTotal / 2);
  HttpClient api(server.url());
  CHECK(ListNames(api, kProjects).empty());
}

TEST_CASE("A client sending 10 MB with Content-Length always reads its 413", "[http][limits]") {
  for (const std::string& backend : AllBackends()) {
    DYNAMIC_SECTION(backend) {
      TestServer server(backend);
      const std::string body = ProjectOfSize("big", 10 << 20);
      for (int i = 0; i < 50; ++i) {
        INFO("attempt " << i);
        RawConnection conn(server.url());
        conn.TrySend("POST " + kProjects + " HTTP/1.1\r\nHost: localhost\r\n" + BearerLine(server) +
                     "Content-Type: application/json\r\nContent-Length: " +
                     std::to_string(body.size()) + "\r\n\r\n");
        // As a naive client does: all of it, then read. The server answers
        // early, but must not reset the connection under the client's feet.
        REQUIRE(conn.TrySend(body));
        REQUIRE_THAT(conn.ReadResponse(), IsProblemWithAnyDetail(413));
      }
      // The same through cpp-httplib's client, which gives up on a failed write.
      HttpClient client(server.url());
      for (int i = 0; i < 10; ++i) {
        INFO("httplib attempt " << i);
        REQUIRE_THAT(client.Post(kProjects, body), IsProblemWithAnyDetail(413));
      }
      HttpClient api(server.url());
      CHECK(ListNames(api, kProjects).empty());
    }
  }
}

TEST_CASE("200 slow sockets do not keep /api/healthz from answering within 1 s",
          "[http][slowloris]") {
  TestServer server("sqlite");  // default options: 64 handler threads
  // Each sends part of its headers, then a byte now and then: never done.
  std::vector<std::unique_ptr<RawConnection>> slow;
  for (int i = 0; i < 200; ++i) {
    slow.push_back(std::make_unique<RawConnection>(server.url()));
    slow.back()->TrySend("GET /api/healthz HTTP/1.1\r\nHost: localhost\r\nX-Slow: ");
  }
  std::this_thread::sleep_for(200ms);  // let the server take them all in
  for (int round = 0; round < 8; ++round) {
    for (auto& s : slow) s->TrySend("a");
    // From another address, as a monitoring client would connect.
    auto start = SteadyClock::now();
    RawConnection check(server.url(), "127.0.0.2");
    check.SetReadTimeout(5s);
    check.Send("GET /api/healthz HTTP/1.1\r\nHost: localhost\r\n\r\n");
    HttpResponse r = check.ReadResponse();
    auto took = SteadyClock::now() - start;
    INFO("round " << round << ": "
                  << std::chrono::duration_cast<std::chrono::milliseconds>(took).count() << " ms");
    CHECK_THAT(r, HasStatus(200));
    CHECK(took < 1s);
  }
}

TEST_CASE("Headers must arrive within --header-timeout", "[http][slowloris]") {
  server::ServerOptions options;
  options.header_timeout = 500ms;
  TestServer server("sqlite", options);
  RawConnection slow(server.url());
  auto start = SteadyClock::now();
  bool closed = false;
  for (int i = 0; i < 40 && !closed; ++i) {
    // A byte every 100 ms: never idle, never done.
    closed = !slow.TrySend(i == 0 ? "GET /api/healthz HTTP/1.1\r\nX: " : "a") ||
             slow.ClosedByPeerWithin(100ms);
  }
  CHECK(closed);
  CHECK(SteadyClock::now() - start < 3s);
}

TEST_CASE("Connections per client address are capped", "[http][slowloris]") {
  server::ServerOptions options;
  options.max_connections_per_client = 20;
  TestServer server("sqlite", options);
  std::vector<std::unique_ptr<RawConnection>> held;
  for (int i = 0; i < 20; ++i) held.push_back(std::make_unique<RawConnection>(server.url()));
  // Admission is asynchronous: the 21st is refused once all 20 are counted.
  bool refused = Eventually(
      [&] {
        try {
          RawConnection extra(server.url());
          return extra.ClosedByPeerWithin(500ms);
        } catch (const std::runtime_error& e) {
          // Over TLS a refused connection is closed during its handshake.
          return std::string(e.what()).rfind("TLS handshake", 0) == 0;
        }
      },
      10s);
  CHECK(refused);
  RawConnection other(server.url(), "127.0.0.2");
  other.Send("GET /api/healthz HTTP/1.1\r\nHost: localhost\r\n\r\n");
  CHECK_THAT(other.ReadResponse(), HasStatus(200));
  held[0]->Send("GET /api/healthz HTTP/1.1\r\nHost: localhost\r\n\r\n");
  CHECK_THAT(held[0]->ReadResponse(), HasStatus(200));
}

}  // namespace
}  // namespace cara::testing
