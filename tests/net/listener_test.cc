// net/listener: the sockets it opens are close-on-exec, so a program the
// process starts does not hold the server's connections open.
#include "net/listener.h"

#include <fcntl.h>
#include <sys/socket.h>

#include <future>
#include <thread>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>

namespace cara::net {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

bool CloseOnExec(int fd) { return (::fcntl(fd, F_GETFD) & FD_CLOEXEC) != 0; }

TEST_CASE("the listening and the accepted sockets are close-on-exec", "[net][listener]") {
  asio::io_context io;
  Listener listener(io.get_executor());
  REQUIRE_FALSE(listener.Listen({tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)}, 16));

  std::promise<int> accepted_fd;
  std::vector<tcp::socket> kept;  // open until the check below
  asio::co_spawn(io,
                 listener.AcceptLoop(
                     "test", [&] { return tcp::socket(io); },
                     [&](tcp::socket s) {
                       accepted_fd.set_value(s.native_handle());
                       kept.push_back(std::move(s));
                       listener.Close();
                     }),
                 asio::detached);
  std::thread runner([&] { io.run(); });

  asio::io_context client_io;
  tcp::socket client(client_io);
  client.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), listener.port()));
  int fd = accepted_fd.get_future().get();
  runner.join();
  CHECK(CloseOnExec(fd));

  // The listening socket: a second listener, checked before it is closed.
  asio::io_context io2;
  Listener second(io2.get_executor());
  REQUIRE_FALSE(second.Listen({tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)}, 16));
  int found = 0;
  for (int candidate = 3; candidate < 1024; ++candidate) {
    sockaddr_storage addr{};
    socklen_t len = sizeof(addr);
    if (::getsockname(candidate, reinterpret_cast<sockaddr*>(&addr), &len) != 0) continue;
    if (addr.ss_family != AF_INET) continue;
    auto* in = reinterpret_cast<sockaddr_in*>(&addr);
    if (ntohs(in->sin_port) != second.port()) continue;
    int listening = 0;
    socklen_t optlen = sizeof(listening);
    ::getsockopt(candidate, SOL_SOCKET, SO_ACCEPTCONN, &listening, &optlen);
    if (!listening) continue;
    ++found;
    CHECK(CloseOnExec(candidate));
  }
  CHECK(found == 1);
}

}  // namespace
}  // namespace cara::net
