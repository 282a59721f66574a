#include "server/watch_response.h"

#include <httplib.h>

#include <algorithm>
#include <charconv>
#include <memory>
#include <set>

#include "common/log.h"
#include "server/httplib_adapter.h"
#include "server/response.h"

namespace cara::server {
namespace {

constexpr size_t kEventsPerPiece = 500;
constexpr size_t kListPage = 500;
// Often enough for proxies and clients with read timeouts of a minute, and
// so a vanished client is noticed (the write fails).
constexpr Duration kKeepAlive = std::chrono::seconds(15);
constexpr int64_t kDefaultTimeoutSeconds = 30 * 60;

const std::string& StringAt(const nlohmann::json& object, const char* section, const char* field) {
  static const std::string kEmpty;
  auto s = object.find(section);
  if (s == object.end() || !s->is_object()) return kEmpty;
  auto f = s->find(field);
  return f != s->end() && f->is_string() ? f->get_ref<const std::string&>() : kEmpty;
}

api::StringMap LabelsIn(const nlohmann::json& object) {
  api::StringMap labels;
  auto meta = object.find("metadata");
  if (meta == object.end() || !meta->is_object()) return labels;
  auto found = meta->find("labels");
  if (found == meta->end() || !found->is_object()) return labels;
  for (const auto& [key, value] : found->items()) {
    if (value.is_string()) labels[key] = value.get<std::string>();
  }
  return labels;
}

std::string Line(const char* type, const std::string& body) {
  std::string line = "{\"type\":\"";
  line += type;
  line += "\",\"object\":";
  line += body;
  line += "}\n";
  return line;
}

Result<int64_t> ParseCount(const httplib::Request& req, const char* param) {
  const std::string text = req.get_param_value(param);
  int64_t value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || ptr != text.data() + text.size() || value < 0) {
    return Status::Invalid(std::string("invalid ") + param + " \"" + text +
                           "\": must be a non-negative integer");
  }
  return value;
}

// One watch: the initial listing (when asked for), then the hub's changes.
class WatchStream {
 public:
  WatchStream(WatchHub* hub, Clock* clock, std::string kind, WatchPredicate matches,
              store::ProjectFilter rows, int64_t cursor, bool list_first, Duration timeout)
      : hub_(hub),
        clock_(clock),
        kind_(std::move(kind)),
        matches_(std::move(matches)),
        rows_(std::move(rows)),
        cursor_(cursor),
        listing_(list_first),
        last_write_(clock->SteadyNow()),
        deadline_(last_write_ + timeout) {}
  ~WatchStream() {
    if (waker_ != 0) hub_->RemoveWaker(waker_);
  }

  void BindWake(std::function<void()> wake) { waker_ = hub_->AddWaker(kind_, std::move(wake)); }

  net::StreamStep Next(std::string* piece) {
    if (listing_) return ListPage(piece);
    auto read = hub_->Read(kind_, cursor_, kEventsPerPiece);
    if (!read.ok()) {
      // The client resumes from its last resourceVersion.
      LOG_WARN("watch: reading changes failed").Kv("error", read.status().ToString());
      return net::StreamStep::kDone;
    }
    if (read->gone) return net::StreamStep::kDone;  // its resume then gets 410
    for (const WatchEventPtr& event : read->events) Send(*event, piece);
    cursor_ = std::max(cursor_, read->next_after);
    const MonotonicTime now = clock_->SteadyNow();
    if (!piece->empty()) {
      last_write_ = now;
      return net::StreamStep::kMore;
    }
    if (now >= deadline_) return net::StreamStep::kDone;
    if (now - last_write_ >= kKeepAlive) {
      *piece = "\n";
      last_write_ = now;
      return net::StreamStep::kMore;
    }
    return net::StreamStep::kWait;
  }

 private:
  net::StreamStep ListPage(std::string* piece) {
    auto page = hub_->store()->ListRawPage(kind_, rows_, list_next_, kListPage);
    if (!page.ok()) {
      LOG_WARN("watch: listing failed").Kv("error", page.status().ToString());
      return net::StreamStep::kFailed;
    }
    for (const std::string& body : page->items) {
      auto object = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
      if (object.is_discarded() || !matches_(object)) continue;
      sent_.insert(StringAt(object, "metadata", "name"));
      *piece += Line("ADDED", body);
    }
    list_next_ = page->next;
    listing_ = list_next_.has_value();
    last_write_ = clock_->SteadyNow();
    return net::StreamStep::kMore;
  }

