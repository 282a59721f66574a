// caractrl config get-contexts | use-context NAME | view: the client config
// file, without talking to any server.
#pragma once

#include <iosfwd>
#include <string>

#include "cli/connection_settings.h"
#include "cli/output.h"

namespace cara::cli {

struct ConfigCommandContext {
  LoadedConfig file;
  OutputFormat format;
  std::ostream* out;
  std::ostream* err;
};

// A kubectl-style table (CURRENT marker, NAME, SERVER), or -o name: one name
// per line.
int RunConfigGetContexts(const ConfigCommandContext& ctx);

// Makes `name` the file's current-context (rewritten atomically, 0600); an
// unknown name is an error (exit 1) and changes nothing.
int RunConfigUseContext(const ConfigCommandContext& ctx, const std::string& name);

// The file as YAML with every token replaced by REDACTED.
int RunConfigView(const ConfigCommandContext& ctx);

}  // namespace cara::cli
