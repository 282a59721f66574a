#include "agent/http_client_pool.h"

#include <httplib.h>

namespace cara::agent {

HttpClientPool::HttpClientPool(Factory make_client, size_t max_idle)
    : make_client_(std::move(make_client)), max_idle_(max_idle) {}

HttpClientPool::~HttpClientPool() = default;

std::unique_ptr<httplib::Client> HttpClientPool::Take() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!idle_.empty()) {
      auto client = std::move(idle_.back());
      idle_.pop_back();
      return client;
    }
  }
  return make_client_();
}

void HttpClientPool::Give(std::unique_ptr<httplib::Client> client) {
  std::lock_guard<std::mutex> lock(mu_);
  if (idle_.size() < max_idle_) idle_.push_back(std::move(client));
}

}  // namespace cara::agent
