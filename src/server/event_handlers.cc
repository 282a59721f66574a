// Event routes: the list (all, one object's, or -- for a preview token,
// narrowed by server/access_control -- its projects'), and the POST through
// which agents report. Users never write events; the store names, folds and
// bounds them (store/event_records).
#include <httplib.h>

#include "api/event.h"
#include "api/validation.h"
#include "server/handler_context.h"
#include "server/request_body.h"
#include "server/response.h"
#include "server/router.h"
#include "server/watch_response.h"
#include "store/event_records.h"

namespace cara::server {
namespace {

constexpr char kInvolvedObjectParam[] = "involvedObject";
// Set by access control for a preview token (its name prefix).
constexpr char kNamePrefixParam[] = "namePrefix";

Decoded<api::EventFilter> FilterOf(const httplib::Request& req) {
  api::EventFilter filter;
  if (req.has_param(kInvolvedObjectParam)) {
    auto object = api::ParseObjectReference(req.get_param_value(kInvolvedObjectParam));
    if (!object.ok()) {
      return BadRequest("invalid involvedObject: " + object.status().message());
    }
    filter.object = std::move(*object);
  }
  if (req.has_param(kNamePrefixParam)) {
    filter.project_prefix = req.get_param_value(kNamePrefixParam);
    // A preview token's prefix, as access control sets it; anything else
    // names no project (and PostgreSQL would refuse one that is not UTF-8).
    if (!api::IsNamePrefix(*filter.project_prefix)) {
      return BadRequest("invalid namePrefix: 1-40 lowercase letters, digits and '-'");
    }
  }
  return filter;
}

class EventHandlers {
 public:
  explicit EventHandlers(const HandlerContext& ctx) : ctx_(ctx) {}

  void List(const httplib::Request& req, httplib::Response& res, const PathParams&) {
    auto filter = FilterOf(req);
    if (!filter.ok()) return WriteProblem(res, filter.error());
    if (WantsWatch(req)) {
      return ServeWatch(req, res, ctx_.watch_hub, api::kKindEvent,
                        [f = *filter](const nlohmann::json& object) {
                          auto event = api::DecodeEvent(object);
                          return event.ok() && f.Matches(*event);
                        });
    }
    auto events = store::ListEvents(*ctx_.store, *filter);
    if (!events.ok()) return WriteError(res, events.status());
    WriteJson(res, 200, api::EncodeEventList(*events));
  }

  // 201 with the new event, or 200 with the stored one a repeat folded into.
  void Create(const httplib::Request& req, httplib::Response& res, const PathParams&) {
    auto event = DecodeEventPost(req.body);
    if (!event.ok()) return WriteProblem(res, event.error());
    auto stored = store::RecordEvent(*ctx_.store, std::move(*event), ctx_.clock->Now(),
                                     ctx_.options.event_retention);
    if (!stored.ok()) return WriteError(res, stored.status());
    WriteJson(res, stored->count == 1 ? 201 : 200, api::EncodeEvent(*stored));
  }

 private:
  HandlerContext ctx_;
};

}  // namespace

void RegisterEventRoutes(Router& router, const HandlerContext& ctx) {
  auto h = std::make_shared<EventHandlers>(ctx);
  router.Add("GET", "/api/v1/events", h, &EventHandlers::List);
  router.Add("POST", "/api/v1/events", h, &EventHandlers::Create);
}

}  // namespace cara::server
