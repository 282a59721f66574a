#include "net/connection_limiter.h"

namespace cara::net {

bool ConnectionLimiter::TryAdmit(const std::string& client) {
  std::lock_guard<std::mutex> lock(mu_);
  if (total_ >= limits_.max_connections) return false;
  auto it = per_client_.find(client);
  size_t held = it == per_client_.end() ? 0 : it->second;
  if (held >= limits_.max_per_client) return false;
  // The reserve: once the shared slots are gone, only clients without a
  // connection get one.
  size_t shared = limits_.max_connections > limits_.reserved_for_new_clients
                      ? limits_.max_connections - limits_.reserved_for_new_clients
                      : 0;
  if (total_ >= shared && held > 0) return false;
  ++total_;
  ++per_client_[client];
  return true;
}

void ConnectionLimiter::Release(const std::string& client) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = per_client_.find(client);
  if (it == per_client_.end()) return;
  if (--it->second == 0) per_client_.erase(it);
  --total_;
}

size_t ConnectionLimiter::open() const {
  std::lock_guard<std::mutex> lock(mu_);
  return total_;
}

}  // namespace cara::net
