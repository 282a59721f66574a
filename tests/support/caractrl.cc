#include "support/caractrl.h"

#include <utility>

namespace cara::testing {

ProcessResult RunCaractrl(const TestServer& server, std::vector<std::string> args,
                          const std::string& stdin_text) {
  args.insert(args.begin(), BuiltBinary("caractrl"));
  return RunProcess(args, {{"CARA_SERVER", server.url()}}, stdin_text);
}

}  // namespace cara::testing
