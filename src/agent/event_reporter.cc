#include "agent/event_reporter.h"

#include "common/log.h"

namespace cara::agent {

void EventReporter::Project(const std::string& project, const char* type, const char* reason,
                            const std::string& message) const {
  if (server_ == nullptr) return;
  api::Event event = api::MakeEvent(api::ProjectRef(project), type, reason, message);
  event.source = {api::kComponentAgent, node_};
  if (queue_ != nullptr) return queue_->Push(std::move(event));
  Status st = server_->PostEvent(event);
  if (!st.ok()) {
    LOG_WARN("cannot post an event")
        .Kv("project", project)
        .Kv("reason", reason)
        .Kv("error", st.message());
  }
}

}  // namespace cara::agent
