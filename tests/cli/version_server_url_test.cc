// caractrl version (client and server identity, kubectl-like behaviour when
// the server is down) and the up-front check of --server / CARA_SERVER, run
// as a real binary against a real cara-server on loopback.
#include <catch2/catch.hpp>

#include <regex>

#include <nlohmann/json.hpp>

#include "common/version.h"
#include "support/caractrl.h"
#include "support/process.h"
#include "support/test_server.h"

namespace cara::testing {
namespace {

ProcessResult Caractrl(std::vector<std::string> args, const std::string& server) {
  args.insert(args.begin(), BuiltBinary("caractrl"));
  return RunProcess(args, CaractrlEnv(server));
}

std::string ClientLine() {
  return std::string("caractrl ") + Version() + " (commit " + Commit() + ", built " + BuildTime() +
         ")\n";
}

}  // namespace

TEST_CASE("version prints the client and the server in the reference format", "[cli][version]") {
  // The build time is reproducible: the commit's time, RFC 3339 UTC.
  CHECK(std::regex_match(std::string(BuildTime()),
                         std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ|unknown)")));
  TestServer server("sqlite");
  auto r = Caractrl({"version"}, server.url());
  INFO(r.err);
  CHECK(r.exit_code == 0);
  CHECK(r.out == ClientLine() + "cara-server " + Version() + " (commit " + Commit() + ", built " +
                     BuildTime() + ") at " + server.url() + "\n");

  auto json = Caractrl({"version", "-o", "json"}, server.url());
  REQUIRE(json.exit_code == 0);
  auto v = nlohmann::json::parse(json.out);
  CHECK(v["clientVersion"] ==
        nlohmann::json({{"version", Version()}, {"commit", Commit()}, {"built", BuildTime()}}));
  CHECK(v["serverVersion"] == v["clientVersion"]);
}

TEST_CASE("version with the server down prints the client, then the error, and exits 1",
          "[cli][version]") {
  auto r = Caractrl({"version"}, "http://127.0.0.1:1");
  CHECK(r.exit_code == 1);
  CHECK(r.out == ClientLine());
  CHECK(r.err.rfind("Error: server version: request failed: cannot connect to server "
                    "http://127.0.0.1:1",
                    0) == 0);
  auto client = Caractrl({"version", "--client"}, "http://127.0.0.1:1");
  CHECK(client.exit_code == 0);
  CHECK(client.out == ClientLine());
  CHECK(client.err.empty());
}

TEST_CASE(
    "The server URL (--server, CARA_SERVER) must be http(s) HOST and PORT, checked before any "
    "request",
    "[cli][server-url]") {
  const std::string expected = "expected http://HOST[:PORT] or https://HOST[:PORT]";
  const std::string no_path =
      "a path, query or fragment is not allowed: the API is at the server's root, as in "
      "http://HOST:PORT";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"notaurl", expected},
      {"localhost:8080", expected},
      {"ftp://localhost", "the scheme must be http or https, not \"ftp\""},
      {"http://", "no host"},
      {"http://:8080", "no host"},
      {"http://localhost:99999", "the port must be a number from 1 to 65535"},
      {"http://localhost:0", "the port must be a number from 1 to 65535"},
      {"http://localhost:http", "the port must be a number from 1 to 65535"},
      {"http://localhost:", "empty port"},
      {"http://localhost:8080/api", no_path},
      {"http://localhost:8080/api/v1/", no_path},
      {"http://localhost:8080?x=1", no_path},
      {"http://user@localhost", "user information is not allowed"},
      {"http://a b", "invalid character \" \" in the host"},
      {"http://[::1", "unterminated [IPv6 address]"},
  };
  for (const auto& [url, problem] : cases) {
    INFO(url);
    const std::string message =
        "Error: invalid server URL \"" + url + "\" (--server or CARA_SERVER): " + problem + "\n";
    auto flag = RunProcess({BuiltBinary("caractrl"), "--server", url, "get", "nodes"});
    CHECK(flag.exit_code == 2);
    CHECK(flag.out.empty());
    CHECK(flag.err == message);
    auto env = Caractrl({"describe", "project", "web"}, url);
    CHECK(env.exit_code == 2);
    CHECK(env.err == message);
  }

  TestServer server("sqlite");
  for (const std::string& url :
       {server.url(), server.url() + "/", "http://localhost:" + std::to_string(server.port()),
        std::string("http://[::1]:1")}) {
    INFO(url);
    auto r = Caractrl({"get", "nodes"}, url);
    CHECK(r.exit_code != 2);  // accepted ([::1]:1 then fails to connect: exit 1)
  }
}

}  // namespace cara::testing
