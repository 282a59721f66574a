#include "cli/live_state.h"

#include <nlohmann/json.hpp>

#include "api/codec.h"
#include "cli/list_all.h"

namespace cara::cli {
namespace {

using nlohmann::json;

// Decodes each item as soon as it is parsed (ListAll drops its JSON): the
// whole tree of a 10,000-project list would be several times the size of
// the typed objects (product.md §8: diff of 10,000 projects in ≤ 200 MiB).
template <typename T, typename DecodeFn>
Status ListInto(ApiClient& client, const std::string& path, DecodeFn decode, std::vector<T>* out) {
  return ListAll(client, path, [&](json& item) -> Status {
    auto object = decode(item);
    if (!object.ok()) return Status::Unavailable("list " + path + ": " + object.status().message());
    out->push_back(std::move(*object));
    return Status::Ok();
  });
}

}  // namespace

Result<gitops::LiveState> ListLiveState(ApiClient& client) {
  gitops::LiveState live;
  CARA_RETURN_IF_ERROR(ListInto(client, "/api/v1/nodes", api::DecodeNode, &live.nodes));
  CARA_RETURN_IF_ERROR(ListInto(client, "/api/v1/projects", api::DecodeProject, &live.projects));
  return live;
}

}  // namespace cara::cli
