// Where caractrl's server and credentials come from: flag > env > config file.
#include "cli/connection_settings.h"

#include <catch2/catch.hpp>
#include <map>

#include "security/client_config_file.h"
#include "support/temp_dir.h"

namespace cara::cli {
namespace {

using cara::testing::TempDir;

constexpr char kPem[] = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";

EnvLookup Env(std::map<std::string, std::string> vars) {
  return [vars](const std::string& name) {
    auto it = vars.find(name);
    return it == vars.end() ? std::string() : it->second;
  };
}

// A config with contexts "one" (current: CA data, token-one) and "two" (CA file, token-two).
LoadedConfig TwoContexts() {
  LoadedConfig file;
  file.path = "/cfg.yaml";
  file.exists = true;
  file.config = api::AdminClientConfig("https://one:8080", kPem, "token-one");
  file.config.contexts[0].name = "one";
  file.config.current_context = "one";
  api::ClientContext two;
  two.name = "two";
  two.server = "https://two:8080";
  two.certificate_authority = "/two/ca.crt";
  two.token = "token-two";
  file.config.contexts.push_back(two);
  return file;
}

TEST_CASE("a flag beats its variable, which beats the config file", "[connection]") {
  LoadedConfig file = TwoContexts();
  auto resolve = [&](ConnectionFlags flags, std::map<std::string, std::string> env) {
    Result<ApiConnection> c = ResolveConnection(WithEnvironment(flags, Env(env)), file);
    REQUIRE(c.ok());
    return *c;
  };

  ApiConnection from_file = resolve({}, {});
  CHECK(from_file.server == "https://one:8080");
  CHECK(from_file.token == "token-one");
  CHECK(from_file.tls.ca_pem == kPem);
  CHECK(from_file.tls.ca_file.empty());

  ApiConnection from_env = resolve({}, {{"CARA_SERVER", "https://env:1"},
                                        {"CARA_TOKEN", "token-env"},
                                        {"CARA_CA_FILE", "/env/ca.crt"}});
  CHECK(from_env.server == "https://env:1");
  CHECK(from_env.token == "token-env");
  CHECK(from_env.tls.ca_file == "/env/ca.crt");
  CHECK(from_env.tls.ca_pem.empty());  // a CA given beats the context's, data or file

  ConnectionFlags flags;
  flags.server = "https://flag:1";
  flags.token = "token-flag";
  flags.ca_file = "/flag/ca.crt";
  flags.insecure_skip_tls_verify = true;
  ApiConnection from_flags = resolve(flags, {{"CARA_SERVER", "https://env:1"},
                                             {"CARA_TOKEN", "token-env"},
                                             {"CARA_CA_FILE", "/env/ca.crt"}});
  CHECK(from_flags.server == "https://flag:1");
  CHECK(from_flags.token == "token-flag");
  CHECK(from_flags.tls.ca_file == "/flag/ca.crt");
  CHECK(from_flags.tls.insecure_skip_verify);
}

TEST_CASE("the --context flag and CARA_CONTEXT pick another context", "[connection]") {
  LoadedConfig file = TwoContexts();
  ConnectionFlags flags;
  flags.context = "two";
  Result<ApiConnection> two = ResolveConnection(flags, file);
  REQUIRE(two.ok());
  CHECK(two->server == "https://two:8080");
  CHECK(two->token == "token-two");
  CHECK(two->tls.ca_file == "/two/ca.crt");

  ConnectionFlags env_one = WithEnvironment({}, Env({{"CARA_CONTEXT", "two"}}));
  CHECK(ResolveConnection(env_one, file)->token == "token-two");
  ConnectionFlags flag_beats_env;
  flag_beats_env.context = "one";
  flag_beats_env = WithEnvironment(flag_beats_env, Env({{"CARA_CONTEXT", "two"}}));
  CHECK(ResolveConnection(flag_beats_env, file)->token == "token-one");

  flags.context = "three";
  CHECK(ResolveConnection(flags, file).status().message() ==
        "context \"three\" not found in /cfg.yaml (--context or CARA_CONTEXT)");
}

TEST_CASE("without a config file the server defaults to localhost, plain http", "[connection]") {
  Result<ApiConnection> c = ResolveConnection({}, LoadedConfig{});
  REQUIRE(c.ok());
  CHECK(c->server == kDefaultServer);
  CHECK(c->token.empty());
}

TEST_CASE("the config file is found under XDG_CONFIG_HOME, HOME or CARA_CONFIG", "[connection]") {
  CHECK(DefaultConfigPath(Env({{"XDG_CONFIG_HOME", "/x"}, {"HOME", "/h"}})) ==
        "/x/caravanserai/config.yaml");
  CHECK(DefaultConfigPath(Env({{"HOME", "/h"}})) == "/h/.config/caravanserai/config.yaml");

  TempDir home;
  // A missing default file is no error; a missing named one is.
  Result<LoadedConfig> none = LoadSelectedConfig({}, Env({{"XDG_CONFIG_HOME", home.path()}}));
  REQUIRE(none.ok());
  CHECK_FALSE(none->exists);
  ConnectionFlags named = WithEnvironment({}, Env({{"CARA_CONFIG", home.path() + "/c.yaml"}}));
  CHECK(LoadSelectedConfig(named, Env({})).status().code() == Code::kInvalid);

  std::string path = home.path() + "/caravanserai/config.yaml";
  REQUIRE(security::WriteAdminClientConfig(path, "https://h:1", kPem, "tok").ok());
  Result<LoadedConfig> found = LoadSelectedConfig({}, Env({{"XDG_CONFIG_HOME", home.path()}}));
  REQUIRE(found.ok());
  CHECK(found->path == path);
  CHECK(found->config.Find("default")->token == "tok");
}

}  // namespace
}  // namespace cara::cli
