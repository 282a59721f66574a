#include "cli/list_all.h"

#include <nlohmann/json.hpp>

namespace cara::cli {
namespace {

std::string PageUrl(const std::string& path, const std::string& token) {
  std::string url = path + (path.find('?') == std::string::npos ? "?" : "&") +
                    "limit=" + std::to_string(kListPageSize);
  if (!token.empty()) url += "&continue=" + PathEscape(token);
  return url;
}

// Parses one page, handing each item to on_item as soon as it is complete
// and dropping it from the tree; returns the page's continue token.
template <typename Json>
Result<std::string> ReadPage(const std::string& path, const std::string& body,
                             const std::function<Status(Json& item)>& on_item) {
  Status error;
  bool saw_items = false;
  bool in_items = false;
  auto on_event = [&](int depth, typename Json::parse_event_t event, Json& parsed) {
    using Event = typename Json::parse_event_t;
    if (depth == 1 && event == Event::key) {
      in_items = parsed == "items";
      saw_items |= in_items;
    }
    if (!in_items || depth != 2 || event != Event::object_end) return true;
    if (error.ok()) error = on_item(parsed);
    return false;  // handed over: do not keep it in the tree
  };
  Json page = Json::parse(body, on_event, /*allow_exceptions=*/false);
  if (page.is_discarded() || !page.is_object()) {
    return Status::Unavailable("list " + path + ": server sent malformed JSON");
  }
  if (!error.ok()) return error;
  if (!saw_items) return Status::Unavailable("list " + path + ": the response has no items");
  auto metadata = page.find("metadata");
  if (metadata == page.end() || !metadata->is_object()) return std::string();
  auto token = metadata->find("continue");
  if (token == metadata->end() || !token->is_string()) return std::string();
  return token->template get<std::string>();
}

template <typename Json>
Status ListPages(ApiClient& client, const std::string& path,
                 const std::function<Status(Json& item)>& on_item) {
  std::string token;
  do {
    auto response = client.Get(PageUrl(path, token));
    CARA_RETURN_IF_ERROR(ExpectSuccess(response));
    auto next = ReadPage<Json>(path, response->body, on_item);
    if (!next.ok()) return next.status();
    token = std::move(*next);
  } while (!token.empty());
  return Status::Ok();
}

}  // namespace

Status ListAll(ApiClient& client, const std::string& path,
               const std::function<Status(nlohmann::json& item)>& on_item) {
  return ListPages<nlohmann::json>(client, path, on_item);
}

Status ListAll(ApiClient& client, const std::string& path,
               const std::function<Status(nlohmann::ordered_json& item)>& on_item) {
  return ListPages<nlohmann::ordered_json>(client, path, on_item);
}

}  // namespace cara::cli
