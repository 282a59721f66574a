// caractrl version: the client's identity in the reference format, then the
// server's (GET /api/version). Like kubectl version, an unreachable server
// still shows the client's line, then the error, and exits 1.
#include <optional>
#include <ostream>

#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "common/version.h"

namespace cara::cli {
namespace {

using ojson = nlohmann::ordered_json;

ojson ClientVersion() {
  return {{"version", Version()}, {"commit", Commit()}, {"built", BuildTime()}};
}

// {"version","commit","built"} from the server; anything else is an error.
Result<ojson> ServerVersion(ApiClient& client) {
  auto response = client.Get("/api/version");
  CARA_RETURN_IF_ERROR(ExpectSuccess(response));
  ojson body = ojson::parse(response->body, nullptr, false);
  if (!body.is_object()) return Status::Internal("the server sent malformed JSON");
  ojson out;
  for (const char* key : {"version", "commit", "built"}) {
    auto it = body.find(key);
    out[key] = it != body.end() && it->is_string() ? it->get<std::string>() : "unknown";
  }
  return out;
}

std::string Line(const std::string& program, const ojson& v) {
  return program + " " + v["version"].get<std::string>() + " (commit " +
         v["commit"].get<std::string>() + ", built " + v["built"].get<std::string>() + ")";
}

}  // namespace

int RunVersion(const CliContext& ctx, const VersionOptions& o) {
  ojson report = {{"clientVersion", ClientVersion()}};
  std::optional<Result<ojson>> server;  // none with --client
  if (!o.client_only) {
    server = ServerVersion(*ctx.client);
    if (server->ok()) report["serverVersion"] = **server;
  }
  if (ctx.format == OutputFormat::kJson) {
    *ctx.out << report.dump(2) << "\n";
  } else if (ctx.format == OutputFormat::kYaml) {
    *ctx.out << RenderYaml(nlohmann::json(report));  // keys sorted
  } else {
    *ctx.out << VersionLine("caractrl") << "\n";
    if (server && server->ok()) {
      *ctx.out << Line("cara-server", **server) << " at " << ctx.client->server() << "\n";
    }
  }
  ctx.out->flush();
  if (server && !server->ok()) {
    return ReportError(ctx, "server version: " + server->status().message());
  }
  return kExitOk;
}

}  // namespace cara::cli
