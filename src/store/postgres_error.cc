#include "store/postgres_error.h"

#include <pqxx/pqxx>

namespace cara::store {

PgError ClassifyCurrentPgError(const SecretScrubber& scrub, const std::string& what, bool rows) {
  auto unavailable = [&](const std::exception& e) {
    return Status::Unavailable("postgres: " + what + ": " + scrub(e.what()));
  };
  try {
    throw;
  } catch (const pqxx::in_doubt_error& e) {
    // The commit may or may not have happened: never retried.
    return {unavailable(e), false, true};
  } catch (const pqxx::broken_connection& e) {
    return {unavailable(e), true, true};
  } catch (const pqxx::transaction_rollback& e) {
    return {unavailable(e), true, false};  // serialization failure, deadlock
  } catch (const pqxx::unique_violation& e) {
    if (rows) return {Status::AlreadyExists("resource already exists")};
    return {Status::Internal("postgres: " + what + ": " + scrub(e.what()))};
  } catch (const pqxx::sql_error& e) {
    const std::string cls = e.sqlstate().substr(0, 2);
    if (cls == "08" || cls == "57") return {unavailable(e), true, true};  // connection, shutdown
    if (cls == "40" || cls == "53") return {unavailable(e), true, false};
    if (cls == "22") return {Status::Invalid("postgres: " + what + ": " + scrub(e.what()))};
    return {Status::Internal("postgres: " + what + ": " + scrub(e.what()))};
  } catch (const std::exception& e) {
    return {Status::Internal("postgres: " + what + ": " + scrub(e.what()))};
  }
}

}  // namespace cara::store
