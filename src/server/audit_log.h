// Records who made each successful write (see store/audit_records.h) and
// keeps the trail bounded. A failure to record is logged, not turned into a
// failed request: the write has already happened.
#pragma once

#include <atomic>
#include <cstddef>
#include <string>

#include "api/authorization.h"
#include "common/clock.h"
#include "store/store.h"

namespace cara::server {

class AuditLog {
 public:
  AuditLog(store::Store* store, Clock* clock, size_t retention);

  void Record(const api::Principal& who, const std::string& method, const std::string& path,
              const std::string& kind, const std::string& name, int status);

 private:
  store::Store* store_;
  Clock* clock_;
  size_t retention_;
  std::atomic<uint64_t> appended_{0};
};

}  // namespace cara::server
