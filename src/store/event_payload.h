// The payload of a change notification between processes sharing a database
// (PostgreSQL NOTIFY cara_events): one store::Event and the origin of the
// Store that wrote it, so a Store can skip the echo of its own writes.
#pragma once

#include <optional>
#include <string>
#include <utility>

#include "store/store.h"

namespace cara::store {

// origin|type|kind|name|old|new|revision|create_revision|body. A body that
// would not fit in a notification is left out with its revisions (0|0|).
std::string EncodeEventPayload(const std::string& origin, const Event& event);

// The origin and the event; nullopt for anything else (e.g. the listener's
// session markers, store/listener_session.h).
std::optional<std::pair<std::string, Event>> DecodeEventPayload(const std::string& payload);

}  // namespace cara::store
