// caractrl get ... -w: after the objects fetched first, every change the
// server's watch stream reports (net/watch_stream.h), one per event in
// kubectl's --output-watch-events style: tables with an EVENT column
// (ADDED, MODIFIED, DELETED), -o json one {"type":..,"object":..} per line,
// -o yaml one such document per event separated by "---", -o name the
// object's name. The stream resumes by itself after a server restart.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/resource_kind.h"
#include "net/watch_stream.h"

namespace cara::cli {

struct WatchSubject {
  ResourceKind kind = ResourceKind::kProject;
  std::string filters;             // the list's query (phase, labelSelector), percent-encoded
  std::vector<std::string> names;  // only these objects; empty: the whole (filtered) list
  bool headers = true;             // tables: the header line
};

// The version to watch from: the list's resourceVersion, read before the
// objects are fetched, so a change in between is reported rather than lost
// (a repeat of what was printed is dropped). "" when the server's lists carry
// none: then the watch starts from the current state.
Result<std::string> WatchStartVersion(const CliContext& ctx, const WatchSubject& subject);

// Runs `request` until SIGINT/SIGTERM (kExitOk) or until the server refuses
// the watch (the error, kExitError), handing each event to `on_event`; one
// warning on stderr per outage.
int StreamWatch(const CliContext& ctx, net::WatchRequest request,
                const std::function<void(const net::WatchEvent&)>& on_event);

// Prints `initial` as ADDED events, then each change from `since` on until
// SIGINT/SIGTERM (kExitOk) or until the server refuses the watch (the error,
// kExitError).
int WatchAndPrint(const CliContext& ctx, const WatchSubject& subject, const std::string& since,
                  std::vector<nlohmann::ordered_json> initial);

}  // namespace cara::cli
