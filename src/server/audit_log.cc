#include "server/audit_log.h"

#include "common/log.h"
#include "store/audit_records.h"

namespace cara::server {
namespace {

// Trimming reads every record's key, so it runs once per this many appends
// (the trail may exceed its bound by as many in between); a bound smaller
// than that is kept at every append.
constexpr uint64_t kTrimEvery = 100;

}  // namespace

AuditLog::AuditLog(store::Store* store, Clock* clock, size_t retention)
    : store_(store), clock_(clock), retention_(retention) {}

void AuditLog::Record(const api::Principal& who, const std::string& method, const std::string& path,
                      const std::string& kind, const std::string& name, int status) {
  store::AuditRecord record{
      clock_->Now(), who.token_id, who.description, api::RoleName(who.role), method, path,
      kind,          name,         status};
  Status st = store::AppendAuditRecord(*store_, record);
  if (!st.ok()) {
    LOG_ERROR("cannot record audit entry").Kv("path", path).Kv("error", st.message());
    return;
  }
  if (++appended_ % kTrimEvery != 0 && retention_ >= kTrimEvery) return;
  st = store::TrimAuditRecords(*store_, retention_);
  if (!st.ok()) LOG_ERROR("cannot trim audit records").Kv("error", st.message());
}

}  // namespace cara::server
