// A Project's live phase and health as plan reports show them beside its
// action: "[Running, healthy]", "[Failed, degraded: <why>]" in text and
// Markdown, and phase/health/degraded fields in the JSON report.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "gitops/project_health.h"

namespace cara::cli {

// "Running, healthy", "Scheduled, progressing", "Failed, degraded: <message>".
std::string HealthText(const gitops::ProjectHealth& health);

// Adds "phase", "health", "degraded" and, when degraded with a reason,
// "healthMessage" to an action of the JSON report.
void AddHealthJson(const gitops::ProjectHealth& health, nlohmann::ordered_json& action);

}  // namespace cara::cli
