// RFC 9457 problem details (application/problem+json) as the API, the agent
// and caractrl exchange them: the keys title, status, type, detail, then
// errors, in that order; and the status titles that go with them. One table
// for every writer and the one reader, so a title cannot drift between them.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cara::net {

inline constexpr char kProblemContentType[] = "application/problem+json";

// The problem title for an HTTP status: "Validation Problem" for 400 (the
// API's wording), the reason phrase for the others it uses, and "Internal
// Server Error" / "Bad Request" for any other 5xx / 4xx.
const char* ProblemTitle(int http_status);

// The standard reason phrase ("Not Found"), "" for a status not in the table.
const char* ReasonPhrase(int http_status);

// One entry of a problem's `errors`: where in the request body, and what.
struct ProblemError {
  std::string pointer;  // JSON pointer, "" for the root
  std::string detail;
};

// The compact JSON body. `errors` becomes [{"pointer":..,"detail":..}] and is
// left out when empty. Invalid UTF-8 in texts is replaced, never thrown on.
std::string ProblemBody(int http_status, std::string_view detail,
                        const std::vector<ProblemError>& errors = {});

// A problem body as a client reads it.
struct Problem {
  std::string title;   // may be empty
  std::string detail;  // "" when absent
  // Each entry as "pointer: detail" (an entry that is a plain string as is).
  std::vector<std::string> errors;
};

// nullopt unless `body` is a JSON object whose "title" is a string.
std::optional<Problem> ParseProblem(std::string_view body);

}  // namespace cara::net
