#include "cli/event_table.h"

#include <cctype>

#include "cli/list_all.h"
#include "cli/output.h"
#include "cli/table.h"

namespace cara::cli {
namespace {

using ordered_json = nlohmann::ordered_json;

std::string Str(const ordered_json& e, const char* pointer) {
  const nlohmann::json::json_pointer ptr(pointer);
  return e.contains(ptr) && e[ptr].is_string() ? e[ptr].get<std::string>() : "";
}

int64_t Count(const ordered_json& e) {
  return e.contains("count") && e["count"].is_number_integer() ? e["count"].get<int64_t>() : 1;
}

// "project/shop", as the user types it for --for.
std::string ObjectOf(const ordered_json& e) {
  std::string kind = Str(e, "/involvedObject/kind");
  for (char& c : kind) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return kind + "/" + Str(e, "/involvedObject/name");
}

std::string SourceOf(const ordered_json& e) {
  std::string source = Str(e, "/source/component");
  std::string node = Str(e, "/source/node");
  return node.empty() ? source : source + ", " + node;
}

// kubectl's describe age: "5m", or "5m (x3 over 20m)" for a folded repeat.
std::string SeenAge(const ordered_json& e, Timestamp now) {
  std::string last = AgeSince(Str(e, "/lastTimestamp"), now);
  const int64_t count = Count(e);
  if (count <= 1) return last;
  return last + " (x" + std::to_string(count) + " over " +
         AgeSince(Str(e, "/firstTimestamp"), now) + ")";
}

}  // namespace

std::string EventTable(const std::vector<ordered_json>& events, bool wide, bool headers,
                       Timestamp now) {
  std::vector<std::string> header = {"LAST SEEN", "TYPE", "REASON", "OBJECT"};
  if (wide) header.push_back("SOURCE");
  header.push_back("MESSAGE");
  if (wide) header.insert(header.end(), {"FIRST SEEN", "COUNT", "NAME"});
  Table t(header);
  for (const auto& e : events) {
    std::vector<std::string> row = {AgeSince(Str(e, "/lastTimestamp"), now), Str(e, "/type"),
                                    Str(e, "/reason"), ObjectOf(e)};
    if (wide) row.push_back(SourceOf(e));
    row.push_back(Str(e, "/message"));
    if (wide) {
      row.insert(row.end(), {AgeSince(Str(e, "/firstTimestamp"), now), std::to_string(Count(e)),
                             Str(e, "/metadata/name")});
    }
    t.AddRow(std::move(row));
  }
  std::string table = t.Render();
  if (!headers) table.erase(0, table.find('\n') + 1);
  return table;
}

std::string EventsSection(const std::vector<ordered_json>& events, Timestamp now) {
  if (events.empty()) return "Events:  <none>\n";
  Table t({"Type", "Reason", "Age", "From", "Message"});
  t.AddRow({"----", "------", "----", "----", "-------"});
  for (const auto& e : events) {
    t.AddRow(
        {Str(e, "/type"), Str(e, "/reason"), SeenAge(e, now), SourceOf(e), Str(e, "/message")});
  }
  return "Events:\n" + t.Render("  ");
}

Result<std::vector<ordered_json>> FetchEvents(ApiClient& client, const std::string& object) {
  std::string path = "/api/v1/events";
  if (!object.empty()) path += "?involvedObject=" + PathEscape(object);
  std::vector<ordered_json> events;
  Status listed = ListAll(client, path, [&](ordered_json& item) {
    events.push_back(std::move(item));
    return Status::Ok();
  });
  if (!listed.ok()) return listed;
  return events;
}

}  // namespace cara::cli
