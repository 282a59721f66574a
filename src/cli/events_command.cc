// caractrl get events [--for project/NAME]: what happened in the cluster,
// newest last, as kubectl prints it. (-w waits for the watch route of
// events.)
#include <ostream>

#include "api/event.h"
#include "cli/commands.h"
#include "cli/event_table.h"
#include "cli/output.h"

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

}  // namespace

bool IsEventsWord(const std::string& word) { return word == "events" || word == "event"; }

int RunGetEvents(const CliContext& ctx, const GetOptions& o) {
  if (!o.names.empty() || !o.selector.empty() || !o.phase.empty()) {
    return ReportError(ctx, "get events takes only --for (no names, -l or --phase)", kExitInvalid);
  }
  if (o.watch) {
    return ReportError(ctx, "get events -w is not supported yet: run get events again",
                       kExitInvalid);
  }
  std::string object;
  if (!o.for_object.empty()) {
    auto ref = api::ParseObjectReference(o.for_object);
    if (!ref.ok())
      return ReportError(ctx, "invalid --for: " + ref.status().message(), kExitInvalid);
    object = api::FormatObjectReference(*ref);
  }
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
