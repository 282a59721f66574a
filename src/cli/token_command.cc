// caractrl token create|list|revoke: the token API (admin only). A new
// token is printed once, on its own line, so scripts can capture it; the
// hint goes to stderr.
#include <ostream>

#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/table.h"
#include "common/time_format.h"

namespace cara::cli {
namespace {

using ojson = nlohmann::ordered_json;

int Fail(const CliContext& ctx, const std::string& message) {
  *ctx.err << "Error: " << message << "\n";
  return kExitError;
}

std::string Field(const ojson& item, const char* key, const char* none = "<none>") {
  auto it = item.find(key);
  return it != item.end() && it->is_string() && !it->get<std::string>().empty()
             ? it->get<std::string>()
             : none;
}

// "in 29d", "expired" or "<never>".
std::string ExpiresIn(const ojson& item, Timestamp now) {
  const std::string at = Field(item, "expiresAt", "");
  if (at.empty()) return "<never>";
  auto t = ParseRfc3339(at);
  if (!t.ok()) return "<unknown>";
  return *t <= now ? "expired" : "in " + FormatAge(*t - now);
}

std::string TokenTable(const ojson& items, Timestamp now) {
  Table t({"ID", "ROLE", "DESCRIPTION", "PREFIX", "MAX-TTL", "EXPIRES", "AGE"});
  for (const auto& item : items) {
    t.AddRow({Field(item, "id"), Field(item, "role"), Field(item, "description"),
              Field(item, "namePrefix"), Field(item, "maxTTL"), ExpiresIn(item, now),
              AgeSince(Field(item, "createdAt", ""), now)});
  }
  return t.Render();
}

}  // namespace

int RunTokenCreate(const CliContext& ctx, const TokenCreateOptions& o) {
  ojson request = {{"role", o.role}};
  if (!o.description.empty()) request["description"] = o.description;
  if (!o.ttl.empty()) request["ttl"] = o.ttl;
  if (!o.name_prefix.empty()) request["namePrefix"] = o.name_prefix;
  if (!o.max_ttl.empty()) request["maxTTL"] = o.max_ttl;
  auto response = ctx.client->Post("/api/v1/tokens", request.dump());
  Status st = ExpectSuccess(response);
  if (!st.ok()) return Fail(ctx, "create token: " + st.message());
  ojson created = ojson::parse(response->body, nullptr, false);
  if (!created.is_object() || !created.contains("token")) {
    return Fail(ctx, "create token: the server sent malformed JSON");
  }
  if (ctx.format == OutputFormat::kJson) {
    *ctx.out << created.dump(2) << "\n";
  } else if (ctx.format == OutputFormat::kYaml) {
    *ctx.out << RenderYaml(created);
  } else if (created.contains("joinToken")) {
    *ctx.out << created["joinToken"].get<std::string>() << "\n";
  } else {
    *ctx.out << created["token"].get<std::string>() << "\n";
  }
  ctx.out->flush();
  *ctx.err << "Token " << Field(created, "id") << " (" << o.role
           << ") created. Save it now: it is not shown again.\n";
  if (created.contains("joinToken")) {
    *ctx.err << "Join a node with: cara-agent --server-url URL --join-token <token>";
  } else {
    *ctx.err << "Use it with: export CARA_TOKEN=<token>";
  }
  *ctx.err << "   Revoke it with: caractrl token revoke " << Field(created, "id") << "\n";
  return kExitOk;
}

int RunTokenList(const CliContext& ctx) {
  auto response = ctx.client->Get("/api/v1/tokens");
  Status st = ExpectSuccess(response);
  if (!st.ok()) return Fail(ctx, "list tokens: " + st.message());
  ojson list = ojson::parse(response->body, nullptr, false);
  if (!list.is_object() || !list.contains("items") || !list["items"].is_array()) {
    return Fail(ctx, "list tokens: the server sent malformed JSON");
  }
  if (ctx.format == OutputFormat::kJson) {
    *ctx.out << list.dump(2) << "\n";
  } else if (ctx.format == OutputFormat::kYaml) {
    *ctx.out << RenderYaml(list);
  } else if (list["items"].empty()) {
    *ctx.err << "No tokens found.\n";
  } else if (ctx.format == OutputFormat::kName) {
    for (const auto& item : list["items"]) *ctx.out << "token/" << Field(item, "id") << "\n";
  } else {
    *ctx.out << TokenTable(list["items"], ctx.clock->Now());
  }
  return kExitOk;
}

int RunTokenRevoke(const CliContext& ctx, const std::string& id) {
  Status st = ExpectSuccess(ctx.client->Delete("/api/v1/tokens/" + PathEscape(id)));
  if (!st.ok()) return Fail(ctx, "revoke token \"" + id + "\": " + st.message());
  *ctx.out << "token \"" << id << "\" revoked\n";
  return kExitOk;
}

}  // namespace cara::cli
