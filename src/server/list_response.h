// GET list handlers: Kubernetes-style paging (`?limit=N&continue=TOKEN`,
// metadata.continue in the response) and streaming of whole lists.
//
// Without a limit the list is read from the store in batches of a few
// hundred objects, each written to the client before the next is read, so
// a large list never sits whole in memory (a list that fits in one batch
// goes out in one body with Content-Length, as before). With a limit, one
// page of at most that many objects (capped) is read and sent, with
// metadata.continue when more follow.
#pragma once

#include <string>

#include "api/label_selector.h"
#include "server/httplib_fwd.h"
#include "store/store.h"

namespace cara::server {

// Objects per store read when streaming, and the largest page served.
constexpr size_t kListBatchSize = 100;
constexpr size_t kMaxListPageSize = 1000;

// `kind` is api::kKindNode or api::kKindProject, `list_kind` "NodeList" or
// "ProjectList". Only objects the selector matches are sent; a page may then
// hold fewer than `limit` objects and still carry a continue token, as
// Kubernetes allows. Writes a 400 problem for a bad limit or continue token.
void ServeList(const httplib::Request& req, httplib::Response& res, store::Store* store,
               const std::string& kind, const char* list_kind, const store::ProjectFilter& filter,
               const api::LabelSelector& selector);

}  // namespace cara::server
