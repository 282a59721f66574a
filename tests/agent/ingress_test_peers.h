// Test peers of the ingress proxy: real HTTP backends (httplib servers on
// 127.0.0.1), a raw TCP backend for the Upgrade path, and a raw client.
// Shared by the plain and the TLS proxy tests.
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

#include <httplib.h>
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "raw_client.h"

namespace cara::agent {

using namespace std::chrono_literals;

// A one-shot flag with a timed wait.
class Latch {
 public:
  void Set() {
    std::lock_guard<std::mutex> lock(mu_);
    set_ = true;
    cv_.notify_all();
  }
  bool Wait(std::chrono::milliseconds timeout) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, timeout, [&] { return set_; });
  }
  bool IsSet() {
    std::lock_guard<std::mutex> lock(mu_);
    return set_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool set_ = false;
};

// A real HTTP backend (not a RouteTable Backend) named `name`.
class HttpBackend {
 public:
  explicit HttpBackend(std::string name) : name_(std::move(name)) {
    server_.set_tcp_nodelay(true);
    server_.Get("/who", [this](const httplib::Request&, httplib::Response& res) {
      res.set_header("X-Backend", name_);
      res.set_content(name_, "text/plain");
    });
    server_.Get("/headers", [](const httplib::Request& req, httplib::Response& res) {
      nlohmann::json j = nlohmann::json::object();
      for (const auto& [k, v] : req.headers) j[k] = v;
      res.set_content(j.dump(), "application/json");
    });
    server_.Get("/status/418", [](const httplib::Request&, httplib::Response& res) {
      res.status = 418;
      res.set_header("X-Teapot", "short and stout");
      res.set_content("I'm a teapot", "text/plain");
    });
    server_.Post("/echo", [](const httplib::Request& req, httplib::Response& res) {
      res.set_content(req.body, "application/octet-stream");
    });
    // Streams "first", then waits for the client to have seen it (proof
    // that the proxy does not hold back the response), then "second".
    server_.Get("/stream", [this](const httplib::Request&, httplib::Response& res) {
      res.set_chunked_content_provider("text/plain",
                                       [this](size_t offset, httplib::DataSink& sink) {
                                         if (offset == 0) {
                                           sink.write("first\n", 6);
                                           return true;
                                         }
                                         released_in_time_ = client_saw_first_.Wait(5000ms);
                                         sink.write("second\n", 7);
                                         sink.done();
                                         return true;
                                       });
    });
    // Reads the upload piece by piece; signals once the first piece is in
    // (proof that the proxy does not hold back the request body).
    server_.Post("/upload", [this](const httplib::Request&, httplib::Response& res,
                                   const httplib::ContentReader& reader) {
      std::string body;
      reader([&](const char* data, size_t n) {
        body.append(data, n);
        if (body.find("part1") != std::string::npos) first_part_arrived_.Set();
        return true;
      });
      res.set_content("got " + body, "text/plain");
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    // httplib's stop() is a no-op until the listen loop runs: wait for it,
    // or a quick test's destructor would join a thread blocked in accept().
    while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ~HttpBackend() {
    client_saw_first_.Set();
    first_part_arrived_.Set();
    server_.stop();
    thread_.join();
  }
  int port() const { return port_; }

  Latch client_saw_first_;
  std::atomic<bool> released_in_time_{false};
  Latch first_part_arrived_;

 private:
  std::string name_;
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
};

inline int ClosedPort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

// A raw TCP backend that answers an Upgrade request with 101, greets in the
// same packet, then echoes.
class UpgradeBackend {
 public:
  UpgradeBackend() {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    REQUIRE(::listen(listen_fd_, 16) == 0);
    socklen_t len = sizeof addr;
    ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] {
      int fd = ::accept(listen_fd_, nullptr, nullptr);
      if (fd < 0) return;
      conn_fd_ = fd;
      std::string in;
      char buf[4096];
      while (in.find("\r\n\r\n") == std::string::npos) {
        ssize_t n = ::recv(fd, buf, sizeof buf, 0);
        if (n <= 0) return;
        in.append(buf, n);
      }
      {
        std::lock_guard<std::mutex> lock(mu_);
        request_ = in.substr(0, in.find("\r\n\r\n"));
      }
      std::string reply =
          "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: "
          "echo\r\n\r\nwelcome;";
      ::send(fd, reply.data(), reply.size(), MSG_NOSIGNAL);
      std::string rest = in.substr(in.find("\r\n\r\n") + 4);
      if (!rest.empty()) ::send(fd, rest.data(), rest.size(), MSG_NOSIGNAL);
      for (;;) {
        ssize_t n = ::recv(fd, buf, sizeof buf, 0);
        if (n <= 0) break;
        ::send(fd, buf, n, MSG_NOSIGNAL);
      }
      ended_ = true;
    });
  }
  ~UpgradeBackend() {
    ::shutdown(listen_fd_, SHUT_RDWR);
    if (conn_fd_ >= 0) ::shutdown(conn_fd_, SHUT_RDWR);
    thread_.join();
    ::close(listen_fd_);
    if (conn_fd_ >= 0) ::close(conn_fd_);
  }
  int port() const { return port_; }
  bool ended() const { return ended_; }
  std::string request() {
    std::lock_guard<std::mutex> lock(mu_);
    return request_;
  }

 private:
  int listen_fd_ = -1;
  std::atomic<int> conn_fd_{-1};
  int port_ = 0;
  std::thread thread_;
  std::atomic<bool> ended_{false};
  std::mutex mu_;
  std::string request_;
};

// Through a client connected to the proxy (anything with Send and
// ReadUntil, plain or TLS): an Upgrade request routed to `up`, the 101 and
// the greeting that came with it, then an echo both ways.
template <class Client>
void ExpectEchoTunnel(Client& c, UpgradeBackend& up) {
  c.Send(
      "GET /socket HTTP/1.1\r\nHost: ws.example.com\r\nConnection: Upgrade\r\n"
      "Upgrade: echo\r\n\r\n");
  REQUIRE(c.ReadUntil("welcome;"));
  CHECK(c.data().rfind("HTTP/1.1 101 Switching Protocols\r\n", 0) == 0);
  CHECK(up.request().find("Upgrade: echo") != std::string::npos);
  c.Send("ping-pong");
  REQUIRE(c.ReadUntil("ping-pong"));
}

}  // namespace cara::agent
