// caractrl audit: the newest audit records (admin only), oldest first.
#include <ostream>

#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/table.h"

namespace cara::cli {
namespace {

using ojson = nlohmann::ordered_json;

std::string Text(const ojson& item, const char* key) {
  auto it = item.find(key);
  if (it == item.end()) return "<none>";
  if (it->is_number_integer()) return std::to_string(it->get<int64_t>());
  return it->is_string() && !it->get<std::string>().empty() ? it->get<std::string>() : "<none>";
}

}  // namespace

int RunAudit(const CliContext& ctx, const AuditOptions& o) {
  auto response = ctx.client->Get("/api/v1/audit?limit=" + std::to_string(o.limit));
  Status st = ExpectSuccess(response);
  if (!st.ok()) {
    *ctx.err << "Error: read audit records: " << st.message() << "\n";
    return kExitError;
  }
  ojson list = ojson::parse(response->body, nullptr, false);
  if (!list.is_object() || !list.contains("items") || !list["items"].is_array()) {
    *ctx.err << "Error: read audit records: the server sent malformed JSON\n";
    return kExitError;
  }
  if (ctx.format == OutputFormat::kJson) {
    *ctx.out << list.dump(2) << "\n";
  } else if (ctx.format == OutputFormat::kYaml) {
    *ctx.out << RenderYaml(list);
  } else if (list["items"].empty()) {
    *ctx.err << "No audit records found.\n";
  } else {
    Table t({"TIME", "TOKEN", "ROLE", "DESCRIPTION", "METHOD", "PATH", "STATUS"});
    for (const auto& item : list["items"]) {
      t.AddRow({Text(item, "time"), Text(item, "tokenId"), Text(item, "role"),
                Text(item, "description"), Text(item, "method"), Text(item, "path"),
                Text(item, "status")});
    }
    *ctx.out << t.Render();
  }
  return kExitOk;
}

}  // namespace cara::cli
