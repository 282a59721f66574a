// Reading a whole list through the server's paging: GET `path` with
// limit=kListPageSize, then with each metadata.continue until none is left.
// Items are handed over one at a time as each page is parsed, so neither a
// page's JSON tree nor the whole list's body is kept (the memory
// budget for diff/sync of 10,000 projects).
#pragma once

#include <functional>
#include <string>

#include <nlohmann/json_fwd.hpp>

#include "cli/api_client.h"
#include "common/status.h"

namespace cara::cli {

constexpr int kListPageSize = 500;

// Calls on_item for every item of the list at `path` (which may carry a
// query such as ?phase=Running), in list order. An error from on_item stops
// the listing and is returned. HTTP errors come back as ExpectSuccess
// reports them; a page that is not a list is Unavailable "list <path>:
// server sent malformed JSON" (or "...: the response has no items").
Status ListAll(ApiClient& client, const std::string& path,
               const std::function<Status(nlohmann::json& item)>& on_item);
Status ListAll(ApiClient& client, const std::string& path,
               const std::function<Status(nlohmann::ordered_json& item)>& on_item);

}  // namespace cara::cli