  // An object the watch never sent is ADDED, one it sent MODIFIED; one
  // that no longer matches (or is gone) is DELETED if it was sent.
  void Send(const WatchEvent& event, std::string* piece) {
    const bool matching = matches_(event.object);
    if (event.deleted || !matching) {
      const bool was_sent = sent_.erase(event.name) > 0;
      if (was_sent || (event.deleted && matching)) *piece += Line("DELETED", event.body);
    } else {
      const bool added = event.create_revision > cursor_ && sent_.count(event.name) == 0;
      sent_.insert(event.name);
      *piece += Line(added ? "ADDED" : "MODIFIED", event.body);
    }
    cursor_ = std::max(cursor_, event.revision);
  }

  WatchHub* const hub_;
  Clock* const clock_;
  const std::string kind_;
  const WatchPredicate matches_;
  const store::ProjectFilter rows_;
  int64_t cursor_;  // every change up to here has been considered
  bool listing_;
  std::optional<store::ListKey> list_next_;
  std::set<std::string> sent_;  // names sent and matching since
  MonotonicTime last_write_;
  const MonotonicTime deadline_;
  int waker_ = 0;
};

}  // namespace

bool WantsWatch(const httplib::Request& req) {
  const std::string watch = req.get_param_value("watch");
  return watch == "true" || watch == "1";
}

WatchPredicate ListFilterPredicate(const store::ProjectFilter& filter,
                                   const api::LabelSelector& selector) {
  return [filter, selector](const nlohmann::json& object) {
    if (!filter.phases.empty()) {
      const std::string& phase = StringAt(object, "status", "phase");
      const std::string& state = StringAt(object, "status", "state");
      const std::string& value = phase.empty() ? state : phase;
      if (std::find(filter.phases.begin(), filter.phases.end(), value) == filter.phases.end()) {
        return false;
      }
    }
    if (!filter.node_ref.empty() && StringAt(object, "status", "nodeRef") != filter.node_ref) {
      return false;
    }
    if (!filter.name_prefix.empty() &&
        StringAt(object, "metadata", "name").rfind(filter.name_prefix, 0) != 0) {
      return false;
    }
    return selector.empty() || selector.Matches(LabelsIn(object));
  };
}

void ServeWatch(const httplib::Request& req, httplib::Response& res, WatchHub* hub,
                const std::string& kind, WatchPredicate matches, const store::ProjectFilter& rows) {
  const std::string version = req.get_param_value("resourceVersion");
  const bool list_first = version.empty() || version == "0";
  int64_t cursor = 0;
  if (!list_first) {
    auto parsed = ParseCount(req, "resourceVersion");
    if (!parsed.ok()) return WriteProblem(res, 400, parsed.status().message());
    cursor = *parsed;
    auto first = hub->Read(kind, cursor, 1);
    if (!first.ok()) return WriteError(res, first.status());
    if (first->gone) {
      return WriteProblem(res, 410,
                          "resourceVersion " + version +
                              " is too old to resume: list again and watch from the list's "
                              "resourceVersion");
    }
  } else {
    // Read before the listing: a change in between is listed and sent
    // again as MODIFIED, never lost.
    auto committed = hub->store()->CommittedRevision();
    if (!committed.ok()) return WriteError(res, committed.status());
    cursor = *committed;
  }
  int64_t timeout = kDefaultTimeoutSeconds;
  if (req.has_param("timeoutSeconds")) {
    auto parsed = ParseCount(req, "timeoutSeconds");
    if (!parsed.ok()) return WriteProblem(res, 400, parsed.status().message());
    if (*parsed > 0) timeout = std::min(*parsed, kDefaultTimeoutSeconds * 2);
  }
  auto stream = std::make_shared<WatchStream>(hub, hub->clock(), kind, std::move(matches), rows,
                                              cursor, list_first, std::chrono::seconds(timeout));
  RequestWaitingStream(
      res, "application/x-ndjson", [stream](std::string* piece) { return stream->Next(piece); },
      [stream](std::function<void()> wake) { stream->BindWake(std::move(wake)); });
}

}  // namespace cara::server
