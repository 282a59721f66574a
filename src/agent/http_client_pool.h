// Idle cpp-httplib clients kept for reuse. httplib::Client is not safe for
// concurrent use, so a client taken from the pool is the caller's alone until
// it is given back; more concurrent callers simply get more clients, and only
// `max_idle` are kept afterwards.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

namespace httplib {
class Client;
}

namespace cara::agent {

class HttpClientPool {
 public:
  using Factory = std::function<std::unique_ptr<httplib::Client>()>;

  HttpClientPool(Factory make_client, size_t max_idle);
  ~HttpClientPool();
  HttpClientPool(const HttpClientPool&) = delete;
  HttpClientPool& operator=(const HttpClientPool&) = delete;

  // An idle client, else a new one from the factory.
  std::unique_ptr<httplib::Client> Take();
  // Keeps the client for the next Take, unless `max_idle` are kept already.
  // A client whose request failed is not given back: dropping it drops its
  // connection, which may be broken.
  void Give(std::unique_ptr<httplib::Client> client);

 private:
  const Factory make_client_;
  const size_t max_idle_;
  std::mutex mu_;
  std::vector<std::unique_ptr<httplib::Client>> idle_;  // guarded by mu_
};

}  // namespace cara::agent
