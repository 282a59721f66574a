#include "server/token_cache.h"

#include "common/log.h"

namespace cara::server {

// Subscribed before the first Load, so a change made while loading is
// applied (again) afterwards rather than lost.
TokenCache::TokenCache(store::Store* store) : store_(store) {
  subscription_ =
      store_->Subscribe([this](const store::Event& e) { OnEvent(e); }, {store::kKindToken});
}

TokenCache::~TokenCache() { store_->Unsubscribe(subscription_); }

Status TokenCache::Load() {
  auto tokens = store::ListTokens(*store_);
  if (!tokens.ok()) return tokens.status();
  std::map<std::string, store::TokenRecord> loaded;
  for (auto& t : *tokens) loaded.emplace(t.id, std::move(t));
  std::lock_guard<std::mutex> lock(mu_);
  by_id_ = std::move(loaded);
  return Status::Ok();
}

std::optional<store::TokenRecord> TokenCache::Find(const std::string& id) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = by_id_.find(id);
  if (it == by_id_.end()) return std::nullopt;
  return it->second;
}

void TokenCache::OnEvent(const store::Event& event) {
  if (event.type == store::EventType::kDeleted) {
    std::lock_guard<std::mutex> lock(mu_);
    by_id_.erase(event.name);
    return;
  }
  auto record = store::GetToken(*store_, event.name);
  if (!record.ok()) {
    LOG_ERROR("cannot read new token").Kv("id", event.name).Kv("error", record.status().message());
    return;
  }
  std::lock_guard<std::mutex> lock(mu_);
  if (*record) {
    by_id_[event.name] = std::move(**record);
  } else {
    by_id_.erase(event.name);  // deleted again before we read it
  }
}

}  // namespace cara::server
