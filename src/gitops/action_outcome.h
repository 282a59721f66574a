// What happened when one action of a plan was executed.
#pragma once

#include <cstdint>
#include <string>

namespace cara::gitops {

struct ActionOutcome {
  bool ok = false;
  std::string message;     // "created", "configured", "deleted", ... or the error
  int64_t generation = 0;  // a project written: the generation the server gave it
  std::string body;        // what the server returned for the write
};

}  // namespace cara::gitops
