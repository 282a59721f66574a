#include "store/event_payload.h"

#include <exception>
#include <vector>

namespace cara::store {
namespace {

// Names and phases are validated and never contain '|'; the body, last, may.
// A body that would not fit in a PostgreSQL notification (8000 bytes) is
// left out with its revisions: the receiver reads the row instead.
constexpr size_t kMaxPayload = 7900;
constexpr int kPayloadFields = 9;

}  // namespace

std::string EncodeEventPayload(const std::string& origin, const Event& e) {
  std::string head = origin + "|" + std::to_string(static_cast<int>(e.type)) + "|" + e.kind + "|" +
                     e.name + "|" + e.old_phase + "|" + e.new_phase + "|";
  if (e.body.empty() || head.size() + e.body.size() + 48 > kMaxPayload) return head + "0|0|";
  return head + std::to_string(e.revision) + "|" + std::to_string(e.create_revision) + "|" + e.body;
}

std::optional<std::pair<std::string, Event>> DecodeEventPayload(const std::string& payload) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (static_cast<int>(parts.size()) < kPayloadFields - 1) {
    size_t bar = payload.find('|', start);
    if (bar == std::string::npos) break;
    parts.push_back(payload.substr(start, bar - start));
    start = bar + 1;
  }
  parts.push_back(payload.substr(start));
  // Six fields: a replica of an older version, which sends no body.
  if (parts.size() != 6 && static_cast<int>(parts.size()) != kPayloadFields) return std::nullopt;
  if (parts[1].size() != 1 || parts[1][0] < '0' || parts[1][0] > '2') return std::nullopt;
  Event e{static_cast<EventType>(parts[1][0] - '0'), parts[2], parts[3], parts[4], parts[5]};
  if (parts.size() == kPayloadFields) {
    try {
      e.revision = std::stoll(parts[6]);
      e.create_revision = std::stoll(parts[7]);
    } catch (const std::exception&) {
      return std::nullopt;
    }
    e.body = std::move(parts[8]);
  }
  return std::make_pair(parts[0], e);
}

}  // namespace cara::store
