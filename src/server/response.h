// Response bodies: RFC 9457 problem details (net/problem.h) from the API's
// Status and schema errors, JSON objects and lists.
#pragma once

#include <string>
#include <vector>

#include "api/schema.h"
#include "common/status.h"
#include "server/problem.h"

namespace httplib {
struct Response;
}

namespace cara::server {

// Compact problem body. `errors` become [{"pointer":..,"detail":..}].
std::string ProblemBody(int http_status, const std::string& detail,
                        const std::vector<api::SchemaError>& errors = {});

void WriteProblem(httplib::Response& res, int http_status, const std::string& detail,
                  const std::vector<api::SchemaError>& errors = {});
// The response of a request that a decoder rejected.
void WriteProblem(httplib::Response& res, const Problem& problem);

// Maps a Status onto the reference's problem vocabulary. Store and other
// internal failures become 500 "Internal server error" (and are logged).
void WriteError(httplib::Response& res, const Status& status);
int HttpStatusFor(Code code);

// Create failures: AlreadyExists becomes "<what> already exists: <name>: ...".
void WriteCreateError(httplib::Response& res, const Status& status, const std::string& what,
                      const std::string& name);

void WriteJson(httplib::Response& res, int http_status, std::string body);

// {"apiVersion":"caravanserai/v1","kind":<kind>,"items":[<items>]} from
// already-encoded items, without re-parsing them.
std::string JoinListBody(const char* kind, const std::vector<std::string>& items);

}  // namespace cara::server
