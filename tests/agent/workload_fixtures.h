// What the workload tests on a real dockerd share: a service command that
// serves the test page and stops at once, and a host port held by the test.
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>

namespace cara::testing {

// httpd as PID 1 would ignore SIGTERM; the trap makes stops immediate.
inline constexpr char kServeTestPage[] = "trap 'exit 0' TERM; httpd -f -p 80 -h /www & wait";

// A listening socket on 127.0.0.1:port, held for the object's lifetime: a
// host port taken by something that is not Caravanserai.
class HeldPort {
 public:
  explicit HeldPort(int port) : fd_(::socket(AF_INET, SOCK_STREAM, 0)) {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int one = 1;
    ::setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    REQUIRE(::listen(fd_, 1) == 0);
  }
  ~HeldPort() { ::close(fd_); }
  HeldPort(const HeldPort&) = delete;
  HeldPort& operator=(const HeldPort&) = delete;

 private:
  int fd_;
};

}  // namespace cara::testing
