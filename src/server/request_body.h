// Turning request bodies into validated objects. Each function writes the
// 400 problem itself and returns false when the body is rejected, so the
// handlers read as the reference's step lists.
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

// Typed decode of a Node/Project document ("invalid request body: <path>: ...").
bool DecodeNodeBody(const nlohmann::json& doc, httplib::Response& res, api::Node* out);
bool DecodeProjectBody(const nlohmann::json& doc, httplib::Response& res, api::Project* out);

// Fills a missing apiVersion/kind from the route, rejects wrong ones, then
// validates the document against the embedded schema, reporting every error.
bool ValidateNodeDocument(nlohmann::json& doc, httplib::Response& res);
bool ValidateProjectDocument(nlohmann::json& doc, httplib::Response& res);

// PUT: the body's metadata.name, if set, must equal the path's; when it is
// missing the path's name is filled in (so the schema sees a whole document).
bool CheckNameMatchesPath(nlohmann::json& doc, const std::string& body_name,
                          const std::string& path_name, httplib::Response& res);

}  // namespace cara::server
