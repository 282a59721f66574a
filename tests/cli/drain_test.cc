// caractrl drain / undrain, run as the real binary against a real cara-server
// on every store backend: spec.unschedulable is set and cleared through the
// API, the node's state follows, and nothing else of the node is touched.
#include <catch2/catch.hpp>

#include <string>
#include <utility>
#include <vector>

#include "support/caractrl.h"
#include "support/http_client.h"
#include "support/test_server.h"

namespace cara::testing {
namespace {

using nlohmann::json;

const char kNodes[] = R"(apiVersion: caravanserai/v1
kind: Node
metadata:
  name: n1
  labels: {zone: a}
spec:
  hostname: n1
---
apiVersion: caravanserai/v1
kind: Node
metadata:
  name: n2
spec:
  hostname: n2
)";

json Node(HttpClient& api, const std::string& name) {
  HttpResponse r = api.Get("/api/v1/nodes/" + name);
  REQUIRE(r.status == 200);
  return r.json;
}

}  // namespace

TEST_CASE("drain makes a node Draining and undrain lifts it, keeping its labels", "[cli][drain]") {
  for (const std::string& backend : AllBackends()) {
    DYNAMIC_SECTION(backend) {
      TestServer server(backend);
      HttpClient api(server.url());
      REQUIRE(RunCaractrl(server, {"apply", "-f", "-"}, kNodes).exit_code == 0);

      auto drained = RunCaractrl(server, {"drain", "n1", "node/n2"});
      INFO(drained.err);
      REQUIRE(drained.exit_code == 0);
      CHECK(drained.out == "node/n1 drained\nnode/n2 drained\n");
      CHECK(drained.err.empty());
      json n1 = Node(api, "n1");
      CHECK(n1["spec"]["unschedulable"] == true);
      CHECK(n1["status"]["state"] == "Draining");
      CHECK(n1["metadata"]["labels"]["zone"] == "a");

      auto again = RunCaractrl(server, {"drain", "n1"});
      REQUIRE(again.exit_code == 0);
      CHECK(again.out == "node/n1 already drained\n");
      CHECK(Node(api, "n1")["metadata"]["resourceVersion"] ==
            n1["metadata"]["resourceVersion"]);  // nothing was written

      auto undrained = RunCaractrl(server, {"undrain", "n1"});
      REQUIRE(undrained.exit_code == 0);
      CHECK(undrained.out == "node/n1 undrained\n");
      json lifted = Node(api, "n1");
      CHECK(lifted["spec"].value("unschedulable", false) == false);
      CHECK(lifted["status"]["state"] != "Draining");
      CHECK(lifted["metadata"]["labels"]["zone"] == "a");
      CHECK(Node(api, "n2")["status"]["state"] == "Draining");  // only the one asked for
    }
  }
}

TEST_CASE("drain warns that a node synced from Git is set back by the next sync", "[cli][drain]") {
  TestServer server("sqlite");
  HttpClient api(server.url());
  REQUIRE(RunCaractrl(server, {"apply", "-f", "-"}, kNodes).exit_code == 0);
  json n1 = Node(api, "n1");
  n1["metadata"]["annotations"]["caravanserai.io/source"] = "/srv/ops";
  REQUIRE(api.Put("/api/v1/nodes/n1", n1.dump()).status == 200);

  auto r = RunCaractrl(server, {"drain", "n1"});
  REQUIRE(r.exit_code == 0);
  CHECK(r.out == "node/n1 drained\n");
  CHECK(r.err.find("warning: node/n1 is synced from /srv/ops") != std::string::npos);
}

TEST_CASE("drain: a missing node is exit 1, bad arguments exit 2, a viewer is refused",
          "[cli][drain]") {
  TestServer server("sqlite");
  REQUIRE(RunCaractrl(server, {"apply", "-f", "-"}, kNodes).exit_code == 0);

  auto missing = RunCaractrl(server, {"drain", "nope", "n1"});
  CHECK(missing.exit_code == 1);
  CHECK(missing.err == "Error: node \"nope\" not found\n");
  CHECK(missing.out == "node/n1 drained\n");  // the others are still drained

  const std::vector<std::pair<std::vector<std::string>, std::string>> usage = {
      {{"drain"}, "Error: drain: a node name is required\n"},
      {{"undrain", "project/web"},
       "Error: undrain: expected NODE or node/NODE, got \"project/web\"\n"},
      {{"drain", "node/"}, "Error: drain: a node name is required\n"},
  };
  for (const auto& [args, err] : usage) {
    INFO(args.back());
    auto r = RunCaractrl(server, args);
    CHECK(r.exit_code == 2);
    CHECK(r.err == err);
    CHECK(r.out.empty());
  }
  auto help = RunCaractrl(server, {"drain", "--help"});
  CHECK(help.exit_code == 0);
  CHECK(help.out.find("Exit codes:") != std::string::npos);

  net::ClientCredentials viewer{server.MintToken(std::string("viewer")), {}};
  viewer.tls.ca_file = server.ca_file();
  auto refused = RunCaractrlWith(server, viewer, {"undrain", "n1"});
  CHECK(refused.exit_code == 1);
  CHECK(refused.err.find("viewer") != std::string::npos);
  HttpClient api(server.url());
  CHECK(Node(api, "n1")["status"]["state"] == "Draining");  // still drained
}

}  // namespace cara::testing
