// The audit trail: one record per successful API write, saying who (token id,
// description, role) did what (method, path, kind, name) with which result.
// Stored as rows of kind "AuditRecord"; only the newest are kept.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "store/store.h"

namespace cara::store {

inline constexpr char kKindAuditRecord[] = "AuditRecord";

struct AuditRecord {
  Timestamp time;
  std::string token_id;
  std::string description;
  std::string role;
  std::string method;
  std::string path;
  std::string kind;  // "nodes", "projects", "tokens"
  std::string name;
  int status = 0;
};

std::string EncodeAuditRecord(const AuditRecord& record);

Status AppendAuditRecord(Store& store, const AuditRecord& record);
// The newest `limit` records (0 = all) as stored JSON, oldest first.
Result<std::vector<std::string>> ListAuditRecords(Store& store, size_t limit);
// Keeps the newest `keep` records.
Status TrimAuditRecords(Store& store, size_t keep);

}  // namespace cara::store
