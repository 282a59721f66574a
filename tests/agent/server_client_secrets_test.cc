// ServerClient::GetSecretValues over HTTP against a stand-in for the server's
// route (the wire format the server documents); the real route is proven by
// the secrets end-to-end test.
#include <httplib.h>

#include <thread>

#include <catch2/catch.hpp>

#include "agent/server_client.h"

namespace cara::agent {
namespace {

class ValuesServer {
 public:
  ValuesServer() {
    server_.Get("/api/v1/secrets/db/values", [](const httplib::Request&, httplib::Response& res) {
      res.set_content(
          R"({"name":"db","type":"Opaque","resourceVersion":"7","values":{"password":"p@ss","user":"app"}})",
          "application/json");
    });
    server_.Get("/api/v1/secrets/odd/values", [](const httplib::Request&, httplib::Response& res) {
      res.set_content(R"({"name":"odd","type":"Opaque","values":{"n":1}})", "application/json");
    });
    server_.Get("/api/v1/secrets/gone/values", [](const httplib::Request&, httplib::Response& res) {
      res.status = 404;
      res.set_content(R"({"title":"Not Found","detail":"secret \"gone\" not found"})",
                      "application/problem+json");
    });
    server_.Get("/api/v1/secrets/other/values",
                [](const httplib::Request&, httplib::Response& res) {
                  res.status = 403;
                  res.set_content(R"({"title":"Forbidden","detail":"not referenced here"})",
                                  "application/problem+json");
                });
    // Bound and listening from here: connections wait for the accept loop.
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
  }
  ~ValuesServer() {
    server_.stop();
    thread_.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

 private:
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
};

TEST_CASE("ServerClient reads a Secret's values, and a missing one is NotFound",
          "[server_client][secrets]") {
  ValuesServer server;
  ServerClient client(server.url());

  Result<SecretValues> db = client.GetSecretValues("db");
  REQUIRE(db.ok());
  CHECK(db->name == "db");
  CHECK(db->type == "Opaque");
  CHECK(db->resource_version == "7");
  CHECK(db->values == std::map<std::string, std::string>{{"password", "p@ss"}, {"user", "app"}});

  Result<SecretValues> gone = client.GetSecretValues("gone");
  CHECK(gone.status().code() == Code::kNotFound);

  Result<SecretValues> other = client.GetSecretValues("other");
  CHECK(other.status().code() == Code::kInternal);
  CHECK_THAT(other.status().message(), Catch::Contains("403"));

  Result<SecretValues> odd = client.GetSecretValues("odd");
  CHECK(odd.status().code() == Code::kInternal);
  CHECK_THAT(odd.status().message(), Catch::Contains("not a string"));
}

}  // namespace
}  // namespace cara::agent
