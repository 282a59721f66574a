#include "server/list_response.h"

#include <httplib.h>

#include <algorithm>
#include <charconv>
#include <memory>

#include "common/log.h"
#include "server/continue_token.h"
#include "server/label_filter.h"
#include "server/response.h"

namespace cara::server {
namespace {

struct Paging {
  size_t limit = 0;  // 0 = the whole list
  std::optional<store::ListKey> after;
};

Result<Paging> ParsePaging(const httplib::Request& req, const std::string& kind) {
  Paging paging;
  if (req.has_param("limit")) {
    const std::string text = req.get_param_value("limit");
    const char* end = text.data() + text.size();
    auto [ptr, ec] = std::from_chars(text.data(), end, paging.limit);
    if (text.empty() || ec != std::errc() || ptr != end) {
      return Status::Invalid("invalid limit \"" + text + "\": must be a non-negative integer");
    }
  }
  if (req.has_param("continue")) {
    auto key = DecodeContinueToken(kind, req.get_param_value("continue"));
    if (!key.ok()) return key.status();
    paging.after = std::move(*key);
  }
  return paging;
}

// {"apiVersion":..,"kind":..,"metadata":{"resourceVersion":..[,"continue":..]},"items":[
// — the token is base64url: nothing to escape.
std::string ListPrefix(const char* list_kind, int64_t revision, const std::string& continue_token) {
  std::string out = "{\"apiVersion\":\"caravanserai/v1\",\"kind\":\"";
  out += list_kind;
  out += "\",\"metadata\":{\"resourceVersion\":\"" + std::to_string(revision) + '"';
  if (!continue_token.empty()) out += ",\"continue\":\"" + continue_token + '"';
  return out + "},\"items\":[";
}

// Sized once: a page of 500 projects is ~600 KB, and growing the string
// step by step (then copying it to close the list) was most of a page's CPU.
void AppendItems(const std::vector<std::string>& items, bool first, std::string* out) {
  size_t size = out->size() + items.size() + 2;  // commas and the closing "]}"
  for (const std::string& item : items) size += item.size();
  out->reserve(size);
  for (const std::string& item : items) {
    if (!first) *out += ',';
    *out += item;
    first = false;
  }
}

// The rest of a whole list after its first batch, one batch per call.
struct ListStream {
  store::Store* store;
  std::string kind;
  store::ProjectFilter filter;
  api::LabelSelector selector;
  std::string pending;                 // the prefix and the first batch, not yet sent
  std::optional<store::ListKey> next;  // where the next batch starts; none: all read

  bool Produce(httplib::DataSink& sink) {
    if (!pending.empty()) {
      sink.write(pending.data(), pending.size());
      std::string().swap(pending);
      return true;
    }
    if (!next) {
      sink.write("]}", 2);
      sink.done();
      return true;
    }
    auto batch = store->ListRawPage(kind, filter, next, kListBatchSize);
    if (!batch.ok()) {
      // The status line is gone: cutting the body is all that is left.
      LOG_ERROR("list failed while streaming").Kv("error", batch.status().ToString());
      return false;
    }
    KeepMatching(selector, batch->items);
    std::string piece;
    AppendItems(batch->items, /*first=*/false, &piece);
    next = batch->next;
    sink.write(piece.data(), piece.size());
    return true;
  }
};

}  // namespace

void ServeList(const httplib::Request& req, httplib::Response& res, store::Store* store,
               const std::string& kind, const char* list_kind, const store::ProjectFilter& filter,
               const api::LabelSelector& selector) {
  auto paging = ParsePaging(req, kind);
  if (!paging.ok()) return WriteError(res, paging.status());
  // Read before the items: a watch from it may repeat a change the list
  // already shows, never miss one.
  auto revision = store->CommittedRevision();
  if (!revision.ok()) return WriteError(res, revision.status());
  if (paging->limit > 0) {
    auto page =
        store->ListRawPage(kind, filter, paging->after, std::min(paging->limit, kMaxListPageSize));
    if (!page.ok()) return WriteError(res, page.status());
    KeepMatching(selector, page->items);
    std::string body =
        ListPrefix(list_kind, *revision, page->next ? EncodeContinueToken(kind, *page->next) : "");
    AppendItems(page->items, /*first=*/true, &body);
    body += "]}";
    return WriteJson(res, 200, std::move(body));
  }
  auto first = store->ListRawPage(kind, filter, paging->after, kListBatchSize);
  if (!first.ok()) return WriteError(res, first.status());
  KeepMatching(selector, first->items);
  std::string body = ListPrefix(list_kind, *revision, "");
  AppendItems(first->items, /*first=*/true, &body);
  if (!first->next) {
    body += "]}";
    return WriteJson(res, 200, std::move(body));
  }
  auto stream = std::make_shared<ListStream>(
      ListStream{store, kind, filter, selector, std::move(body), std::move(first->next)});
  res.status = 200;
  res.set_chunked_content_provider("application/json", [stream](size_t, httplib::DataSink& sink) {
    return stream->Produce(sink);
  });
}

}  // namespace cara::server
