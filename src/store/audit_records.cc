#include "store/audit_records.h"

#include <atomic>
#include <cstdio>
#include <random>

#include <nlohmann/json.hpp>

#include "common/time_format.h"

namespace cara::store {
namespace {

// Unique across replicas: the time, a per-process random tag and a counter.
std::string RecordName(Timestamp time) {
  static const unsigned tag = std::random_device{}();
  static std::atomic<uint64_t> counter{0};
  char name[64];
  std::snprintf(name, sizeof(name), "%020lld-%08x-%llu",
                static_cast<long long>(time.time_since_epoch().count()), tag,
                static_cast<unsigned long long>(counter++));
  return name;
}

}  // namespace

std::string EncodeAuditRecord(const AuditRecord& r) {
  nlohmann::ordered_json body = {{"time", FormatRfc3339(r.time)},
                                 {"tokenId", r.token_id},
                                 {"description", r.description},
                                 {"role", r.role},
                                 {"method", r.method},
                                 {"path", r.path},
                                 {"kind", r.kind},
                                 {"name", r.name},
                                 {"status", r.status}};
  return body.dump();
}

Status AppendAuditRecord(Store& store, const AuditRecord& record) {
  return store.InsertRecord(kKindAuditRecord, RecordName(record.time), EncodeAuditRecord(record),
                            /*announce=*/false);
}

Result<std::vector<std::string>> ListAuditRecords(Store& store, size_t limit) {
  return store.ListRecords(kKindAuditRecord, limit);
}

Status TrimAuditRecords(Store& store, size_t keep) {
  return store.TrimRecords(kKindAuditRecord, keep);
}

}  // namespace cara::store
