// Complete responses of the agent's API on a Beast stream: plain text as Go's
// http.Error writes it, problem+json, or any body. Internal to the agent's
// API (agent_http_server*.cc, agent_logs.cc, agent_port_forward.cc).
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "agent/beast_names.h"

namespace cara::agent {

using AgentRequest = http::request<http::string_body>;
using ExtraHeaders = std::vector<std::pair<std::string, std::string>>;

// Without a deadline an idle keep-alive client would pin a thread forever (a
// thread per connection); no legitimate client takes a minute to send a
// request header, or to read a response.
inline constexpr std::chrono::seconds kAgentIoTimeout{60};

// Writes a complete response (headers only for HEAD); returns whether the
// connection may be reused.
awaitable<bool> WriteResponse(beast::tcp_stream& stream, const AgentRequest& req,
                              http::status status, std::string content_type, std::string body,
                              ExtraHeaders extra = {});

// A problem+json response (net/problem.h).
awaitable<bool> WriteProblem(beast::tcp_stream& stream, const AgentRequest& req, int status,
                             const std::string& detail);

// Go's http.Error: plain text with a trailing newline and nosniff.
awaitable<bool> WritePlain(beast::tcp_stream& stream, const AgentRequest& req, http::status status,
                           std::string text, ExtraHeaders extra = {});

}  // namespace cara::agent
