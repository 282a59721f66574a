// The rules of Secrets and of the references Projects make to them, beyond
// what schemas/secret.json says. Pure; used by cara-server (problem+json with
// the JSON pointer of each violation) and by caractrl (file:line:col).
//
// * A key is [-._a-zA-Z0-9]+ (at most 253 bytes), in stringData or in
//   sealedData, not both.
// * at most kMaxSecretKeys keys; a plain value holds no NUL (it could not
//   become an environment variable).
// * type Registry holds exactly the keys server, username and password.
// * `digests` is the server's; a key with a digest but no value is a Secret
//   read back from the API (which never returns values) being re-applied,
//   which would wipe the value: refused instead.
// * The name "publickey" is taken by GET /api/v1/secrets/publickey.
// * A Project's env entry has value or valueFrom.secretKeyRef, not both; the
//   reference names a Secret (name syntax) and a key (key syntax);
//   imagePullSecrets are unique Secret names.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "api/semantic_rules.h"
#include "api/types.h"

namespace cara::api {

inline constexpr char kReservedSecretName[] = "publickey";
// Each plain value costs the server a deliberately slow digest (PBKDF2), so
// a Secret's size is bounded by its key count, not by the body size alone.
inline constexpr size_t kMaxSecretKeys = 64;

// "" when `key` is a valid Secret key, else what is wrong with it.
std::string SecretKeyProblem(const std::string& key);

std::vector<Violation> CheckSecretData(const Secret& secret);
std::vector<Violation> CheckSecretReferences(const ProjectSpec& spec);

// A Secret as far as references care: its type and keys (values are not
// needed to know whether a reference resolves). nullopt: no such Secret.
using SecretLookup = std::function<std::optional<Secret>(const std::string& name)>;

// Why the project cannot run yet, as the SecretNotFound message: the first
// reference (imagePullSecrets, then env in service order) naming a missing
// Secret, a missing key, or a pull secret that is not of type Registry.
// "" when every reference resolves. The keys of a Secret are those of
// `digests` (what the API returns) and of string_data / sealed_data.
std::string UnresolvedSecretReference(const ProjectSpec& spec, const SecretLookup& lookup);

inline constexpr char kReasonSecretNotFound[] = "SecretNotFound";

}  // namespace cara::api
