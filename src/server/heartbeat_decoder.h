// Decodes heartbeat bodies, remembering each node's last valid one. An agent
// sends the same bytes every interval while nothing changes (its body has no
// timestamps), so a body equal to the node's previous one reuses that
// decode, and the JSON Schema check it passed, instead of doing both again.
// Decoding is a pure function of the bytes, so the answer is the same.
#pragma once

#include <mutex>
#include <string>
#include <unordered_map>

#include "api/types.h"
#include "server/problem.h"

namespace cara::server {

class HeartbeatDecoder {
 public:
  Decoded<api::NodeStatus> Decode(const std::string& node, const std::string& body);

 private:
  struct Last {
    std::string body;
    api::NodeStatus status;
  };
  // One entry per node that sent a valid body; a fleet's worth at most
  // (beyond it the map starts over, so names of deleted nodes cannot pile up).
  static constexpr size_t kMaxNodes = 100000;
  std::mutex mu_;
  std::unordered_map<std::string, Last> last_;
};

}  // namespace cara::server
