// The client pool shared by the Docker transport and the server client. No
// network: clients are only constructed, never connected.
#include "agent/http_client_pool.h"

#include <httplib.h>

#include <catch2/catch.hpp>

namespace cara::agent {

TEST_CASE("HttpClientPool gives each caller its own client and keeps at most max_idle",
          "[agent][http_client_pool][fake]") {
  int made = 0;
  HttpClientPool pool(
      [&] {
        ++made;
        return std::make_unique<httplib::Client>("http://127.0.0.1:1");
      },
      /*max_idle=*/2);
  auto a = pool.Take();
  auto b = pool.Take();
  auto c = pool.Take();
  CHECK(made == 3);  // none idle: each concurrent caller gets a new one
  CHECK(a.get() != b.get());
  httplib::Client* first = a.get();
  httplib::Client* second = b.get();
  pool.Give(std::move(a));
  pool.Give(std::move(b));
  pool.Give(std::move(c));  // over max_idle: dropped

  auto d = pool.Take();
  auto e = pool.Take();
  CHECK(made == 3);  // both idle ones reused, last given first
  CHECK(d.get() == second);
  CHECK(e.get() == first);
  auto f = pool.Take();
  CHECK(made == 4);
}

}  // namespace cara::agent
