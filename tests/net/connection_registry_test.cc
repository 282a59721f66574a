// net/connection_registry: what a graceful stop does to quiet and busy
// connections, on socket pairs (no server needed).
#include "net/connection_registry.h"

#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <future>

#include <catch2/catch.hpp>

namespace cara::net {
namespace {

using namespace std::chrono_literals;

// A connected pair: `ours` is registered, `peer` sees what a stop does.
struct SocketPair {
  SocketPair() { REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) == 0); }
  ~SocketPair() {
    ::close(fds[0]);
    ::close(fds[1]);
  }
  int ours() const { return fds[0]; }
  // True when the peer reads end-of-file, i.e. our side was shut down.
  bool PeerSeesEof() const {
    char c;
    return ::recv(fds[1], &c, 1, MSG_DONTWAIT) == 0;
  }
  int fds[2];
};

TEST_CASE("no connection becomes quiet once the registry is stopping", "[net][registry]") {
  ConnectionRegistry registry;
  TrackedConnection conn;
  CHECK(conn.EnterQuiet(registry));
  registry.BeginStop();
  CHECK(registry.stopping());
  CHECK_FALSE(conn.EnterQuiet(registry));
}

TEST_CASE("Drain shuts quiet connections down at once and waits for them to leave",
          "[net][registry]") {
  ConnectionRegistry registry;
  SocketPair pair;
  TrackedConnection conn;
  FdRegistration fd(&conn, pair.ours());
  registry.Add(&conn);
  REQUIRE(conn.EnterQuiet(registry));
  CHECK_FALSE(pair.PeerSeesEof());

  auto drained = std::async(std::launch::async, [&] { return registry.Drain(10s, 1s); });
  // The connection notices the shutdown and ends, as a server's would.
  while (!pair.PeerSeesEof()) std::this_thread::yield();
  registry.Remove(&conn);
  CHECK(drained.get() == 0);
  CHECK(registry.size() == 0);
}

TEST_CASE("Drain lets a busy connection finish while it ends the quiet ones", "[net][registry]") {
  ConnectionRegistry registry;
  SocketPair quiet_pair;
  SocketPair busy_pair;
  TrackedConnection quiet;
  TrackedConnection busy;
  FdRegistration quiet_fd(&quiet, quiet_pair.ours());
  FdRegistration busy_fd(&busy, busy_pair.ours());
  registry.Add(&quiet);
  registry.Add(&busy);
  REQUIRE(quiet.EnterQuiet(registry));
  busy.EnterBusy();

  auto drained = std::async(std::launch::async, [&] { return registry.Drain(10s, 1s); });
  while (!quiet_pair.PeerSeesEof()) std::this_thread::yield();
  registry.Remove(&quiet);
  // Long before the soft deadline (9 s): the busy socket is still open.
  CHECK_FALSE(busy_pair.PeerSeesEof());
  registry.Remove(&busy);  // its response is done
  CHECK(drained.get() == 0);
  CHECK_FALSE(busy_pair.PeerSeesEof());
}

TEST_CASE("Drain gives busy connections the grace period, then shuts them down",
          "[net][registry]") {
  ConnectionRegistry registry;
  SocketPair pair;
  TrackedConnection conn;
  FdRegistration fd(&conn, pair.ours());
  registry.Add(&conn);
  conn.EnterBusy();

  const auto start = std::chrono::steady_clock::now();
  CHECK(registry.Drain(300ms, 100ms) == 1);  // never left: counted as forced
  CHECK(std::chrono::steady_clock::now() - start >= 300ms);
  CHECK(pair.PeerSeesEof());
  registry.Remove(&conn);
}

TEST_CASE("a released FdRegistration is no longer shut down", "[net][registry]") {
  ConnectionRegistry registry;
  SocketPair pair;
  TrackedConnection conn;
  FdRegistration fd(&conn, pair.ours());
  fd.Release();
  conn.Shutdown(/*quiet_only=*/false);
  CHECK_FALSE(pair.PeerSeesEof());
}

}  // namespace
}  // namespace cara::net
