// caractrl against a real HTTPS server that wants a bearer token: the CA from
// a flag or from the config file, a wrong CA, --insecure-skip-tls-verify,
// missing tokens, and contexts.
#include <catch2/catch.hpp>

#include "security/atomic_file.h"
#include "security/client_config_file.h"
#include "support/process.h"
#include "support/temp_dir.h"
#include "support/tls_server.h"

namespace cara::cli {
namespace {

using cara::testing::BuiltBinary;
using cara::testing::ProcessResult;
using cara::testing::RunProcess;
using cara::testing::StrangerCa;
using cara::testing::TempDir;
using cara::testing::TlsServer;

constexpr char kToken[] = "cara_0123456789ab_secret";

TlsServer::Options WantsToken() {
  TlsServer::Options options;
  options.required_token = kToken;
  return options;
}

// caractrl ARGS with only the variables in `env` set among CARA_* and a
// private XDG_CONFIG_HOME, so a developer's own config cannot leak in.
ProcessResult Caractrl(const TempDir& home, std::vector<std::string> args,
                       std::map<std::string, std::string> env = {}) {
  args.insert(args.begin(), BuiltBinary("caractrl"));
  for (const char* name :
       {"CARA_SERVER", "CARA_TOKEN", "CARA_CA_FILE", "CARA_CONFIG", "CARA_CONTEXT"}) {
    env.emplace(name, "");
  }
  env.emplace("XDG_CONFIG_HOME", home.path());
  return RunProcess(args, env);
}

TEST_CASE("caractrl verifies the server with --certificate-authority and sends --token",
          "[cli][credentials]") {
  TlsServer server(WantsToken());
  TempDir home;
  ProcessResult r = Caractrl(home, {"version", "--server", server.url(), "--certificate-authority",
                                    server.pki().ca_cert_file, "--token", kToken});
  CHECK(r.err == "");
  CHECK(r.exit_code == 0);
  CHECK_THAT(r.out, Catch::Contains("cara-server 9.9.9 (commit tls"));

  // The same through the environment.
  r = Caractrl(home, {"version"},
               {{"CARA_SERVER", server.url()},
                {"CARA_CA_FILE", server.pki().ca_cert_file},
                {"CARA_TOKEN", kToken}});
  CHECK(r.exit_code == 0);
  CHECK(r.err == "");
}

TEST_CASE("caractrl without a valid token says how to give one", "[cli][credentials]") {
  TlsServer server(WantsToken());
  TempDir home;
  ProcessResult r = Caractrl(home, {"version", "--server", server.url(), "--certificate-authority",
                                    server.pki().ca_cert_file, "--token", "cara_wrong"});
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.err, Catch::Contains("a valid bearer token is required"));
  CHECK_THAT(r.err, Catch::Contains("set --token or CARA_TOKEN"));
  CHECK_THAT(r.err, !Catch::Contains("cara_wrong"));
}

TEST_CASE("caractrl refuses a server its CA did not sign", "[cli][credentials]") {
  TlsServer server(WantsToken());
  StrangerCa stranger;
  TempDir home;
  ProcessResult r = Caractrl(home, {"version", "--server", server.url(), "--certificate-authority",
                                    stranger.ca_file, "--token", kToken});
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.err, Catch::Contains("cannot verify server " + server.url()));
  CHECK_THAT(r.err, Catch::Contains("not trusted"));
  CHECK_THAT(r.err, Catch::Contains("--certificate-authority"));

  // No CA at all: the system's CAs do not vouch for a cluster's server.
  r = Caractrl(home, {"version", "--server", server.url(), "--token", kToken});
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.err, Catch::Contains("not trusted"));

  // A CA file that cannot be read is a usage error, before any request.
  r = Caractrl(home, {"version", "--server", server.url(), "--certificate-authority",
                      home.path() + "/missing.crt"});
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Catch::Contains("cannot read CA file " + home.path() + "/missing.crt"));
}

TEST_CASE("caractrl --insecure-skip-tls-verify talks to any https server", "[cli][credentials]") {
  TlsServer server(WantsToken());
  TempDir home;
  ProcessResult r = Caractrl(
      home, {"version", "--server", server.url(), "--insecure-skip-tls-verify", "--token", kToken});
  CHECK(r.exit_code == 0);
  CHECK(r.err == "");
}

