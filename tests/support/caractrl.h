// Running the real caractrl binary against a test server, as a user would.
#pragma once

#include <string>
#include <vector>

#include "support/process.h"
#include "support/test_server.h"

namespace cara::testing {

// caractrl ARGS with CARA_SERVER pointing at `server`; stdin_text is its input.
ProcessResult RunCaractrl(const TestServer& server, std::vector<std::string> args,
                          const std::string& stdin_text = "");

}  // namespace cara::testing
