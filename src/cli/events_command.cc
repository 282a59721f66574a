// caractrl get events [--for project/NAME] [-w]: what happened in the
// cluster, newest last, as kubectl prints it; -w then prints each new or
// repeated event as the server's watch stream reports it.
#include <ostream>

#include "api/event.h"
#include "cli/commands.h"
#include "cli/event_table.h"
#include "cli/get_watch.h"
#include "cli/output.h"
#include "net/percent_encoding.h"

namespace cara::cli {
namespace {

using ordered_json = nlohmann::ordered_json;

std::string PrintEvents(const std::vector<ordered_json>& events, const CliContext& ctx,
                        bool headers) {
  switch (ctx.format) {
    case OutputFormat::kJson:
    case OutputFormat::kYaml: {
      ordered_json list = {
          {"apiVersion", "caravanserai/v1"}, {"kind", "EventList"}, {"items", events}};
      if (ctx.format == OutputFormat::kJson) return list.dump(2) + "\n";
      return RenderYaml(nlohmann::json(list));
    }
    case OutputFormat::kName: {
      std::string out;
      for (const auto& e : events) out += "event/" + e["metadata"].value("name", "") + "\n";
      return out;
    }
    default:
      return EventTable(events, ctx.format == OutputFormat::kWide, headers, ctx.clock->Now());
  }
}

// One watch event: a table row (the header before the first), a JSON line
// {"type","object"}, a YAML document or a name. An event that expired
// (DELETED) is no news in a table or a name list.
void PrintWatched(const CliContext& ctx, const net::WatchEvent& event, bool* headers) {
  const bool gone = event.type == net::kWatchDeleted;
  switch (ctx.format) {
    case OutputFormat::kJson:
      *ctx.out << ordered_json{{"type", event.type}, {"object", event.object}}.dump() << "\n";
      break;
    case OutputFormat::kYaml:
      *ctx.out << "---\n"
               << RenderYaml(
                      nlohmann::json(ordered_json{{"type", event.type}, {"object", event.object}}));
      break;
    case OutputFormat::kName:
      if (!gone) *ctx.out << "event/" << event.name() << "\n";
      break;
    default:
      if (gone) break;
      *ctx.out << EventTable({event.object}, ctx.format == OutputFormat::kWide, *headers,
                             ctx.clock->Now());
      *headers = false;
  }
  ctx.out->flush();
}

// Watches /api/v1/events (the current events first) until SIGINT/SIGTERM.
int WatchEvents(const CliContext& ctx, const std::string& object, bool headers) {
  net::WatchRequest request;
  request.collection = "/api/v1/events";
  if (!object.empty()) request.filters = "involvedObject=" + net::PercentEncode(object);
  return StreamWatch(ctx, std::move(request),
                     [&](const net::WatchEvent& event) { PrintWatched(ctx, event, &headers); });
}

}  // namespace

bool IsEventsWord(const std::string& word) { return word == "events" || word == "event"; }

int RunGetEvents(const CliContext& ctx, const GetOptions& o) {
  if (!o.names.empty() || !o.selector.empty() || !o.phase.empty()) {
    return ReportError(ctx, "get events takes only --for (no names, -l or --phase)", kExitInvalid);
  }
  std::string object;
  if (!o.for_object.empty()) {
    auto ref = api::ParseObjectReference(o.for_object);
    if (!ref.ok())
      return ReportError(ctx, "invalid --for: " + ref.status().message(), kExitInvalid);
    object = api::FormatObjectReference(*ref);
  }
  if (o.watch) return WatchEvents(ctx, object, !o.no_headers);
  auto events = FetchEvents(*ctx.client, object);
  if (!events.ok()) return ReportError(ctx, "get events: " + events.status().message());
  const bool table = ctx.format == OutputFormat::kTable || ctx.format == OutputFormat::kWide;
  if (events->empty() && table) {
    *ctx.err << "No events found.\n";
  } else {
    *ctx.out << PrintEvents(*events, ctx, !o.no_headers);
    ctx.out->flush();
  }
  return kExitOk;
}

}  // namespace cara::cli
