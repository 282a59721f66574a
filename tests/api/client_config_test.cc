// The client config format: round trip, and errors at file:line:col.
#include "api/client_config.h"

#include <catch2/catch.hpp>

namespace cara::api {
namespace {

constexpr char kPem[] = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";

std::string ErrorOf(const std::string& text) {
  Result<ClientConfig> config = ParseClientConfig(text, "c.yaml");
  REQUIRE_FALSE(config.ok());
  CHECK(config.status().code() == Code::kInvalid);
  return config.status().message();
}

TEST_CASE("a client config survives emit and parse", "[client_config]") {
  ClientConfig config = AdminClientConfig("https://10.0.0.1:8080", kPem, "cara_abc_def");
  ClientContext lab;
  lab.name = "lab";
  lab.server = "https://lab:8080";
  lab.certificate_authority = "/etc/cara/ca.crt";
  lab.insecure_skip_tls_verify = true;
  config.contexts.push_back(lab);

  std::string text = EmitClientConfig(config);
  CHECK_THAT(text, Catch::StartsWith("apiVersion: caravanserai.io/v1\nkind: Config\n"
                                     "current-context: default\ncontexts:\n"));
  CHECK_THAT(text, !Catch::Contains("BEGIN CERTIFICATE"));  // base64 in the file
  Result<ClientConfig> back = ParseClientConfig(text, "c.yaml");
  REQUIRE(back.ok());
  CHECK(back->current_context == "default");
  REQUIRE(back->contexts.size() == 2);
  CHECK(back->contexts[0].server == "https://10.0.0.1:8080");
  CHECK(back->contexts[0].certificate_authority_data == kPem);
  CHECK(back->contexts[0].token == "cara_abc_def");
  CHECK(back->Find("lab")->certificate_authority == "/etc/cara/ca.crt");
  CHECK(back->Find("lab")->insecure_skip_tls_verify);
  CHECK(back->Find("nope") == nullptr);
}

TEST_CASE("an empty client config has no contexts", "[client_config]") {
  Result<ClientConfig> config = ParseClientConfig("", "c.yaml");
  REQUIRE(config.ok());
  CHECK(config->contexts.empty());
  CHECK(config->current_context.empty());
}

TEST_CASE("client config errors name file, line and column", "[client_config]") {
  CHECK(ErrorOf("contexts: [\n") == "c.yaml:2:1: end of sequence flow not found");
  CHECK(ErrorOf("- a\n") == "c.yaml:1:1: the config must be a mapping");
  CHECK(ErrorOf("kind: Config\nclusters: []\n") == "c.yaml:2:1: unknown field \"clusters\"");
  CHECK(ErrorOf("kind: KubeConfig\n") == "c.yaml:1:7: \"kind\" must be \"Config\"");
  CHECK(ErrorOf("contexts:\n- name: a\n  server: s\n  tokn: t\n") ==
        "c.yaml:4:3: unknown field \"tokn\" in a context");
  CHECK(ErrorOf("contexts:\n- server: s\n") == "c.yaml:2:3: a context needs a \"name\"");
  CHECK(ErrorOf("contexts:\n- name: a\n") == "c.yaml:2:3: context \"a\" needs a \"server\"");
  CHECK(ErrorOf("contexts:\n- {name: a, server: s}\n- {name: a, server: t}\n") ==
        "c.yaml:3:3: duplicate context \"a\"");
  CHECK(ErrorOf("contexts:\n- name: a\n  server: s\n  token: [x]\n") ==
        "c.yaml:4:10: \"token\" must be a string");
  CHECK(ErrorOf("contexts:\n- name: a\n  server: s\n  certificate-authority-data: aGVsbG8=\n") ==
        "c.yaml:4:31: \"certificate-authority-data\" must be the base64 of a PEM certificate");
  CHECK(ErrorOf("contexts:\n- name: a\n  server: s\n  certificate-authority: f\n"
                "  certificate-authority-data: x\n")
            .rfind("c.yaml:", 0) == 0);
  CHECK(ErrorOf("current-context: b\ncontexts:\n- {name: a, server: s}\n") ==
        "c.yaml:1:18: current-context \"b\" names no context in this file");
  CHECK(ErrorOf("contexts:\n- name: a\n  server: s\n  insecure-skip-tls-verify: yes\n") ==
        "c.yaml:4:29: \"insecure-skip-tls-verify\" must be true or false");
}

TEST_CASE("RedactTokens hides every token and nothing else", "[client_config]") {
  ClientConfig config = RedactTokens(AdminClientConfig("https://h:1", kPem, "cara_abc_def"));
  CHECK(config.contexts[0].token == "REDACTED");
  CHECK(config.contexts[0].server == "https://h:1");
  CHECK_THAT(EmitClientConfig(config), !Catch::Contains("cara_abc_def"));
}

}  // namespace
}  // namespace cara::api
