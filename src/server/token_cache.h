// Every API token's record in memory, so checking a request's token is a
// hash lookup rather than a store round trip. Kept current by the store's
// change events, including other replicas' (PostgreSQL NOTIFY), so a revoked
// token stops working everywhere as soon as the event arrives.
#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "common/status.h"
#include "store/store.h"
#include "store/token_records.h"

namespace cara::server {

class TokenCache {
 public:
  explicit TokenCache(store::Store* store);
  ~TokenCache();
  TokenCache(const TokenCache&) = delete;
  TokenCache& operator=(const TokenCache&) = delete;

  // Reads every token record; call once before serving.
  Status Load();
  std::optional<store::TokenRecord> Find(const std::string& id) const;

 private:
  void OnEvent(const store::Event& event);

  store::Store* store_;
  int subscription_;
  mutable std::mutex mu_;
  std::map<std::string, store::TokenRecord> by_id_;
};

}  // namespace cara::server
