// Admission of new connections: a global cap, a cap per client address, and
// a reserve of the last global slots for addresses that hold no connection
// yet. One client opening hundreds of sockets (slowloris) thus fills its own
// quota, and even a crowd of such clients leaves room for a newcomer (an
// operator's health check, a fresh agent). Thread-safe.
#pragma once

#include <cstddef>
#include <map>
#include <mutex>
#include <string>

namespace cara::net {

struct ConnectionLimits {
  size_t max_connections = 10000;
  size_t max_per_client = 256;
  size_t reserved_for_new_clients = 64;  // part of max_connections
};

class ConnectionLimiter {
 public:
  explicit ConnectionLimiter(ConnectionLimits limits) : limits_(limits) {}

  // True (and counted) if a connection from `client` may be served now.
  bool TryAdmit(const std::string& client);
  // Ends a connection admitted by TryAdmit.
  void Release(const std::string& client);

  size_t open() const;

 private:
  const ConnectionLimits limits_;
  mutable std::mutex mu_;
  size_t total_ = 0;
  std::map<std::string, size_t> per_client_;
};

}  // namespace cara::net
