#include "cli/list_all.h"

#include <future>

#include <nlohmann/json.hpp>

#include "common/shutdown_signal.h"

namespace cara::cli {
namespace {

std::string PageUrl(const std::string& path, const std::string& token) {
  std::string url = path + (path.find('?') == std::string::npos ? "?" : "&") +
                    "limit=" + std::to_string(kListPageSize);
  if (!token.empty()) url += "&continue=" + PathEscape(token);
  return url;
}

// Parses one page and hands its items to on_item in order, freeing each as
// it goes; returns the page's continue token. A page is bounded (500
// objects, a few MiB as a tree), and parsing it whole is cheaper than
// filtering the parse event by event.
template <typename Json>
Result<std::string> ReadPage(const std::string& path, const std::string& body,
                             const std::function<Status(Json& item)>& on_item) {
  Json page = Json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (page.is_discarded() || !page.is_object()) {
    return Status::Unavailable("list " + path + ": server sent malformed JSON");
  }
  auto items = page.find("items");
  if (items == page.end()) {
    return Status::Unavailable("list " + path + ": the response has no items");
  }
  if (items->is_array()) {
    for (Json& item : *items) {
      CARA_RETURN_IF_ERROR(on_item(item));
      Json().swap(item);
    }
  }
  auto metadata = page.find("metadata");
  if (metadata == page.end() || !metadata->is_object()) return std::string();
  auto token = metadata->find("continue");
  if (token == metadata->end() || !token->is_string()) return std::string();
  return token->template get<std::string>();
}

// Reads a page's metadata.continue without building the page: the server
// writes metadata before items, so the parse stops a few hundred bytes in.
// Empty when the page has none, or items come first.
class ContinuePeek : public nlohmann::json_sax<nlohmann::json> {
 public:
  std::string token;

  bool key(string_t& name) override {
    if (depth_ == 1) {
      in_metadata_ = name == "metadata";
      return name != "items";  // past the metadata: stop
    }
    want_token_ = depth_ == 2 && in_metadata_ && name == "continue";
    return true;
  }
  bool string(string_t& value) override {
    if (!want_token_) return true;
    token = value;
    return false;  // found: stop
  }
  bool start_object(std::size_t) override { return Enter(); }
  bool start_array(std::size_t) override { return Enter(); }
  bool end_object() override { return Leave(); }
  bool end_array() override { return Leave(); }
  bool null() override { return Value(); }
  bool boolean(bool) override { return Value(); }
  bool number_integer(number_integer_t) override { return Value(); }
  bool number_unsigned(number_unsigned_t) override { return Value(); }
  bool number_float(number_float_t, const string_t&) override { return Value(); }
  bool binary(binary_t&) override { return Value(); }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) override {
    return false;
  }

 private:
  bool Enter() {
    want_token_ = false;
    ++depth_;
    return true;
  }
  bool Leave() {
    --depth_;
    return !(depth_ == 1 && in_metadata_);  // metadata closed without a token
  }
  bool Value() {
    want_token_ = false;
    return true;
  }

  int depth_ = 0;
  bool in_metadata_ = false;
  bool want_token_ = false;
};

std::string PeekContinue(const std::string& body) {
  ContinuePeek peek;
  nlohmann::json::sax_parse(body, &peek, nlohmann::json::input_format_t::json,
                            /*strict=*/false);
  return peek.token;
}

// Pages are fetched one ahead: while this thread parses a page, the next is
// requested on another (the continue token is read first), so the server's
// time and the transfer overlap the parse. One request is in flight at a
// time, as the client allows.
template <typename Json>
Status ListPages(ApiClient& client, const std::string& path,
                 const std::function<Status(Json& item)>& on_item) {
  auto fetch = [&client, &path](std::string token) {
    return std::async(std::launch::async, [&client, &path, token = std::move(token)] {
      BlockShutdownSignalsInThisThread();  // the command's own thread handles them
      return client.Get(PageUrl(path, token));
    });
  };
  Result<ApiResponse> response = client.Get(PageUrl(path, ""));
  while (true) {
    CARA_RETURN_IF_ERROR(ExpectSuccess(response));
    const std::string body = std::move(response->body);
    std::string ahead = PeekContinue(body);
    std::future<Result<ApiResponse>> next;
    if (!ahead.empty()) next = fetch(ahead);
    auto token = ReadPage<Json>(path, body, on_item);  // waits for `next` on an error
    if (!token.ok()) return token.status();
    if (token->empty()) return Status::Ok();
    if (*token != ahead) {  // not peeked: fetched after the parse
      if (next.valid()) next.wait();
      next = fetch(*token);
    }
    response = next.get();
  }
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
