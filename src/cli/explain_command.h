// caractrl explain RESOURCE[.FIELD...]: field documentation from the schemas
// compiled into the binary. It needs no server or config file, so it takes
// no CliContext and runs before the connection is resolved.
#pragma once

#include <ostream>
#include <string>

#include "cli/output.h"

namespace cara::cli {

struct ExplainOptions {
  std::string target;  // RESOURCE[.FIELD...]: project.spec.services; empty: every kind
  bool recursive = false;
};

// Prints the explanation (or, for -o markdown without a target, the manifest
// reference) to `out`; errors as "Error: ..." to `err`. Returns kExitOk, or
// kExitInvalid for an unknown resource or field.
int RunExplain(const ExplainOptions& options, OutputFormat format, std::ostream& out,
               std::ostream& err);

}  // namespace cara::cli
