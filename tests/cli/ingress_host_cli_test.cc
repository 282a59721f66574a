// caractrl and ingress hosts, run as the real binary: the server's 409 for a
// host another project holds is a clear error, and a source in which two
// projects share a host is refused before anything is sent.
#include <catch2/catch.hpp>

#include <fstream>
#include <string>
#include <vector>

#include "support/caractrl.h"
#include "support/process.h"
#include "support/temp_dir.h"
#include "support/test_server.h"

namespace cara::testing {
namespace {

ProcessResult Caractrl(const TestServer& server, std::vector<std::string> args,
                       const std::string& stdin_text = "") {
  args.insert(args.begin(), BuiltBinary("caractrl"));
  return RunProcess(args, CaractrlEnv(server.url()), stdin_text);
}

std::string ProjectWithHost(const std::string& name, const std::string& host) {
  return "apiVersion: caravanserai/v1\n"
         "kind: Project\n"
         "metadata:\n"
         "  name: " +
         name +
         "\n"
         "spec:\n"
         "  services:\n"
         "    - name: web\n"
         "      image: cara/busybox:test\n"
         "  ingress:\n"
         "    - name: http\n"
         "      host: " +
         host +
         "\n"
         "      target: {service: web, port: 80}\n";
}

const char kTaken[] = "ingress host \"shop.example.com\" is already used by project \"shop\"";

}  // namespace

TEST_CASE("apply reports a host another project holds as the server's 409", "[cli][ingress]") {
  TestServer server("sqlite");
  REQUIRE(Caractrl(server, {"apply", "-f", "-"}, ProjectWithHost("shop", "shop.example.com"))
              .exit_code == 0);

  auto create =
      Caractrl(server, {"apply", "-f", "-"}, ProjectWithHost("takeover", "shop.example.com"));
  INFO(create.err);
  CHECK(create.exit_code == 1);
  CHECK(create.err == std::string("Error: apply project/takeover: Conflict: ") + kTaken + "\n");
  CHECK(server.store().GetProject("takeover").status().code() == Code::kNotFound);

  REQUIRE(Caractrl(server, {"apply", "-f", "-"}, ProjectWithHost("other", "other.example.com"))
              .exit_code == 0);
  auto update =
      Caractrl(server, {"apply", "-f", "-"}, ProjectWithHost("other", "shop.example.com"));
  INFO(update.err);
  CHECK(update.exit_code == 1);
  // Not mistaken for a lost race ("edited since it was planned").
  CHECK(update.err == std::string("Error: apply project/other: Conflict: ") + kTaken + "\n");
  auto other = server.store().GetProject("other");
  REQUIRE(other.ok());
  CHECK(other->spec.ingress.at(0).host == "other.example.com");
}

TEST_CASE("a source in which two projects share an ingress host is refused", "[cli][ingress]") {
  TestServer server("sqlite");
  TempDir dir;
  const std::string d = dir.path() + "/";
  std::ofstream(d + "a.yaml") << ProjectWithHost("shop", "shop.example.com");
  std::ofstream(d + "b.yaml") << ProjectWithHost("takeover", "Shop.Example.com");
  auto r = Caractrl(server, {"sync", dir.path()});
  INFO(r.err);
  CHECK(r.exit_code == 2);
  CHECK(r.err.find(d + "b.yaml:11:13: /spec/ingress/0/host: " + kTaken + " (" + d + "a.yaml:11)") !=
        std::string::npos);
  auto projects = server.store().ListProjects();
  REQUIRE(projects.ok());
  CHECK(projects->empty());
}

}  // namespace cara::testing
