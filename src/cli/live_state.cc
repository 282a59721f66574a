#include "cli/live_state.h"

#include <nlohmann/json.hpp>

#include "api/codec.h"

namespace cara::cli {
namespace {

using nlohmann::json;

// Decodes each item of a list body as soon as the parser has finished it,
// then drops its JSON: the whole tree of a 10,000-project list would be
// several times the size of the typed objects (product.md §8: diff of
// 10,000 projects in ≤ 200 MiB).
template <typename T, typename DecodeFn>
Status ListInto(ApiClient& client, const std::string& path, DecodeFn decode, std::vector<T>* out) {
  auto response = client.Get(path);
  CARA_RETURN_IF_ERROR(ExpectSuccess(response));
  Status error;
  bool saw_items = false;
  auto on_event = [&](int depth, json::parse_event_t event, json& parsed) {
    if (depth == 1 && event == json::parse_event_t::key) saw_items |= parsed == "items";
    if (depth != 2 || event != json::parse_event_t::object_end) return true;
    if (!error.ok()) return false;
    auto object = decode(parsed);
    if (!object.ok()) {
      error = Status::Unavailable("list " + path + ": " + object.status().message());
    } else {
      out->push_back(std::move(*object));
    }
    return false;  // decoded: do not keep it in the tree
  };
  json body = json::parse(response->body, on_event, /*allow_exceptions=*/false);
  if (body.is_discarded()) return Status::Unavailable("list " + path + ": invalid JSON");
  CARA_RETURN_IF_ERROR(error);
  if (!saw_items) return Status::Unavailable("list " + path + ": the response has no items");
  return Status::Ok();
}

}  // namespace

Result<gitops::LiveState> ListLiveState(ApiClient& client) {
  gitops::LiveState live;
  CARA_RETURN_IF_ERROR(ListInto(client, "/api/v1/nodes", api::DecodeNode, &live.nodes));
  CARA_RETURN_IF_ERROR(ListInto(client, "/api/v1/projects", api::DecodeProject, &live.projects));
  return live;
}

}  // namespace cara::cli
