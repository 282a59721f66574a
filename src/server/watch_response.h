// ?watch=true on the list routes: one chunked response of newline-delimited
// JSON events, {"type":"ADDED|MODIFIED|DELETED","object":{...}}.
//
// Without resourceVersion the watch starts with the current state as ADDED
// events; with one, it sends every change after it (from the hub's memory
// each state; from the store, for a client further behind, each object
// once in its latest state), or answers 410 Gone when that is no longer
// possible. An object that stops matching the
// watch's filter (a project moved to another node) is sent as DELETED if
// the watch had sent it. A blank line is a keep-alive. The server ends a
// watch after timeoutSeconds (default 30 min) or when it stops; the client
// resumes from the last resourceVersion it received. A waiting watch holds
// no thread (net::StreamStep::kWait).
#pragma once

#include <functional>
#include <string>

#include <nlohmann/json.hpp>

#include "api/label_selector.h"
#include "server/httplib_fwd.h"
#include "server/watch_hub.h"
#include "store/store.h"

namespace cara::server {

// Whether a watch sends this object (as the API serves it).
using WatchPredicate = std::function<bool(const nlohmann::json& object)>;

// Whether the request asks for a watch (?watch=true or ?watch=1).
bool WantsWatch(const httplib::Request& req);

// The list filters of the node and project routes as a predicate: phase
// (a Node's status.state, a Project's status.phase), nodeRef, name prefix
// and the label selector.
WatchPredicate ListFilterPredicate(const store::ProjectFilter& filter,
                                   const api::LabelSelector& selector);

// Serves the watch. `rows` narrows the initial listing in the store
// (`matches` decides for every object anyway).
void ServeWatch(const httplib::Request& req, httplib::Response& res, WatchHub* hub,
                const std::string& kind, WatchPredicate matches,
                const store::ProjectFilter& rows = {});

}  // namespace cara::server
