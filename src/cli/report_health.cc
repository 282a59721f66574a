#include "cli/report_health.h"

#include <algorithm>
#include <cctype>

namespace cara::cli {

std::string HealthText(const gitops::ProjectHealth& health) {
  std::string word = health.health;
  std::transform(word.begin(), word.end(), word.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  std::string text = health.phase + ", " + word;
  if (health.degraded && !health.message.empty()) text += ": " + health.message;
  return text;
}

void AddHealthJson(const gitops::ProjectHealth& health, nlohmann::ordered_json& action) {
  action["phase"] = health.phase;
  action["health"] = health.health;
  action["degraded"] = health.degraded;
  if (health.degraded && !health.message.empty()) action["healthMessage"] = health.message;
}

}  // namespace cara::cli
