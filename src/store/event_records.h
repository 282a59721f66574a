// Events as store records (kind "Event", named by api::EventName, so an
// exact repeat is the same record and is folded: count + 1, a new
// lastTimestamp). Writes are announced, so watchers and other replicas see
// them. Retention keeps the store small however chatty a crash loop is: at
// most `per_object` events per involved object (the oldest go on insert) and
// none older than `ttl` after its lastTimestamp (a periodic sweep).
#pragma once

#include <chrono>
#include <cstddef>
#include <vector>

#include "api/event.h"
#include "common/clock.h"
#include "common/status.h"
#include "store/store.h"

namespace cara::store {

struct EventRetention {
  Duration ttl = std::chrono::hours(1);
  size_t per_object = 100;
};

// Stores `event` (its object, reason, type, message and source) as seen at
// `now`: a new record with count 1, or the existing repeat folded. Returns
// the record as stored.
Result<api::Event> RecordEvent(Store& store, api::Event event, Timestamp now,
                               const EventRetention& retention);

// RecordEvent of many events in one transaction, and one retention pass
// for all the objects that got a new record. Returns them as stored, in order.
Result<std::vector<api::Event>> RecordEvents(Store& store, std::vector<api::Event> events,
                                             Timestamp now, const EventRetention& retention);

// The matching events, newest (by lastTimestamp) last.
Result<std::vector<api::Event>> ListEvents(Store& store, const api::EventFilter& filter = {});

// Deletes the events whose lastTimestamp is more than `ttl` before `now`;
// returns how many went.
Result<size_t> SweepExpiredEvents(Store& store, Timestamp now, Duration ttl);

}  // namespace cara::store
