#include "store/postgres_backend.h"

#include <fcntl.h>
#include <libpq-fe.h>
#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <condition_variable>
#include <cstdint>
#include <cstring>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <random>
#include <thread>
#include <utility>
#include <vector>

#include <pqxx/pqxx>

#include "common/log.h"

namespace cara::store {
namespace {

struct Migration {
  int version;
  const char* name;
  const char* sql;
};

// Append-only: a released migration is never edited; change the schema by
// adding the next version. body is TEXT, not JSONB, so the bytes we stored
// are the bytes we serve.
const Migration kMigrations[] = {
    {1, "create resources", R"sql(
CREATE SEQUENCE resource_revision AS BIGINT;
CREATE TABLE resources (
  kind TEXT NOT NULL,
  name TEXT NOT NULL,
  phase TEXT NOT NULL DEFAULT '',
  node_ref TEXT NOT NULL DEFAULT '',
  body TEXT NOT NULL,
  revision BIGINT NOT NULL,
  create_revision BIGINT NOT NULL,
  PRIMARY KEY (kind, name)
);
CREATE INDEX resources_kind_phase ON resources (kind, phase);
CREATE INDEX resources_kind_node_ref ON resources (kind, node_ref);
CREATE INDEX resources_kind_order ON resources (kind, create_revision, name);
)sql"},
    // Ingress hosts are unique across projects. Existing projects claim
    // theirs, the oldest first, resolved as api::IngressHosts does: a host
    // without a '.' is "<host>.<project>.local"; ASCII lowercase.
    {2, "create ingress_hosts", R"sql(
CREATE TABLE ingress_hosts (
  host TEXT PRIMARY KEY,
  project TEXT NOT NULL
);
CREATE INDEX ingress_hosts_project ON ingress_hosts (project);
INSERT INTO ingress_hosts (host, project)
SELECT DISTINCT ON (host) host, name
FROM (SELECT translate(CASE WHEN strpos(h, '.') > 0 THEN h ELSE h || '.' || name || '.local' END,
                       'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz') AS host,
             name, create_revision
      FROM (SELECT r.name, r.create_revision, coalesce(i ->> 'host', '') AS h
            FROM resources AS r, jsonb_array_elements(r.body::jsonb -> 'spec' -> 'ingress') AS i
            WHERE r.kind = 'Project') AS entries) AS resolved
ORDER BY host, create_revision;
)sql"},
};

// pg_advisory_xact_lock key serializing migrations across replicas. It is
// 0x63616C6954AC0001, not the 0x6361726100000001 ("cara", 1) it was meant to
// be; it stays as released, since replicas of different versions must agree
// on it. Leader election must use a different key.
const char kLockMigrations[] = "SELECT pg_advisory_xact_lock(7161124082143723521)";

// The leader lease: a session-level advisory lock on 0x6361726100000002
// ("cara", 2; pg_locks shows classid 1667330657, objid 2), held for as long
// as the session that took it lives. Advisory locks are scoped to the
// current database, so stores on different databases never compete.
const char kTryLockLeader[] = "SELECT pg_try_advisory_lock(7161130643433193474)";
const char kUnlockLeader[] = "SELECT pg_advisory_unlock(7161130643433193474)";

// Change announcements (Txn::Notify) travel on this channel; the two
// statements must name the same one.
const char kNotifySql[] = "SELECT pg_notify('cara_events', $1)";
const char kListenSql[] = "LISTEN cara_events";
const char kChannel[] = "cara_events";

const char kCreateMigrationsTable[] =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    "version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)";

#define CARA_PG_COLUMNS "kind, name, phase, node_ref, body, revision, create_revision"
#define CARA_PG_SELECT "SELECT " CARA_PG_COLUMNS " FROM resources WHERE kind = $1"
#define CARA_PG_ORDER " ORDER BY create_revision, name"

struct Statement {
  const char* name;
  const char* sql;
};

// Registered on every pooled connection; pqxx prepares each on first use.
const Statement kStatements[] = {
    {"get", CARA_PG_SELECT " AND name = $2"},
    // The row lock makes read-modify-write safe under READ COMMITTED: a second
    // writer waits here and then reads the first writer's committed row.
    {"get_for_update", CARA_PG_SELECT " AND name = $2 FOR UPDATE"},
    {"list", CARA_PG_SELECT CARA_PG_ORDER},
    {"list_phase", CARA_PG_SELECT " AND phase = ANY($2::text[])" CARA_PG_ORDER},
    {"list_node", CARA_PG_SELECT " AND node_ref = $2" CARA_PG_ORDER},
    {"list_phase_node",
     CARA_PG_SELECT " AND phase = ANY($2::text[]) AND node_ref = $3" CARA_PG_ORDER},
    // Pages: a range scan of the (kind, create_revision, name) index from
    // the key after which the page starts; an empty phase array means any.
    // clang-format off
    {"list_page", CARA_PG_SELECT
     " AND (cardinality($2::text[]) = 0 OR phase = ANY($2::text[]))"
     " AND ($3::text = '' OR node_ref = $3)"
     " AND (create_revision, name) > ($4::bigint, $5::text)" CARA_PG_ORDER " LIMIT $6"},
    // clang-format on
    {"next_revision", "SELECT nextval('resource_revision')"},
    {"insert", "INSERT INTO resources (" CARA_PG_COLUMNS
               ") VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (kind, name) DO NOTHING"},
    // create_revision is left alone: creation order never changes.
    {"update",
     "UPDATE resources SET phase = $3, node_ref = $4, body = $5, revision = $6 "
     "WHERE kind = $1 AND name = $2"},
    {"delete", "DELETE FROM resources WHERE kind = $1 AND name = $2"},
    {"release_hosts", "DELETE FROM ingress_hosts WHERE project = $1"},
    // Inserts each host or, when it is taken, locks its row and returns its
    // holder. A concurrent claim of the same host waits on the unique index
    // until the first transaction ends, then sees its outcome.
    {"claim_hosts",
     "INSERT INTO ingress_hosts (host, project) SELECT h, $1 FROM unnest($2::text[]) AS h "
     "ON CONFLICT (host) DO UPDATE SET project = ingress_hosts.project "
     "RETURNING host, project"},
    // Queued by the server and sent to listeners only if the transaction commits.
    {"notify", kNotifySql},
};

#undef CARA_PG_COLUMNS
#undef CARA_PG_SELECT
#undef CARA_PG_ORDER

// ---- URLs and secrets ---------------------------------------------------------

std::string PercentDecode(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && isxdigit(static_cast<unsigned char>(s[i + 1])) &&
        isxdigit(static_cast<unsigned char>(s[i + 2]))) {
      out += static_cast<char>(std::stoi(s.substr(i + 1, 2), nullptr, 16));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

// [begin, end) of the password in the userinfo of a URL, if any.
bool FindUrlPassword(const std::string& url, size_t* begin, size_t* end) {
  size_t scheme = url.find("://");
  if (scheme == std::string::npos) return false;
  size_t start = scheme + 3;
  // The last '@' before the query: a password may hold an unescaped '/'.
  size_t at = url.rfind('@', url.find('?', start));
  if (at == std::string::npos || at < start) return false;
  size_t colon = url.find(':', start);
  if (colon == std::string::npos || colon > at) return false;
  *begin = colon + 1;
  *end = at;
  return true;
}

// [begin, end) of a "password=" value in a query string or keyword string.
bool FindKeywordPassword(const std::string& url, size_t* begin, size_t* end) {
  size_t pos = url.find("password=");
  if (pos == std::string::npos) return false;
  *begin = pos + 9;
  *end = url.find_first_of("& ", *begin);
  if (*end == std::string::npos) *end = url.size();
  return true;
}

std::vector<std::string> Secrets(const std::string& url) {
  std::vector<std::string> secrets;
  size_t b, e;
  if (FindUrlPassword(url, &b, &e) && e > b) secrets.push_back(url.substr(b, e - b));
  if (FindKeywordPassword(url, &b, &e) && e > b) secrets.push_back(url.substr(b, e - b));
  size_t n = secrets.size();
  for (size_t i = 0; i < n; ++i) secrets.push_back(PercentDecode(secrets[i]));
  return secrets;
}

// Adds key=value to a URL or keyword string unless it already sets key.
std::string WithParam(const std::string& url, const std::string& key, const std::string& value) {
  if (url.find(key + "=") != std::string::npos) return url;
  std::string param = key + "=" + value;
  if (url.find("://") == std::string::npos) return url + " " + param;  // keyword form
  return url + (url.find('?') == std::string::npos ? "?" : "&") + param;
}

// Adds connect_timeout so an unreachable host fails in seconds, not minutes.
std::string WithConnectTimeout(const std::string& url, int seconds) {
  if (seconds <= 0) return url;
  return WithParam(url, "connect_timeout", std::to_string(seconds));
}

// For the long-lived dedicated connections (listener, leader lease), which
// sit idle for hours: TCP keepalives and a user timeout make a peer that
// vanished without a FIN (host crash, network partition) show up as an error
// within about half a minute instead of the kernel's two hours, and the
// application name tells them apart in pg_stat_activity.
std::string DedicatedConninfo(const std::string& url, const PostgresOptions& options,
                              const std::string& application_name) {
  std::string out = WithConnectTimeout(url, options.connect_timeout_seconds);
  out = WithParam(out, "application_name", application_name);
  out = WithParam(out, "client_encoding", "UTF8");
  out = WithParam(out, "keepalives", "1");
  out = WithParam(out, "keepalives_idle", "10");
  out = WithParam(out, "keepalives_interval", "5");
  out = WithParam(out, "keepalives_count", "3");
  return WithParam(out, "tcp_user_timeout", "30000");
}

// A Postgres text[] literal: {"a","b\"c"}.
std::string TextArray(const std::vector<std::string>& items) {
  std::string out = "{";
  for (size_t i = 0; i < items.size(); ++i) {
    if (i) out += ',';
    out += '"';
    for (char c : items[i]) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    out += '"';
  }
  return out + "}";
}

// ---- errors -------------------------------------------------------------------

// What a caught exception means for the caller.
struct PgError {
  Status status;
  bool retry = false;   // trying the whole transaction again may succeed
  bool broken = false;  // the connection is unusable: discard it
};

class Scrubber {
 public:
  explicit Scrubber(const std::string& url) : secrets_(Secrets(url)) {}
  std::string operator()(std::string msg) const {
    for (const std::string& s : secrets_) {
      for (size_t p = 0; (p = msg.find(s, p)) != std::string::npos; p += 3) {
        msg.replace(p, s.size(), "***");
      }
    }
    while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
    return msg;
  }

 private:
  std::vector<std::string> secrets_;
};

// Classifies the exception being handled. Call only inside a catch block.
// A unique violation means "resource already exists" only for row writes; in
// a migration it is a schema problem and keeps its own text.
PgError ClassifyCurrent(const Scrubber& scrub, const std::string& what, bool rows = true) {
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

Row FromPg(const pqxx::row& r) {
  Row row;
  row.kind = r[0].c_str();
  row.name = r[1].c_str();
  row.phase = r[2].c_str();
  row.node_ref = r[3].c_str();
  row.body.assign(r[4].c_str(), r[4].size());
  row.revision = r[5].as<int64_t>();
  row.create_revision = r[6].as<int64_t>();
  return row;
}

std::vector<Row> FromPg(const pqxx::result& result) {
  std::vector<Row> rows;
  rows.reserve(result.size());
  for (const auto& r : result) rows.push_back(FromPg(r));
  return rows;
}

std::optional<Row> FirstRow(const pqxx::result& result) {
  if (result.empty()) return std::nullopt;
  return FromPg(result[0]);
}

// Works for a pqxx::work and a pqxx::nontransaction alike.
pqxx::result ListQuery(pqxx::transaction_base& tx, const std::string& kind,
                       const RowFilter& filter) {
  if (filter.after || filter.limit > 0) {
    const ListKey start = filter.after.value_or(ListKey{-1, ""});
    const int64_t limit = filter.limit > 0 ? static_cast<int64_t>(filter.limit) : INT64_MAX;
    return tx.exec_prepared("list_page", kind, TextArray(filter.phases), filter.node_ref,
                            start.create_revision, start.name, limit);
  }
  bool phases = !filter.phases.empty(), node = !filter.node_ref.empty();
  if (phases && node) {
    return tx.exec_prepared("list_phase_node", kind, TextArray(filter.phases), filter.node_ref);
  }
  if (phases) return tx.exec_prepared("list_phase", kind, TextArray(filter.phases));
  if (node) return tx.exec_prepared("list_node", kind, filter.node_ref);
  return tx.exec_prepared("list", kind);
}

// ---- connection pool ----------------------------------------------------------

class Pool {
 public:
  // A connection borrowed for one transaction; returned (or discarded when
  // marked broken) on destruction.
  class Lease {
   public:
    Lease(Pool* pool, std::unique_ptr<pqxx::connection> conn)
        : pool_(pool), conn_(std::move(conn)) {}
    Lease(Lease&& other) noexcept = default;
    Lease& operator=(Lease&&) = delete;
    ~Lease() {
      if (conn_) pool_->Return(std::move(conn_), broken_);
    }
    pqxx::connection& operator*() { return *conn_; }
    void MarkBroken() { broken_ = true; }

   private:
    Pool* pool_;
    std::unique_ptr<pqxx::connection> conn_;
    bool broken_ = false;
  };

  Pool(std::string url, const PostgresOptions& options)
      : url_(WithConnectTimeout(url, options.connect_timeout_seconds)),
        redacted_(RedactDatabaseUrl(url)),
        scrub_(url),
        options_(options) {}

  const Scrubber& scrub() const { return scrub_; }

  // First come, first served: while anyone waits, a returned connection goes
  // to the longest waiter, never to a caller that just arrived. (With a plain
  // notify_one, newcomers won most races for it, and under wrk some requests
  // waited over a second for a connection: tests/bench, api step.)
  Result<Lease> Acquire() {
    std::unique_lock<std::mutex> lock(mu_);
    if (waiters_.empty() && !idle_.empty()) {
      std::unique_ptr<pqxx::connection> conn = std::move(idle_.back());
      idle_.pop_back();
      return Lease(this, std::move(conn));
    }
    if (waiters_.empty() && open_ < options_.max_connections) {
      ++open_;
    } else {
      Waiter me;
      waiters_.push_back(&me);
      if (!me.cv.wait_for(lock, options_.acquire_timeout,
                          [&] { return me.conn != nullptr || me.may_open; })) {
        waiters_.erase(std::find(waiters_.begin(), waiters_.end(), &me));
        return Status::Unavailable("postgres: no free connection in the pool");
      }
      if (me.conn) return Lease(this, std::move(me.conn));
      // me.may_open: open_ already counts the connection we are to open.
    }
    lock.unlock();  // connecting takes a network round trip: not under the lock
    auto conn = Connect();
    if (!conn.ok()) {
      lock.lock();
      --open_;
      ServeWaitersLocked();
      return conn.status();
    }
    return Lease(this, std::move(*conn));
  }

 private:
  Result<std::unique_ptr<pqxx::connection>> Connect() {
    try {
      auto conn = std::make_unique<pqxx::connection>(url_);
      conn->set_client_encoding("UTF8");
      for (const Statement& s : kStatements) conn->prepare(s.name, s.sql);
      return conn;
    } catch (const std::exception& e) {
      return Status::Unavailable("postgres: cannot connect to " + redacted_ + ": " +
                                 scrub_(e.what()));
    }
  }

  void Return(std::unique_ptr<pqxx::connection> conn, bool broken) {
    std::lock_guard<std::mutex> lock(mu_);
    if (broken || !conn->is_open()) {
      --open_;
      // One dead connection usually means the server restarted and the idle
      // ones are dead too; drop them rather than fail on each in turn.
      if (broken) {
        open_ -= idle_.size();
        idle_.clear();
      }
    } else {
      idle_.push_back(std::move(conn));
    }
    ServeWaitersLocked();
  }

  // Hands idle connections, then room for new ones, to waiters in order.
  void ServeWaitersLocked() {
    while (!waiters_.empty() && (!idle_.empty() || open_ < options_.max_connections)) {
      Waiter* w = waiters_.front();
      waiters_.pop_front();
      if (!idle_.empty()) {
        w->conn = std::move(idle_.back());
        idle_.pop_back();
      } else {
        ++open_;
        w->may_open = true;
      }
      w->cv.notify_one();
    }
  }

  // A caller waiting in Acquire, on its own stack.
  struct Waiter {
    std::condition_variable cv;
    std::unique_ptr<pqxx::connection> conn;  // handed over
    bool may_open = false;                   // or: open one, it is counted
  };

  const std::string url_;
  const std::string redacted_;
  const Scrubber scrub_;
  const PostgresOptions options_;
  std::mutex mu_;
  std::vector<std::unique_ptr<pqxx::connection>> idle_;  // guarded by mu_
  std::deque<Waiter*> waiters_;                          // guarded by mu_, oldest first
  size_t open_ = 0;                                      // guarded by mu_
};

// ---- transactions -------------------------------------------------------------

// The write transaction handed to the store. Statements never throw past it:
// the first failure is recorded so Write can decide whether to retry.
class PgTxn final : public Txn {
 public:
  PgTxn(pqxx::work& work, const Scrubber& scrub) : work_(work), scrub_(scrub) {}

  Result<std::optional<Row>> Get(const std::string& kind, const std::string& name) override {
    return Run("get " + kind, [&]() -> Result<std::optional<Row>> {
      return FirstRow(work_.exec_prepared("get_for_update", kind, name));
    });
  }

  Result<std::vector<Row>> List(const std::string& kind, const RowFilter& filter) override {
    return Run("list " + kind, [&]() -> Result<std::vector<Row>> {
      return FromPg(ListQuery(work_, kind, filter));
    });
  }

  Result<int64_t> NextRevision() override {
    return Run("next revision", [&]() -> Result<int64_t> {
      return work_.exec_prepared1("next_revision")[0].as<int64_t>();
    });
  }

  Status Insert(const Row& row) override {
    return Run("insert " + row.kind, [&]() -> Status {
      auto r = work_.exec_prepared("insert", row.kind, row.name, row.phase, row.node_ref, row.body,
                                   row.revision, row.create_revision);
      if (r.affected_rows() == 0) return Status::AlreadyExists("resource already exists");
      return Status::Ok();
    });
  }

  Status Update(const Row& row) override {
    return Run("update " + row.kind, [&]() -> Status {
      auto r = work_.exec_prepared("update", row.kind, row.name, row.phase, row.node_ref, row.body,
                                   row.revision);
      if (r.affected_rows() == 0) return Status::NotFound("resource not found");
      return Status::Ok();
    });
  }

  Status Delete(const std::string& kind, const std::string& name) override {
    return Run("delete " + kind, [&]() -> Status {
      auto r = work_.exec_prepared("delete", kind, name);
      if (r.affected_rows() == 0) return Status::NotFound("resource not found");
      return Status::Ok();
    });
  }

  Result<std::optional<HostHeld>> ClaimIngressHosts(
      const std::string& project, const std::vector<std::string>& hosts) override {
    return Run("claim ingress hosts", [&]() -> Result<std::optional<HostHeld>> {
      work_.exec_prepared("release_hosts", project);
      if (hosts.empty()) return std::optional<HostHeld>();
      std::optional<HostHeld> held;
      for (const auto& row : work_.exec_prepared("claim_hosts", project, TextArray(hosts))) {
        std::string host = row[0].c_str(), holder = row[1].c_str();
        if (holder != project && (!held || host < held->host)) held = HostHeld{host, holder};
      }
      return held;
    });
  }

  Status Notify(const std::string& payload) override {
    return Run("notify", [&]() -> Status {
      work_.exec_prepared("notify", payload);
      return Status::Ok();
    });
  }

  // Set once a statement has failed; the transaction is then aborted.
  const std::optional<PgError>& failure() const { return failure_; }

 private:
  template <typename F>
  auto Run(const std::string& what, const F& f) -> decltype(f()) {
    if (failure_) return failure_->status;  // an aborted transaction runs nothing
    try {
      return f();
    } catch (...) {
      failure_ = ClassifyCurrent(scrub_, what);
      return failure_->status;
    }
  }

  pqxx::work& work_;
  const Scrubber& scrub_;
  std::optional<PgError> failure_;
};

// ---- dedicated connections: listener and leader lease --------------------------

// These use libpq directly, not libpqxx: pqxx 6 transparently reconnects a
// broken connection inside exec() (connection_base::reset), which would turn
// a lost advisory lock into a "held" answer from a brand-new session, and
// would hide from the listener that it missed notifications. With plain
// libpq a dead connection stays dead and we decide what happens next.
struct PgConnCloser {
  void operator()(PGconn* conn) const noexcept { PQfinish(conn); }
};
using PgConn = std::unique_ptr<PGconn, PgConnCloser>;

struct PgResultClearer {
  void operator()(PGresult* result) const noexcept { PQclear(result); }
};
using PgResult = std::unique_ptr<PGresult, PgResultClearer>;

// libpq prints server notices (and the FATAL a terminated session receives
// while idle) to stderr by default; they belong in our log.
void LogNotice(void* name, const char* message) {
  std::string msg = message ? message : "";
  while (!msg.empty() && msg.back() == '\n') msg.pop_back();
  LOG_INFO("postgres notice").Kv("connection", static_cast<const char*>(name)).Kv("message", msg);
}

// `name` (a string literal) is the application_name and names it in logs.
Result<PgConn> ConnectDedicated(const std::string& url, const PostgresOptions& options,
                                const char* name, const std::string& redacted,
                                const Scrubber& scrub) {
  PgConn conn(PQconnectdb(DedicatedConninfo(url, options, name).c_str()));
  if (!conn) return Status::Unavailable("postgres: cannot connect to " + redacted);
  if (PQstatus(conn.get()) != CONNECTION_OK) {
    return Status::Unavailable("postgres: cannot connect to " + redacted + ": " +
                               scrub(PQerrorMessage(conn.get())));
  }
  PQsetNoticeProcessor(conn.get(), LogNotice, const_cast<char*>(name));
  return conn;
}

// Runs one statement; on failure returns false and sets *error.
bool ExecExpect(PGconn* conn, const char* sql, ExecStatusType expected, const Scrubber& scrub,
                std::string* error, PgResult* out = nullptr) {
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

// Receives the payloads of NOTIFY cara_events on its own connection and
// thread, reconnecting with backoff when the connection drops.
class NotifyListener {
 public:
  NotifyListener(std::string url, const PostgresOptions& options, std::string redacted,
                 const Scrubber& scrub, std::function<void(const std::string&)> on_payload)
      : url_(std::move(url)),
        options_(options),
        redacted_(std::move(redacted)),
        scrub_(scrub),
        on_payload_(std::move(on_payload)) {}
  NotifyListener(const NotifyListener&) = delete;
  NotifyListener& operator=(const NotifyListener&) = delete;
  ~NotifyListener() { Stop(); }

  // LISTENs before returning, so every notification committed after Start
  // returns is delivered (unless the connection later drops).
  Status Start() {
    auto conn = ConnectAndListen();
    if (!conn.ok()) return conn.status();
    if (::pipe2(wake_, O_CLOEXEC | O_NONBLOCK) != 0) {
      return Status::Internal(std::string("postgres listener: pipe: ") + std::strerror(errno));
    }
    stop_ = false;
    thread_ = std::thread([this, c = std::move(*conn)]() mutable { Loop(std::move(c)); });
    return Status::Ok();
  }

  // Wakes the thread through the pipe (it waits in poll, never in libpq,
  // unless it is connecting or pinging) and joins it.
  void Stop() {
    if (!thread_.joinable()) return;
    stop_ = true;
    (void)!::write(wake_[1], "x", 1);
    thread_.join();
    ::close(wake_[0]);
    ::close(wake_[1]);
    wake_[0] = wake_[1] = -1;
  }

 private:
  // Quiet connections are pinged this often, so a server that restarted or
  // failed over behind a silent network is noticed.
  static constexpr std::chrono::milliseconds kPingInterval{15000};

  Result<PgConn> ConnectAndListen() {
    auto conn = ConnectDedicated(url_, options_, "cara-listener", redacted_, scrub_);
    if (!conn.ok()) return conn.status();
    std::string error;
    if (!ExecExpect(conn->get(), kListenSql, PGRES_COMMAND_OK, scrub_, &error)) {
      return Status::Unavailable("postgres: LISTEN: " + error);
    }
    return conn;
  }

  // Sleeps up to `delay`; true if Stop() was called meanwhile.
  bool SleepUnlessStopped(std::chrono::milliseconds delay) {
    pollfd wake{wake_[0], POLLIN, 0};
    while (!stop_ && ::poll(&wake, 1, static_cast<int>(delay.count())) < 0 && errno == EINTR) {
    }
    return stop_;
  }

  void Deliver(PGconn* conn) {
    while (PGnotify* n = PQnotifies(conn)) {
      std::string channel = n->relname, payload = n->extra;
      PQfreemem(n);
      if (channel != kChannel) continue;
      try {
        on_payload_(payload);
      } catch (const std::exception& e) {  // a listener's bug must not end the thread
        LOG_ERROR("postgres listener: event handler threw").Kv("error", e.what());
      } catch (...) {
        LOG_ERROR("postgres listener: event handler threw");
      }
    }
  }

  void Loop(PgConn conn) {
    int failures = 0;
    while (!stop_) {
      if (!conn) {
        auto fresh = ConnectAndListen();
        if (!fresh.ok()) {
          // 100 ms doubling to 5 s: quick after a blip, gentle while the
          // server is down.
          auto delay = std::chrono::milliseconds(100 << std::min(failures, 6));
          delay = std::min(delay, std::chrono::milliseconds(5000));
          ++failures;
          LOG_WARN("postgres listener: reconnect failed")
              .Kv("error", fresh.status().message())
              .Kv("retry_in_ms", delay.count());
          if (SleepUnlessStopped(delay)) break;
          continue;
        }
        conn = std::move(*fresh);
        failures = 0;
        // NOTIFY is not queued for absent listeners: what other processes
        // wrote while we were away was never announced to us.
        LOG_WARN("postgres listener: reconnected; changes made while disconnected were missed");
      }

      pollfd fds[2] = {{PQsocket(conn.get()), POLLIN, 0}, {wake_[0], POLLIN, 0}};
      int n = ::poll(fds, 2, static_cast<int>(kPingInterval.count()));
      if (stop_) break;
      if (n < 0 && errno == EINTR) continue;
      std::string error;
      bool ok;
      if (n < 0) {
        ok = false;
        error = std::string("poll: ") + std::strerror(errno);
      } else if (n == 0) {
        ok = ExecExpect(conn.get(), "SELECT 1", PGRES_TUPLES_OK, scrub_, &error);
      } else {
        ok = PQconsumeInput(conn.get()) == 1;
        if (!ok) error = scrub_(PQerrorMessage(conn.get()));
      }
      Deliver(conn.get());  // whatever arrived before a failure still counts
      if (!ok || PQstatus(conn.get()) != CONNECTION_OK) {
        LOG_WARN("postgres listener: connection lost; reconnecting").Kv("error", error);
        conn.reset();
      }
    }
  }

  const std::string url_;
  const PostgresOptions options_;
  const std::string redacted_;
  const Scrubber scrub_;
  const std::function<void(const std::string&)> on_payload_;
  int wake_[2] = {-1, -1};
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

// Owns the session holding the leader advisory lock. Independent of the
// backend (its own connection and scrubber), so it may outlive it.
class PgLeaderLease final : public LeaderLease {
 public:
  PgLeaderLease(PgConn conn, const Scrubber& scrub) : conn_(std::move(conn)), scrub_(scrub) {}

  ~PgLeaderLease() override {
    std::lock_guard<std::mutex> lock(mu_);
    // Unlocking first hands the lease over at once; if it fails, closing
    // the session releases the lock just the same. (On a silently dead
    // network this waits for tcp_user_timeout, at most 30 s.)
    if (!lost_) PQclear(PQexec(conn_.get(), kUnlockLeader));
  }

  // A session-level advisory lock lives exactly as long as its session, so
  // "the session still answers" means "the lock is still ours". Never
  // reconnects: a new session would not hold the lock.
  bool StillHeld() override {
    std::lock_guard<std::mutex> lock(mu_);
    if (lost_) return false;
    std::string error;
    if (ExecExpect(conn_.get(), "SELECT 1", PGRES_TUPLES_OK, scrub_, &error) &&
        PQstatus(conn_.get()) == CONNECTION_OK) {
      return true;
    }
    lost_ = true;
    LOG_WARN("postgres: leader lease lost").Kv("error", error);
    return false;
  }

 private:
  std::mutex mu_;
  PgConn conn_;
  const Scrubber scrub_;
  bool lost_ = false;  // guarded by mu_
};

void Backoff(int attempt) {
  thread_local std::minstd_rand rng(std::random_device{}());
  int base = 10 << attempt;  // 20, 40, 80, 160 ms
  std::this_thread::sleep_for(std::chrono::milliseconds(base + rng() % base));
}

class PostgresBackend final : public Backend {
 public:
  PostgresBackend(const std::string& url, const PostgresOptions& options)
      : pool_(url, options), options_(options), url_(url), redacted_(RedactDatabaseUrl(url)) {}
  ~PostgresBackend() override { StopListening(); }

  // Opens the first connection so a bad URL fails at start-up.
  Status Connect() { return pool_.Acquire().status(); }

  std::string Name() const override { return "postgres"; }
  Status Migrate() override;
  Status Ping() override;
  Result<std::optional<Row>> Get(const std::string& kind, const std::string& name) override;
  Result<std::vector<Row>> List(const std::string& kind, const RowFilter& filter) override;
  Status Write(const std::function<Status(Txn&)>& fn) override;
  Result<std::unique_ptr<LeaderLease>> TryAcquireLeadership() override;
  Status StartListening(std::function<void(const std::string& payload)> on_payload) override;
  void StopListening() override;

 private:
  // Runs fn(tx) outside any explicit transaction (one autocommit statement),
  // trying a second connection if the first turns out to be dead.
  template <typename T, typename F>
  Result<T> Read(const std::string& what, const F& fn);
  Status WriteOnce(const std::function<Status(Txn&)>& fn, bool* retry);
  // One transaction holding the migration lock.
  Status InMigrationTxn(const std::string& what, const std::function<void(pqxx::work&)>& fn);

  Pool pool_;
  const PostgresOptions options_;
  const std::string url_;
  const std::string redacted_;

  std::mutex listen_mu_;
  std::unique_ptr<NotifyListener> listener_;  // guarded by listen_mu_

  std::mutex candidate_mu_;
  // A session that lost the last election, kept for the next attempt so a
  // standby replica polling for the lease does not open a connection (a
  // server process) every time. Guarded by candidate_mu_.
  PgConn candidate_;
};

Result<std::unique_ptr<LeaderLease>> PostgresBackend::TryAcquireLeadership() {
  std::lock_guard<std::mutex> lock(candidate_mu_);
  for (;;) {
    bool fresh = !candidate_;
    if (fresh) {
      auto conn = ConnectDedicated(url_, options_, "cara-leader", redacted_, pool_.scrub());
      if (!conn.ok()) return conn.status();
      candidate_ = std::move(*conn);
    }
    std::string error;
    PgResult result;
    if (ExecExpect(candidate_.get(), kTryLockLeader, PGRES_TUPLES_OK, pool_.scrub(), &error,
                   &result) &&
        PQntuples(result.get()) == 1) {
      if (PQgetvalue(result.get(), 0, 0)[0] != 't') {
        return std::unique_ptr<LeaderLease>();  // another session leads
      }
      return std::unique_ptr<LeaderLease>(
          std::make_unique<PgLeaderLease>(std::move(candidate_), pool_.scrub()));
    }
    candidate_.reset();
    // A kept session may have died while idle (server restart, idle
    // timeout): one more try on a fresh one. A fresh one failing is real.
    if (fresh) return Status::Unavailable("postgres: leader lock: " + error);
  }
}

Status PostgresBackend::StartListening(std::function<void(const std::string& payload)> on_payload) {
  std::lock_guard<std::mutex> lock(listen_mu_);
  if (listener_) return Status::Conflict("postgres: already listening for changes");
  auto listener = std::make_unique<NotifyListener>(url_, options_, redacted_, pool_.scrub(),
                                                   std::move(on_payload));
  CARA_RETURN_IF_ERROR(listener->Start());
  listener_ = std::move(listener);
  return Status::Ok();
}

// Must not be called from the payload callback (it would join its own thread).
void PostgresBackend::StopListening() {
  std::unique_ptr<NotifyListener> listener;
  {
    std::lock_guard<std::mutex> lock(listen_mu_);
    listener = std::move(listener_);
  }
  if (listener) listener->Stop();
}

template <typename T, typename F>
Result<T> PostgresBackend::Read(const std::string& what, const F& fn) {
  Status st;
  for (int attempt = 0; attempt < 2; ++attempt) {
    auto lease = pool_.Acquire();
    if (!lease.ok()) return lease.status();
    try {
      pqxx::nontransaction tx(**lease);
      return fn(tx);
    } catch (...) {
      PgError err = ClassifyCurrent(pool_.scrub(), what);
      if (err.broken) lease->MarkBroken();
      if (!err.retry) return err.status;
      st = err.status;
    }
  }
  return st;
}

Result<std::optional<Row>> PostgresBackend::Get(const std::string& kind, const std::string& name) {
  return Read<std::optional<Row>>("get " + kind, [&](pqxx::nontransaction& tx) {
    return FirstRow(tx.exec_prepared("get", kind, name));
  });
}

Result<std::vector<Row>> PostgresBackend::List(const std::string& kind, const RowFilter& filter) {
  return Read<std::vector<Row>>("list " + kind, [&](pqxx::nontransaction& tx) {
    return FromPg(ListQuery(tx, kind, filter));
  });
}

Status PostgresBackend::Ping() {
  return Read<bool>("ping",
                    [](pqxx::nontransaction& tx) {
                      tx.exec("SELECT 1");
                      return true;
                    })
      .status();
}

Status PostgresBackend::WriteOnce(const std::function<Status(Txn&)>& fn, bool* retry) {
  *retry = false;
  auto lease = pool_.Acquire();
  if (!lease.ok()) {
    *retry = true;  // the server may be restarting
    return lease.status();
  }
  try {
    pqxx::work work(**lease);
    PgTxn txn(work, pool_.scrub());
    Status st = fn(txn);
    if (txn.failure()) {
      const PgError& err = *txn.failure();
      if (err.broken) lease->MarkBroken();
      *retry = err.retry;
      return err.status;
    }
    if (!st.ok()) return st;  // ~work rolls back
    work.commit();
    return Status::Ok();
  } catch (...) {
    PgError err = ClassifyCurrent(pool_.scrub(), "write");
    if (err.broken) lease->MarkBroken();
    *retry = err.retry;
    return err.status;
  }
}

Status PostgresBackend::Write(const std::function<Status(Txn&)>& fn) {
  Status st;
  for (int attempt = 0; attempt < options_.max_write_attempts; ++attempt) {
    if (attempt > 0) Backoff(attempt);
    bool retry = false;
    st = WriteOnce(fn, &retry);
    if (!retry) return st;
  }
  return st;
}

Status PostgresBackend::InMigrationTxn(const std::string& what,
                                       const std::function<void(pqxx::work&)>& fn) {
  auto lease = pool_.Acquire();
  if (!lease.ok()) return lease.status();
  try {
    pqxx::work work(**lease);
    // Held until commit: replicas starting together apply each migration once.
    work.exec(kLockMigrations);
    fn(work);
    work.commit();
    return Status::Ok();
  } catch (...) {
    PgError err = ClassifyCurrent(pool_.scrub(), what, /*rows=*/false);
    if (err.broken) lease->MarkBroken();
    return err.status;
  }
}

Status PostgresBackend::Migrate() {
  CARA_RETURN_IF_ERROR(InMigrationTxn("create schema_migrations",
                                      [](pqxx::work& work) { work.exec(kCreateMigrationsTable); }));
  for (const Migration& m : kMigrations) {
    const std::string what =
        "migration " + std::to_string(m.version) + " (" + std::string(m.name) + ")";
    CARA_RETURN_IF_ERROR(InMigrationTxn(what, [&](pqxx::work& work) {
      if (!work.exec_params("SELECT 1 FROM schema_migrations WHERE version = $1", m.version)
               .empty()) {
        return;  // applied earlier, maybe by another replica
      }
      work.exec(m.sql);
      work.exec_params(
          "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, "
          "to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'))",
          m.version, std::string(m.name));
    }));
  }
  return Status::Ok();
}

}  // namespace

std::string RedactDatabaseUrl(const std::string& url) {
  std::string out = url;
  size_t b, e;
  if (FindKeywordPassword(out, &b, &e)) out.replace(b, e - b, "***");
  if (FindUrlPassword(out, &b, &e)) out.replace(b, e - b, "***");
  return out;
}

Result<std::unique_ptr<Backend>> OpenPostgresBackend(const std::string& url,
                                                     const PostgresOptions& options) {
  auto backend = std::make_unique<PostgresBackend>(url, options);
  CARA_RETURN_IF_ERROR(backend->Connect());
  return std::unique_ptr<Backend>(std::move(backend));
}

Result<std::unique_ptr<Backend>> OpenPostgresBackend(const std::string& url) {
  return OpenPostgresBackend(url, PostgresOptions{});
}

}  // namespace cara::store
