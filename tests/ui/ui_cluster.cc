#include "ui/ui_cluster.h"

#include <filesystem>

namespace cara::testing {

namespace {

const std::string kScriptDir = std::string(CARA_SOURCE_DIR) + "/tests/ui";

}  // namespace

std::string UiScreenshotDir() { return std::string(CARA_BINARY_DIR) + "/ui-screenshots"; }

UiCluster::UiCluster() {
  std::filesystem::create_directories(UiScreenshotDir());
  const std::string& ca = server().ca_file();
  auto mint = [this](const std::string& role) { return server().MintToken(role); };
  env_ = {
      {"CARA_URL", url()},
      {"CARA_CA_FILE", ca},
      // node's own fetch() (the scenarios' API calls) trusts the cluster CA.
      {"NODE_EXTRA_CA_CERTS", ca},
      {"CARA_SERVER_CERT", server().data_dir() + "/pki/server.crt"},
      {"CARA_TOKEN_ADMIN", mint("admin")},
      {"CARA_TOKEN_DEPLOYER", mint("deployer")},
      {"CARA_TOKEN_VIEWER", mint("viewer")},
      {"CARA_NODE", node()},
      {"CARA_SCREENSHOT_DIR", UiScreenshotDir()},
      // Playwright's call logs without terminal colour codes, for the test log.
      {"FORCE_COLOR", "0"},
  };
}

ProcessResult UiCluster::RunScenario(const std::string& script,
                                     const std::map<std::string, std::string>& env) const {
  // playwright-core comes from npm (contrib/install-deps.sh runs npm ci);
  // without it every scenario would fail with a module resolution trace.
  if (!std::filesystem::exists(kScriptDir + "/node_modules/playwright-core")) {
    return {127, "",
            "tests/ui/node_modules/playwright-core is missing: run contrib/install-deps.sh "
            "(npm ci --prefix tests/ui)"};
  }
  if (!std::filesystem::exists(CARA_NODE_BINARY)) {
    return {127, "", "node was not found when cmake configured the build (Debian: nodejs)"};
  }
  std::map<std::string, std::string> all = env_;
  for (const auto& [name, value] : env) all[name] = value;
  return RunProcess({CARA_NODE_BINARY, kScriptDir + "/" + script}, all);
}

}  // namespace cara::testing
