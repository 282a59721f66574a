// Secrets as store records (kind "Secret", named by the Secret's name). A
// record holds what the API serves -- metadata, type, digests -- and the
// values only as one at-rest blob (security/secret_cipher) with the id of
// the key that wrote it; this layer never sees a plain value. Writes are
// announced, so the scheduler and other replicas hear of them.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "api/secret_rules.h"
#include "api/types.h"
#include "common/clock.h"
#include "common/status.h"
#include "store/store.h"

namespace cara::store {

struct SecretRecord {
  api::Secret secret;       // string_data and sealed_data always empty
  std::string key_id;       // of the at-rest key
  std::string values_blob;  // the encrypted {key: value} map
};

std::string EncodeSecretRecord(const SecretRecord& record);
Result<SecretRecord> DecodeSecretRecord(const std::string& body);

// Sets createdAt/updatedAt, generation 1 and the resourceVersion.
// AlreadyExists ("resource already exists") when the name is taken.
Result<SecretRecord> CreateSecret(Store& store, SecretRecord record, Timestamp now);

// Replaces type, digests, values, labels and annotations. NotFound when
// absent; Conflict when record.secret.metadata.resourceVersion is set and
// is not the stored one. Generation grows when the type or a digest
// changes; an identical replace writes nothing.
Result<SecretRecord> ReplaceSecret(Store& store, SecretRecord record, Timestamp now);

// NotFound when absent.
Status DeleteSecret(Store& store, const std::string& name);
Result<std::optional<SecretRecord>> GetSecret(Store& store, const std::string& name);
// In creation order.
Result<std::vector<SecretRecord>> ListSecrets(Store& store);

// How many stored Secrets each at-rest key id wrote (read at start-up,
// before any key is trusted).
Result<std::map<std::string, size_t>> ListSecretKeyIds(Store& store);

// Secrets by name for api::UnresolvedSecretReference (type and keys; no
// values). A store error counts as "not found" -- the scheduler's verdict
// is redone at the next Secret event or resync -- and is logged.
api::SecretLookup SecretLookupFor(Store& store);

}  // namespace cara::store
