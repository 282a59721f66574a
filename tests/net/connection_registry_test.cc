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

// A connection with one registered socket, added to `registry`.
struct Member {
  explicit Member(ConnectionRegistry* registry) : fd(&conn, pair.ours()) { registry->Add(&conn); }
  SocketPair pair;
  TrackedConnection conn;
  FdRegistration fd;
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
  Member m(&registry);
  REQUIRE(m.conn.EnterQuiet(registry));
  CHECK_FALSE(m.pair.PeerSeesEof());

  auto drained = std::async(std::launch::async, [&] { return registry.Drain(10s, 1s); });
  // The connection notices the shutdown and ends, as a server's would.
  while (!m.pair.PeerSeesEof()) std::this_thread::yield();
  registry.Remove(&m.conn);
  CHECK(drained.get() == 0);
  CHECK(registry.size() == 0);
}

TEST_CASE("Drain lets a busy connection finish while it ends the quiet ones", "[net][registry]") {
  ConnectionRegistry registry;
  Member quiet(&registry);
  Member busy(&registry);
  REQUIRE(quiet.conn.EnterQuiet(registry));
  busy.conn.EnterBusy();

  auto drained = std::async(std::launch::async, [&] { return registry.Drain(10s, 1s); });
  while (!quiet.pair.PeerSeesEof()) std::this_thread::yield();
  registry.Remove(&quiet.conn);
  // Long before the soft deadline (9 s): the busy socket is still open.
  CHECK_FALSE(busy.pair.PeerSeesEof());
  registry.Remove(&busy.conn);  // its response is done
  CHECK(drained.get() == 0);
  CHECK_FALSE(busy.pair.PeerSeesEof());
}

TEST_CASE("Drain gives busy connections the grace period, then shuts them down",
          "[net][registry]") {
  ConnectionRegistry registry;
  Member m(&registry);
  m.conn.EnterBusy();

  const auto start = std::chrono::steady_clock::now();
  CHECK(registry.Drain(300ms, 100ms) == 1);  // never left: counted as forced
  CHECK(std::chrono::steady_clock::now() - start >= 300ms);
  CHECK(m.pair.PeerSeesEof());
  registry.Remove(&m.conn);
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
