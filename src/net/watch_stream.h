// A client's watch of one collection (GET <collection>?watch=true): one
// long-lived streaming GET whose events are handed over as they arrive,
// kept alive across everything a long watch meets. A stream that ends or
// breaks (server restart, timeout) is reopened from the newest
// resourceVersion received; a `410 Gone` (that version is too old) re-lists
// the collection, hands over the difference to what the caller had seen
// (objects gone as DELETED, new as ADDED, changed as MODIFIED) and watches on
// from the list's resourceVersion. Failed attempts back off on the clock
// seam. caractrl (`get -w`) and cara-agent (its assignments) both watch
// through this.
#pragma once

#include <httplib.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "net/watch_event.h"

namespace cara::net {

struct WatchRequest {
  std::string collection;  // "/api/v1/projects"
  // The list's own filters as a percent-encoded query without '?'
  // ("nodeRef=n1&labelSelector=app%3Dweb"); sent with the watch and any
  // re-list.
  std::string filters;
  // Start after this version; empty: the current state first, as ADDED.
  std::string resource_version;
  // What the caller holds as of resource_version (the list it printed):
  // repeats of these are not handed over again, and a re-list reports
  // against them.
  std::vector<nlohmann::ordered_json> known;
};

struct WatchTiming {
  Duration first_backoff = std::chrono::milliseconds(500);
  Duration max_backoff = std::chrono::seconds(10);
  // No byte for this long (the server sends a keep-alive every ~15 s): the
  // connection is dead, reopen it.
  std::chrono::seconds idle_timeout{45};
};

struct WatchCallbacks {
  // Each event, in order; false ends the watch (Run returns OK).
  std::function<bool(const WatchEvent&)> on_event;
  // Optional: a stream is open (the server answered 200 with NDJSON).
  std::function<void()> on_connected;
  // Optional: an attempt failed or the stream broke; the watch goes on
  // after a back-off.
  std::function<void(const Status&)> on_error;
};

class WatchStream {
 public:
  // A new client for each connection (http or https, credentials set);
  // the stream sets its read timeout.
  using ClientFactory = std::function<std::unique_ptr<httplib::Client>()>;

  WatchStream(ClientFactory connect, WatchRequest request, Clock* clock, WatchTiming timing = {});
  WatchStream(const WatchStream&) = delete;
  WatchStream& operator=(const WatchStream&) = delete;

  // Watches until Cancel() or until on_event returns false (both OK), or
  // until the server refuses the watch in a way retrying cannot fix: a 4xx
  // other than 410 (its problem's title and detail; NotFound for 404,
  // Invalid for 400, Internal otherwise), or an answer that is not a watch
  // stream (Unavailable: a server without the watch API). Call once.
  Status Run(const WatchCallbacks& callbacks);
  // Ends Run from any thread: the open connection is shut and a back-off
  // wait ends.
  void Cancel();
  // The version the next connection resumes from.
  std::string resource_version() const;

 private:
  enum class Next { kReconnect, kRetryLater, kRelist, kStop };
  struct Attempt {
    Next next;
    Status status;
  };

  Attempt Stream(const WatchCallbacks& callbacks);
  Attempt Relist(const WatchCallbacks& callbacks);
  // The response of one attempt that did not stream, as what to do next.
  Attempt Classify(int status, const std::string& body, const std::string& what) const;
  // Deduplicates `event` against what was handed over, remembers it, and
  // hands it over; false when on_event says stop.
  bool Deliver(WatchEvent event, const WatchCallbacks& callbacks);
  bool Emit(const std::string& type, nlohmann::ordered_json object,
            const WatchCallbacks& callbacks);
  // After a re-list: hands over what changed against known_ (gone as
  // DELETED, new as ADDED, changed as MODIFIED) and resumes from the list.
  Attempt ReportRelist(std::map<std::string, nlohmann::ordered_json> fresh,
                       const std::string& list_rv, const WatchCallbacks& callbacks);
  // Runs `request` on a fresh client that Cancel() can shut.
  httplib::Result Request(const std::function<httplib::Result(httplib::Client&)>& request,
                          std::string* transport_error);
  bool WaitBackoff(Duration d);                     // false when cancelled
  void NoteResourceVersion(const std::string& rv);  // keeps the newest

  ClientFactory connect_;
  WatchRequest request_;
  Clock* clock_;
  WatchTiming timing_;
  std::map<std::string, nlohmann::ordered_json> known_;  // name → last object handed over
  std::atomic<bool> cancelled_{false};
  mutable std::mutex mu_;
  std::condition_variable cv_;
  httplib::Client* active_ = nullptr;  // guarded by mu_
  std::string resource_version_;       // guarded by mu_
};

}  // namespace cara::net
