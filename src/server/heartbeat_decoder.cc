#include "server/heartbeat_decoder.h"

#include "server/request_body.h"

namespace cara::server {

Decoded<api::NodeStatus> HeartbeatDecoder::Decode(const std::string& node,
                                                  const std::string& body) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = last_.find(node);
    if (it != last_.end() && it->second.body == body) return it->second.status;
  }
  auto decoded = DecodeHeartbeat(body);
  if (!decoded.ok()) return decoded;
  std::lock_guard<std::mutex> lock(mu_);
  if (last_.size() >= kMaxNodes && last_.find(node) == last_.end()) last_.clear();
  last_[node] = Last{body, *decoded};
  return decoded;
}

}  // namespace cara::server
