#include "store/postgres_session.h"

#include "common/log.h"

namespace cara::store {
namespace {

// For the long-lived dedicated connections (listener, leader lease), which
// sit idle for hours: TCP keepalives and a user timeout make a peer that
// vanished without a FIN (host crash, network partition) show up as an error
// within about half a minute instead of the kernel's two hours, and the
// application name tells them apart in pg_stat_activity.
std::string DedicatedConninfo(const std::string& url, const PostgresOptions& options,
                              const std::string& application_name) {
  std::string out = WithConnectTimeout(url, options.connect_timeout_seconds);
  out = WithUrlParam(out, "application_name", application_name);
  out = WithUrlParam(out, "client_encoding", "UTF8");
  out = WithUrlParam(out, "keepalives", "1");
  out = WithUrlParam(out, "keepalives_idle", "10");
  out = WithUrlParam(out, "keepalives_interval", "5");
  out = WithUrlParam(out, "keepalives_count", "3");
  return WithUrlParam(out, "tcp_user_timeout", "30000");
}

// libpq prints server notices (and the FATAL a terminated session receives
// while idle) to stderr by default; they belong in our log.
void LogNotice(void* name, const char* message) {
  std::string msg = message ? message : "";
  while (!msg.empty() && msg.back() == '\n') msg.pop_back();
  LOG_INFO("postgres notice").Kv("connection", static_cast<const char*>(name)).Kv("message", msg);
}

}  // namespace

Result<PgConn> ConnectDedicated(const std::string& url, const PostgresOptions& options,
                                const char* name, const std::string& redacted,
                                const SecretScrubber& scrub) {
  PgConn conn(PQconnectdb(DedicatedConninfo(url, options, name).c_str()));
  if (!conn) return Status::Unavailable("postgres: cannot connect to " + redacted);
  if (PQstatus(conn.get()) != CONNECTION_OK) {
    return Status::Unavailable("postgres: cannot connect to " + redacted + ": " +
                               scrub(PQerrorMessage(conn.get())));
  }
  PQsetNoticeProcessor(conn.get(), LogNotice, const_cast<char*>(name));
  return conn;
}

bool ExecExpect(PGconn* conn, const char* sql, ExecStatusType expected, const SecretScrubber& scrub,
                std::string* error, PgResult* out) {
  PgResult result(PQexec(conn, sql));
  if (result && PQresultStatus(result.get()) == expected) {
    if (out) *out = std::move(result);
    return true;
  }
  *error = scrub(result ? PQresultErrorMessage(result.get()) : PQerrorMessage(conn));
  if (error->empty()) *error = scrub(PQerrorMessage(conn));
  if (error->empty()) *error = "connection lost";
  return false;
}

}  // namespace cara::store
