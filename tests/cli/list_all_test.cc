// ListAll (cli/list_all.h) fetches the next page while it parses the current
// one, reading the continue token from the page's metadata first. Against a
// stand-in server on loopback: every item once and in order whichever way
// a page is laid out (metadata first, as cara-server writes it, or items
// first, where the token is only known after the parse), and a failing or
// malformed page ends the list with its error, nothing after it handed over.
#include "cli/list_all.h"

#include <catch2/catch.hpp>

#include <httplib.h>

#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "support/process.h"

namespace cara::cli {
namespace {

using nlohmann::json;

constexpr int kItems = 1234;  // three pages of kListPageSize

enum class Layout { kMetadataFirst, kItemsFirst };

// Serves /items as pages of kListPageSize; the continue token is the next
// index. `fail_page` (0-based) answers 500 with a problem, or garbage.
class PagingServer {
 public:
  PagingServer(Layout layout, int fail_page = -1, bool garbage = false)
      : port_(testing::FreeLoopbackPort()) {
    server_.Get("/items", [=, this](const httplib::Request& req, httplib::Response& res) {
      const int from = req.has_param("continue") ? std::stoi(req.get_param_value("continue")) : 0;
      const int page = from / kListPageSize;
      {
        std::lock_guard<std::mutex> lock(mu_);
        requested_.push_back(from);
      }
      if (page == fail_page && garbage) return res.set_content("{\"items\": [", "application/json");
      if (page == fail_page) {
        res.status = 500;
        return res.set_content(R"({"title":"Internal Server Error","detail":"disk on fire"})",
                               "application/problem+json");
      }
      json items = json::array();
      for (int i = from; i < std::min(kItems, from + kListPageSize); ++i)
        items.push_back({{"i", i}});
      json metadata = json::object();
      if (from + kListPageSize < kItems)
        metadata["continue"] = std::to_string(from + kListPageSize);
      std::string body = layout == Layout::kMetadataFirst
                             ? R"({"kind":"List","metadata":)" + metadata.dump() + R"(,"items":)" +
                                   items.dump() + "}"
                             : R"({"kind":"List","items":)" + items.dump() + R"(,"metadata":)" +
                                   metadata.dump() + "}";
      res.set_content(body, "application/json");
    });
    REQUIRE(server_.bind_to_port("127.0.0.1", port_));
    thread_ = std::thread([this] { server_.listen_after_bind(); });
  }
  ~PagingServer() {
    server_.stop();
    thread_.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  std::vector<int> requested() {
    std::lock_guard<std::mutex> lock(mu_);
    return requested_;
  }

 private:
  int port_;
  httplib::Server server_;
  std::thread thread_;
  std::mutex mu_;
  std::vector<int> requested_;
};

// The indexes ListAll handed over, in order.
Status Collect(const std::string& url, std::vector<int>* seen) {
  ApiClient client(url);
  return ListAll(client, "/items", [&](json& item) -> Status {
    seen->push_back(item.at("i").get<int>());
    return Status::Ok();
  });
}

TEST_CASE("ListAll hands over every item once and in order, however a page is laid out",
          "[cli][list_all]") {
  for (Layout layout : {Layout::kMetadataFirst, Layout::kItemsFirst}) {
    PagingServer server(layout);
    std::vector<int> seen;
    REQUIRE(Collect(server.url(), &seen).ok());
    REQUIRE(seen.size() == kItems);
    for (int i = 0; i < kItems; ++i) REQUIRE(seen[i] == i);
    // Each page asked for once, in order: the read-ahead never repeats one.
    CHECK(server.requested() == std::vector<int>{0, 500, 1000});
  }
}

TEST_CASE("ListAll ends at a page that fails, with its error, and hands over nothing after it",
          "[cli][list_all]") {
  SECTION("an HTTP error") {
    PagingServer server(Layout::kMetadataFirst, /*fail_page=*/1);
    std::vector<int> seen;
    Status st = Collect(server.url(), &seen);
    CHECK_FALSE(st.ok());
    CHECK_THAT(st.message(), Catch::Contains("disk on fire"));
    CHECK(seen.size() == kListPageSize);  // the first page only
  }
  SECTION("malformed JSON") {
    PagingServer server(Layout::kMetadataFirst, /*fail_page=*/2, /*garbage=*/true);
    std::vector<int> seen;
    Status st = Collect(server.url(), &seen);
    CHECK(st.message() == "list /items: server sent malformed JSON");
    CHECK(seen.size() == 2 * kListPageSize);
  }
  SECTION("an error of the caller's stops the list; the page read ahead is not parsed") {
    PagingServer server(Layout::kMetadataFirst);
    ApiClient client(server.url());
    int handed = 0;
    Status st = ListAll(client, "/items", [&](json&) -> Status {
      return ++handed == 3 ? Status::Invalid("enough") : Status::Ok();
    });
    CHECK(st.message() == "enough");
    CHECK(handed == 3);
    CHECK(server.requested().size() <= 2);  // the first page and at most the one ahead
  }
}

}  // namespace
}  // namespace cara::cli