TEST_CASE("caractrl takes server, CA data and token from the config file",
          "[cli][credentials][config]") {
  TlsServer server(WantsToken());
  TempDir home;
  std::string path = home.path() + "/caravanserai/config.yaml";
  REQUIRE(
      security::WriteAdminClientConfig(path, server.url(), server.pki().ca_cert_pem, kToken).ok());

  // The default path under XDG_CONFIG_HOME, then an explicit --config / CARA_CONFIG.
  ProcessResult r = Caractrl(home, {"version"});
  CHECK(r.err == "");
  CHECK(r.exit_code == 0);
  TempDir elsewhere;
  CHECK(Caractrl(elsewhere, {"version", "--config", path}).exit_code == 0);
  CHECK(Caractrl(elsewhere, {"version"}, {{"CARA_CONFIG", path}}).exit_code == 0);

  // A flag beats the environment, which beats the file.
  r = Caractrl(home, {"version"}, {{"CARA_TOKEN", "cara_bad"}});
  CHECK(r.exit_code == 1);
  CHECK(Caractrl(home, {"version", "--token", kToken}, {{"CARA_TOKEN", "cara_bad"}}).exit_code ==
        0);
  StrangerCa stranger;
  CHECK(Caractrl(home, {"version"}, {{"CARA_CA_FILE", stranger.ca_file}}).exit_code == 1);
}

TEST_CASE("caractrl config switches contexts", "[cli][config]") {
  TlsServer server(WantsToken());
  TempDir home;
  std::string path = home.path() + "/caravanserai/config.yaml";
  api::ClientConfig config = api::AdminClientConfig(server.url(), server.pki().ca_cert_pem, kToken);
  api::ClientContext broken = config.contexts[0];
  broken.name = "broken";
  broken.token = "cara_bad";
  config.contexts.push_back(broken);
  REQUIRE(security::SaveClientConfigFile(path, config).ok());

  ProcessResult r = Caractrl(home, {"config", "get-contexts"});
  CHECK(r.exit_code == 0);
  CHECK(r.out == "CURRENT   NAME      SERVER\n*         default   " + server.url() +
                     "\n          broken    " + server.url() + "\n");
  CHECK(Caractrl(home, {"config", "get-contexts", "-o", "name"}).out == "default\nbroken\n");
  CHECK(Caractrl(home, {"version"}).exit_code == 0);
  CHECK(Caractrl(home, {"version", "--context", "broken"}).exit_code == 1);
  CHECK(Caractrl(home, {"version"}, {{"CARA_CONTEXT", "broken"}}).exit_code == 1);

  r = Caractrl(home, {"config", "use-context", "broken"});
  CHECK(r.exit_code == 0);
  CHECK(r.out == "Switched to context \"broken\".\n");
  CHECK(Caractrl(home, {"version"}).exit_code == 1);
  CHECK(Caractrl(home, {"version", "--context", "default"}).exit_code == 0);

  r = Caractrl(home, {"config", "use-context", "nope"});
  CHECK(r.exit_code == 1);
  CHECK(r.err == "Error: no context exists with the name \"nope\" in " + path + "\n");
  r = Caractrl(home, {"version", "--context", "nope"});
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Catch::Contains("context \"nope\" not found in " + path));

  r = Caractrl(home, {"config", "view"});
  CHECK(r.exit_code == 0);
  CHECK_THAT(r.out, Catch::Contains("current-context: broken"));
  CHECK_THAT(r.out, Catch::Contains("token: REDACTED"));
  CHECK_THAT(r.out, !Catch::Contains(kToken));
}

TEST_CASE("caractrl reports a bad config file with file:line:col", "[cli][config]") {
  TempDir home;
  std::string path = home.path() + "/config.yaml";
  REQUIRE(security::WriteFileAtomically(path,
                                        "current-context: a\n"
                                        "contexts:\n"
                                        "- name: a\n"
                                        "  server: https://x:1\n"
                                        "  tokn: t\n",
                                        0600)
              .ok());
  ProcessResult r = Caractrl(home, {"get", "nodes", "--config", path});
  CHECK(r.exit_code == 2);
  CHECK(r.err == "Error: " + path + ":5:3: unknown field \"tokn\" in a context\n");

  r = Caractrl(home, {"get", "nodes", "--config", home.path() + "/none.yaml"});
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Catch::Contains("does not exist"));
}

}  // namespace
}  // namespace cara::cli
