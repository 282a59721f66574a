#include "cli/config_command.h"

#include <ostream>

#include "cli/commands.h"
#include "cli/table.h"
#include "common/go_quote.h"
#include "security/client_config_file.h"

namespace cara::cli {

namespace {

int Fail(const ConfigCommandContext& ctx, const std::string& message) {
  *ctx.err << "Error: " << message << "\n";
  return kExitError;
}

}  // namespace

int RunConfigGetContexts(const ConfigCommandContext& ctx) {
  const api::ClientConfig& config = ctx.file.config;
  if (ctx.format == OutputFormat::kName) {
    for (const auto& c : config.contexts) *ctx.out << c.name << "\n";
    return kExitOk;
  }
  Table table({"CURRENT", "NAME", "SERVER"});
  for (const auto& c : config.contexts) {
    table.AddRow({c.name == config.current_context ? "*" : "", c.name, c.server});
  }
  *ctx.out << table.Render();
  return kExitOk;
}

int RunConfigUseContext(const ConfigCommandContext& ctx, const std::string& name) {
  api::ClientConfig config = ctx.file.config;
  if (!config.Find(name)) {
    return Fail(ctx, "no context exists with the name " + GoQuote(name) + " in " + ctx.file.path);
  }
  config.current_context = name;
  Status saved = security::SaveClientConfigFile(ctx.file.path, config);
  if (!saved.ok()) return Fail(ctx, saved.message());
  *ctx.out << "Switched to context " << GoQuote(name) << ".\n";
  return kExitOk;
}

int RunConfigView(const ConfigCommandContext& ctx) {
  *ctx.out << api::EmitClientConfig(api::RedactTokens(ctx.file.config));
  return kExitOk;
}

}  // namespace cara::cli
