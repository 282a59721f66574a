// Turning request bodies into validated objects. Each decoder returns the
// object or the 400 problem that rejects the body; it writes no response.
//
// Order of checks: JSON syntax; types (a type error reports every schema
// violation, with JSON pointers); then the semantic rules and the JSON Schema
// together, every violation listed with its pointer (the reference's own
// checks keep their exact texts as the problem detail).
#pragma once

#include <string>

#include "api/event.h"
#include "api/lifecycle.h"
#include "api/types.h"
#include "server/problem.h"

namespace cara::server {

// POST: a whole Node/Project document. A missing apiVersion/kind is filled
// in from the route; wrong ones are rejected. Every semantic rule and schema
// violation goes into the problem's `errors`; the detail is the text of the
// first failing reference check, if any, else "invalid request body:
// /pointer: message; ...".
Decoded<api::Node> DecodeNodeCreate(const std::string& body);
Decoded<api::Project> DecodeProjectCreate(const std::string& body);

// PUT: as POST, but the body's metadata.name, if set, must equal the path's
// (when missing the path's name is filled in, so the schema sees a whole
// document), and the name is not re-validated, as in the reference.
Decoded<api::Node> DecodeNodeReplace(const std::string& body, const std::string& path_name);
Decoded<api::Project> DecodeProjectReplace(const std::string& body, const std::string& path_name);

// Secrets, as Projects. Values stay in the returned object's string_data /
// sealed_data; no problem detail quotes one.
Decoded<api::Secret> DecodeSecretCreate(const std::string& body);
Decoded<api::Secret> DecodeSecretReplace(const std::string& body, const std::string& path_name);

// POST /api/v1/events: an Event as the schema allows it (every violation
// with its pointer); name, count and times are left to the store.
Decoded<api::Event> DecodeEventPost(const std::string& body);

// A heartbeat body: {state?, network?, capacity?, allocatable?, info?,
// conditions?}; an empty body reports nothing. Pointers in errors are
// relative to the body ("/network/agentPort").
Decoded<api::NodeStatus> DecodeHeartbeat(const std::string& body);

// PATCH /status: {"phase", "reason"?, "message"?, "observedGeneration"?},
// phase required and a valid project phase.
Decoded<api::ProjectStatusPatch> DecodeStatusPatch(const std::string& body);

}  // namespace cara::server
