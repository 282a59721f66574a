// The SQLite write transaction handed to the store, and the row reads it
// shares with the backend's read-only paths.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "store/backend.h"
#include "store/sqlite_connection.h"

namespace cara::store {

Result<std::optional<Row>> SqliteGetRow(SqliteConn& conn, const std::string& kind,
                                        const std::string& name);
Result<std::vector<Row>> SqliteListRows(SqliteConn& conn, const std::string& kind,
                                        const RowFilter& filter);
Result<ChangeBatch> SqliteChangesSince(SqliteConn& conn, const std::vector<std::string>& kinds,
                                       int64_t after, size_t limit);
Result<int64_t> SqliteCommittedRevision(SqliteConn& conn);
Result<std::map<std::string, int64_t>> SqliteCountByPhase(SqliteConn& conn,
                                                          const std::string& kind);
Result<std::vector<int64_t>> SqliteCountByNamePrefix(SqliteConn& conn, const std::string& kind,
                                                     const std::vector<std::string>& prefixes);

// Remembers the first error a statement raised, so Write can tell lock
// contention (retry) from an error the store decided to return.
class SqliteTxn final : public Txn {
 public:
  explicit SqliteTxn(SqliteConn& conn) : conn_(conn) {}

  Result<std::optional<Row>> Get(const std::string& kind, const std::string& name) override;
  Result<std::vector<Row>> List(const std::string& kind, const RowFilter& filter) override;
  Result<int64_t> NextRevision() override;
  Status Insert(const Row& row) override;
  Status Update(const Row& row) override;
  Status Delete(const std::string& kind, const std::string& name) override;
  Status RecordDeletion(const Row& last, int64_t deleted_at_ms, int64_t forget_before_ms) override;
  // Writes are serialized (BEGIN IMMEDIATE), so no claim can race this one.
  Result<std::optional<HostHeld>> ClaimIngressHosts(const std::string& project,
                                                    const std::vector<std::string>& hosts) override;

  const Status& failure() const { return failure_; }
  bool transient() const { return transient_; }

 private:
  Status Fail(int rc, const std::string& what);
  Status Note(Status st);
  template <typename T>
  Result<T> Note(Result<T> result) {
    if (!result.ok() && failure_.ok()) failure_ = result.status();
    return result;
  }

  SqliteConn& conn_;
  Status failure_;
  bool transient_ = false;
};

}  // namespace cara::store
