// The PostgreSQL write transaction handed to the store: READ COMMITTED, with
// row locks (SELECT ... FOR UPDATE) for read-modify-write and revisions from
// a sequence.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <pqxx/pqxx>

#include "store/backend.h"
#include "store/postgres_error.h"

namespace cara::store {

// Statements never throw past it: the first failure is recorded so Write can
// decide whether to retry.
class PgTxn final : public Txn {
 public:
  PgTxn(pqxx::work& work, const SecretScrubber& scrub) : work_(work), scrub_(scrub) {}

  Result<std::optional<Row>> Get(const std::string& kind, const std::string& name) override;
  Result<std::vector<Row>> List(const std::string& kind, const RowFilter& filter) override;
  Result<int64_t> NextRevision() override;
  Status Insert(const Row& row) override;
  Status Update(const Row& row) override;
  Status Delete(const std::string& kind, const std::string& name) override;
  Status RecordDeletion(const Row& last, int64_t deleted_at_ms, int64_t forget_before_ms) override;
  Result<std::optional<HostHeld>> ClaimIngressHosts(const std::string& project,
                                                    const std::vector<std::string>& hosts) override;
  Status Notify(const std::string& payload) override;
  Result<std::vector<Row>> GetMany(const std::string& kind,
                                   const std::vector<std::string>& names) override;
  Result<std::vector<int64_t>> NextRevisions(size_t count) override;
  Status UpdateMany(const std::vector<Row>& rows) override;
  Status InsertMany(const std::vector<Row>& rows) override;
  Status NotifyMany(const std::vector<std::string>& payloads) override;

  // Set once a statement has failed; the transaction is then aborted.
  const std::optional<PgError>& failure() const { return failure_; }

 private:
  template <typename F>
  auto Run(const std::string& what, const F& f) -> decltype(f());

  pqxx::work& work_;
  const SecretScrubber& scrub_;
  std::optional<PgError> failure_;
};

}  // namespace cara::store
