#include "controllers/event_recorder.h"

#include "common/log.h"

namespace cara::controllers {
namespace {

class NullRecorder final : public EventRecorder {
 public:
  void Record(const api::ObjectReference&, const char*, const char*, const std::string&) override {}
};

}  // namespace

std::shared_ptr<EventRecorder> NullEventRecorder() {
  static const auto recorder = std::make_shared<NullRecorder>();
  return recorder;
}

void StoreEventRecorder::Record(const api::ObjectReference& object, const char* type,
                                const char* reason, const std::string& message) {
  api::Event event = api::MakeEvent(object, type, reason, message);
  event.source.component = api::kComponentServer;
  auto stored = store::RecordEvent(*store_, std::move(event), clock_->Now(), retention_);
  if (!stored.ok()) {
    LOG_WARN("cannot record an event")
        .Kv("object", api::FormatObjectReference(object))
        .Kv("reason", reason)
        .Kv("error", stored.status().message());
  }
}

void StoreEventRecorder::RecordAll(const std::vector<Entry>& entries) {
  if (entries.empty()) return;
  std::vector<api::Event> events;
  events.reserve(entries.size());
  for (const Entry& e : entries) {
    events.push_back(api::MakeEvent(e.object, e.type, e.reason, e.message));
    events.back().source.component = api::kComponentServer;
  }
  auto stored = store::RecordEvents(*store_, std::move(events), clock_->Now(), retention_);
  if (!stored.ok()) {
    LOG_WARN("cannot record events")
        .Kv("count", entries.size())
        .Kv("error", stored.status().message());
  }
}

}  // namespace cara::controllers
