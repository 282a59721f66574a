// Events for people, as kubectl shows them: the `get events` table (LAST
// SEEN, TYPE, REASON, OBJECT, MESSAGE; -o wide adds SOURCE, FIRST SEEN,
// COUNT and NAME) and the `Events:` section that ends describe. Both take
// the events as the server lists them (newest last).
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli/api_client.h"
#include "common/clock.h"
#include "common/status.h"

namespace cara::cli {

std::string EventTable(const std::vector<nlohmann::ordered_json>& events, bool wide, bool headers,
                       Timestamp now);

// "Events:" and a table (Type, Reason, Age, From, Message), or
// "Events:  <none>".
std::string EventsSection(const std::vector<nlohmann::ordered_json>& events, Timestamp now);

// GET /api/v1/events, of one object ("project/NAME", "node/NAME") or all ("").
Result<std::vector<nlohmann::ordered_json>> FetchEvents(ApiClient& client,
                                                        const std::string& object);

}  // namespace cara::cli
