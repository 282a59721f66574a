#include "cli/live_state.h"

#include <nlohmann/json.hpp>

#include "api/codec.h"

namespace cara::cli {
namespace {

template <typename T, typename DecodeFn>
Status ListInto(ApiClient& client, const std::string& path, DecodeFn decode, std::vector<T>* out) {
  auto response = client.Get(path);
  CARA_RETURN_IF_ERROR(ExpectSuccess(response));
  auto body = api::ParseJson(response->body);
  if (!body.ok()) return Status::Unavailable("list " + path + ": " + body.status().message());
  auto items = body->find("items");
  if (items == body->end() || !(items->is_array() || items->is_null())) {
    return Status::Unavailable("list " + path + ": the response has no items");
  }
  if (items->is_null()) return Status::Ok();
  out->reserve(items->size());
  for (const auto& item : *items) {
    auto object = decode(item);
    if (!object.ok()) return Status::Unavailable("list " + path + ": " + object.status().message());
    out->push_back(std::move(*object));
  }
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
