// A rejected request as a value: the problem+json response it gets (status,
// detail and the JSON pointers of what was wrong). Decoders return
// Decoded<T>; a handler hands a failed one to WriteProblem (response.h),
// the one place that turns it into the response.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "api/schema.h"
#include "common/status.h"

namespace cara::server {

struct Problem {
  int http_status = 400;
  std::string detail;
  std::vector<api::SchemaError> errors;  // become [{"pointer":..,"detail":..}]
};

template <typename T>
using Decoded = Result<T, Problem>;

// A 400 problem, the status of every decoding error.
inline Problem BadRequest(std::string detail, std::vector<api::SchemaError> errors = {}) {
  return Problem{400, std::move(detail), std::move(errors)};
}

}  // namespace cara::server
