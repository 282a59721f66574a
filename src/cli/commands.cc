#include "cli/commands.h"

#include <ostream>

namespace cara::cli {

int ReportError(const CliContext& ctx, const std::string& message, int code) {
  *ctx.err << "Error: " << message << "\n";
  return code;
}

}  // namespace cara::cli
