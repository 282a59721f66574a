// The PostgreSQL backend's statements on resource rows (prepared on every
// pooled connection) and the mapping of their results onto Rows.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <pqxx/pqxx>

#include "store/backend.h"

namespace cara::store {

// Registers every statement below on `conn`; pqxx prepares each on first use.
void PreparePgStatements(pqxx::connection& conn);

// The channel change announcements (Txn::Notify) travel on.
extern const char kPgEventChannel[];
extern const char kPgListenSql[];

Row PgRowFrom(const pqxx::row& r);
std::vector<Row> PgRowsFrom(const pqxx::result& result);
std::optional<Row> PgFirstRow(const pqxx::result& result);

// The rows of `kind` that `filter` selects. Works for a pqxx::work and a
// pqxx::nontransaction alike.
pqxx::result PgListQuery(pqxx::transaction_base& tx, const std::string& kind,
                         const RowFilter& filter);

// A Postgres text[] literal: {"a","b\"c"}.
std::string PgTextArray(const std::vector<std::string>& items);

}  // namespace cara::store
