// The Secret values one project needs for one reconcile pass: env
// valueFrom.secretKeyRef values and the registry credentials of its
// imagePullSecrets, fetched from the server (ControlPlane) each pass and held
// in memory only. What goes into a container's config hash is a SHA-256 of
// each (secret, key, value), never the value, so a changed value recreates
// exactly the services using it and an unchanged one recreates nothing.
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "agent/container_engine.h"
#include "agent/control_plane.h"
#include "api/types.h"
#include "common/status.h"

namespace cara::agent {

struct ProjectSecrets {
  // (secret, key) -> value, for every env valueFrom of the project.
  std::map<std::pair<std::string, std::string>, std::string> values;
  // From imagePullSecrets, in their order.
  std::vector<RegistryCredentials> registries;
};

// Whether the project references any Secret (then each pass fetches them).
bool UsesSecrets(const api::ProjectSpec& spec);

// Fetches each Secret the project references once. A Secret that is missing,
// lacks a referenced key, or is an imagePullSecret not of type Registry is
// kNotFound with the scheduler's SecretNotFound message
// (api::UnresolvedSecretReference); any other failure (the server does not
// answer) is returned as the server client says, to be tried again next
// pass.
Result<ProjectSecrets> FetchProjectSecrets(ControlPlane& server, const api::Project& project);

// Lowercase hex SHA-256 of (secret, key, value), for config hashes.
std::string SecretValueDigest(const std::string& secret, const std::string& key,
                              const std::string& value);

}  // namespace cara::agent
