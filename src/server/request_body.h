// Turning request bodies into validated objects. Each function writes the
// 400 problem itself and returns false when the body is rejected, so the
// handlers read as the reference's step lists.
//
// Order of checks: JSON syntax; types (a type error reports every schema
// violation, with JSON pointers); then the semantic rules and the JSON Schema
// together, every violation listed with its pointer (the reference's own
// checks keep their exact texts as the problem detail).
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "api/types.h"

namespace httplib {
struct Request;
struct Response;
}  // namespace httplib

namespace cara::server {

// JSON object from the body; "invalid request body: EOF" when empty.
bool ParseJsonBody(const httplib::Request& req, httplib::Response& res, nlohmann::json* out);

// Typed decode of a Node/Project document. Fills a missing apiVersion/kind
// from the route and rejects wrong ones.
bool DecodeNodeBody(nlohmann::json& doc, httplib::Response& res, api::Node* out);
bool DecodeProjectBody(nlohmann::json& doc, httplib::Response& res, api::Project* out);

// The semantic rules (api/semantic_rules.h) and the schema over the decoded
// object and its document. Every violation goes into the problem's `errors`;
// the detail is the text of the first failing reference check, if any, else
// "invalid request body: /pointer: message; ...". With name_from_path (PUT)
// the name is not re-validated, as in the reference.
bool ValidateNode(const nlohmann::json& doc, const api::Node& node, httplib::Response& res,
                  bool name_from_path = false);
bool ValidateProject(const nlohmann::json& doc, const api::Project& project, httplib::Response& res,
                     bool name_from_path = false);

// PUT: the body's metadata.name, if set, must equal the path's; when it is
// missing the path's name is filled in (so the schema sees a whole document).
bool CheckNameMatchesPath(nlohmann::json& doc, const std::string& body_name,
                          const std::string& path_name, httplib::Response& res);

// A heartbeat body: {state?, network?, capacity?, allocatable?, info?}.
// Pointers in errors are relative to the body ("/network/agentPort").
bool DecodeHeartbeatBody(const nlohmann::json& body, httplib::Response& res, api::NodeStatus* out);

// Patch-style bodies: every key must be one of the known ones.
bool RejectUnknownFields(const nlohmann::json& body, std::initializer_list<const char*> known,
                         httplib::Response& res);

}  // namespace cara::server
