// Coordination between processes sharing one database: the leader lease (at
// most one holder per database) and, on PostgreSQL, change events that travel
// between Stores through LISTEN/NOTIFY. Two Store instances on one database
// stand in for two cara-server replicas; flock and advisory locks exclude
// each other within one process just as across processes (and one test forks
// a real second process to be sure).
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>
#include <pqxx/pqxx>

#include "api/types.h"
#include "common/clock.h"
#include "common/status.h"
#include "store/backend.h"
#include "store/store.h"
#include "support/eventually.h"
#include "support/fake_clock.h"
#include "support/postgres_server.h"
#include "support/temp_dir.h"

namespace cara::store {
namespace {

using namespace std::chrono_literals;
using cara::testing::PostgresServer;
using cara::testing::TempDir;

struct Sqlite {
  TempDir dir;
  std::string url() const { return "sqlite:" + dir.path() + "/cara.db"; }
};

struct Postgres {
  std::string db_url = PostgresServer::Shared().FreshDatabaseUrl();
  std::string url() const { return db_url; }
};

const Timestamp kStart = Timestamp(std::chrono::seconds(1714564800));

std::unique_ptr<Store> OpenStore(const std::string& url, Clock* clock) {
  auto backend = OpenBackend(url, "");
  INFO("OpenBackend(" << url << "): " << backend.status().ToString());
  REQUIRE(backend.ok());
  return std::make_unique<Store>(std::move(*backend), clock);
}

using cara::testing::Eventually;

std::unique_ptr<LeaderLease> Acquire(Store& s) {
  auto lease = s.TryAcquireLeadership();
  INFO(lease.status().ToString());
  REQUIRE(lease.ok());
  return std::move(*lease);
}

api::Node MakeNode(const std::string& name) {
  api::Node n;
  n.metadata.name = name;
  n.spec.hostname = name + ".example";
  n.status.state = api::kNodeReady;
  return n;
}

api::Project MakeProject(const std::string& name) {
  api::Project p;
  p.metadata.name = name;
  api::ServiceDef web;
  web.name = "web";
  web.image = "nginx:1.25";
  p.spec.services.push_back(web);
  p.status.phase = api::kPhasePending;
  return p;
}

std::string Describe(const Event& e) {
  const char* type = e.type == EventType::kCreated   ? "created"
                     : e.type == EventType::kUpdated ? "updated"
                                                     : "deleted";
  return std::string(type) + " " + e.kind + "/" + e.name + " '" + e.old_phase + "'->'" +
         e.new_phase + "'";
}

// Collects a Store's events; they arrive on writer threads and on the
// listener thread at once. Declare it before the Store it watches, so it
// outlives the listener thread.
class Recorder {
 public:
  void Attach(Store& s) {
    s.Subscribe([this](const Event& e) {
      std::lock_guard<std::mutex> lock(mu_);
      events_.push_back(Describe(e));
      names_.push_back(e.name);
    });
  }
  std::vector<std::string> events() const {
    std::lock_guard<std::mutex> lock(mu_);
    return events_;
  }
  size_t Count(const std::string& name) const {
    std::lock_guard<std::mutex> lock(mu_);
    size_t n = 0;
    for (const std::string& x : names_) n += x == name;
    return n;
  }
  bool WaitFor(const std::string& name, size_t count = 1) const {
    return Eventually([&] { return Count(name) >= count; });
  }

 private:
  mutable std::mutex mu_;
  std::vector<std::string> events_;
  std::vector<std::string> names_;
};

// An admin session on a test database, for killing other sessions.
class Admin {
 public:
  explicit Admin(const std::string& url) : conn_(url) {}

  // Terminates the sessions `where` selects from pg_stat_activity (of this
  // database, not us) and waits until they are gone. Returns how many.
  size_t Kill(const std::string& where) {
    const std::string from =
        " FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() "
        "AND (" +
        where + ")";
    pqxx::nontransaction tx(conn_);
    size_t killed = tx.exec("SELECT pg_terminate_backend(pid)" + from).size();
    Eventually([&] { return tx.exec("SELECT pid" + from).empty(); });
    return killed;
  }

  // Sessions (pids) holding the leader advisory lock on this database: key
  // 0x6361726100000002 shows as classid 0x63617261, objid 2, objsubid 1.
  std::vector<int> LeaderLockHolders() {
    pqxx::nontransaction tx(conn_);
    std::vector<int> pids;
    for (const auto& row :
         tx.exec("SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted AND database = "
                 "(SELECT oid FROM pg_database WHERE datname = current_database()) "
                 "AND classid = 1667330657 AND objid = 2 AND objsubid = 1")) {
      pids.push_back(row[0].as<int>());
    }
    return pids;
  }

  std::vector<int> ListenerPids() {
    pqxx::nontransaction tx(conn_);
    std::vector<int> pids;
    for (const auto& row :
         tx.exec("SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                 "AND application_name = 'cara-listener'")) {
      pids.push_back(row[0].as<int>());
    }
    return pids;
  }

 private:
  pqxx::connection conn_;
};

// ---- leader lease -------------------------------------------------------------

TEMPLATE_TEST_CASE("coordination: one leader per database, the next takes over on release",
                   "[store][coordination]", Sqlite, Postgres) {
  TestType db;
  FakeClock clock(kStart);
  auto a = OpenStore(db.url(), &clock);
  auto b = OpenStore(db.url(), &clock);

  auto lease_a = Acquire(*a);
  REQUIRE(lease_a != nullptr);
  CHECK(lease_a->StillHeld());
  CHECK(Acquire(*b) == nullptr);
  CHECK(Acquire(*b) == nullptr);  // asking again changes nothing
  CHECK(Acquire(*a) == nullptr);  // not even the holder's own store gets a second one
  CHECK(lease_a->StillHeld());

  // The lease does not block migrations (PostgreSQL: a different lock key).
  auto c = OpenStore(db.url(), &clock);
  CHECK(Acquire(*c) == nullptr);

  lease_a.reset();
  auto lease_b = Acquire(*b);
  REQUIRE(lease_b != nullptr);
  CHECK(lease_b->StillHeld());
  CHECK(Acquire(*a) == nullptr);
  CHECK(Acquire(*c) == nullptr);

  // The lease may outlive its store (it owns its own connection or file).
  b.reset();
  CHECK(lease_b->StillHeld());
  CHECK(Acquire(*a) == nullptr);
  lease_b.reset();
  CHECK(Acquire(*a) != nullptr);
}

TEMPLATE_TEST_CASE("coordination: a leader process that dies releases the lease",
                   "[store][coordination]", Sqlite, Postgres) {
  TestType db;
  FakeClock clock(kStart);
  auto survivor = OpenStore(db.url(), &clock);  // migrated before the fork

  int ready[2];
  REQUIRE(::pipe(ready) == 0);
  pid_t pid = ::fork();
  if (pid == 0) {
    // The leader: takes the lease, reports, and waits to be SIGKILLed. No
    // Catch macros in here.
    ::close(ready[0]);
    FakeClock child_clock(kStart);
    auto backend = OpenBackend(db.url(), "");
    if (!backend.ok()) ::_exit(2);
    Store s(std::move(*backend), &child_clock);
    auto lease = s.TryAcquireLeadership();
    char status = lease.ok() && *lease ? 'y' : 'n';
    (void)!::write(ready[1], &status, 1);
    for (;;) ::pause();
  }
  REQUIRE(pid > 0);
  ::close(ready[1]);
  char status = 0;
  ssize_t n = ::read(ready[0], &status, 1);
  ::close(ready[0]);
  const bool child_leads = n == 1 && status == 'y';
  CHECK(child_leads);
  if (child_leads) CHECK(Acquire(*survivor) == nullptr);

  ::kill(pid, SIGKILL);
  int wstatus = 0;
  REQUIRE(::waitpid(pid, &wstatus, 0) == pid);

  // The kernel closes the dead leader's lock file or socket; PostgreSQL ends
  // its session and releases the advisory lock a moment later.
  std::unique_ptr<LeaderLease> lease;
  CHECK(Eventually([&] {
    lease = Acquire(*survivor);
    return lease != nullptr;
  }));
}

TEST_CASE("coordination: sqlite: a lease whose lock file is removed is lost",
          "[store][coordination][sqlite]") {
  Sqlite db;
  FakeClock clock(kStart);
  auto a = OpenStore(db.url(), &clock);
  auto b = OpenStore(db.url(), &clock);
  auto lease_a = Acquire(*a);
  REQUIRE(lease_a != nullptr);
  CHECK(Acquire(*b) == nullptr);
  // Whoever opens the path next locks a new file: a must step down.
  REQUIRE(::unlink((db.dir.path() + "/cara.db.leader").c_str()) == 0);
  CHECK_FALSE(lease_a->StillHeld());
  auto lease_b = Acquire(*b);
  REQUIRE(lease_b != nullptr);
  CHECK(lease_b->StillHeld());
}

TEST_CASE("coordination: postgres: a lease whose session is killed is lost",
          "[store][coordination][postgres]") {
  Postgres db;
  FakeClock clock(kStart);
  auto a = OpenStore(db.url(), &clock);
  auto b = OpenStore(db.url(), &clock);
  Admin admin(db.url());

  auto lease_a = Acquire(*a);
  REQUIRE(lease_a != nullptr);
  std::vector<int> holders = admin.LeaderLockHolders();
  REQUIRE(holders.size() == 1);
  CHECK(Acquire(*b) == nullptr);

  REQUIRE(admin.Kill("pid = " + std::to_string(holders[0])) == 1);
  CHECK(admin.LeaderLockHolders().empty());
  CHECK_FALSE(lease_a->StillHeld());
  CHECK_FALSE(lease_a->StillHeld());  // lost for good: it never reconnects

  auto lease_b = Acquire(*b);
  REQUIRE(lease_b != nullptr);
  CHECK(lease_b->StillHeld());
  lease_a.reset();  // releasing a lost lease must not touch the new holder's lock
  CHECK(lease_b->StillHeld());
  CHECK(admin.LeaderLockHolders().size() == 1);
  CHECK(Acquire(*a) == nullptr);
}

TEST_CASE("coordination: postgres: a standby keeps trying after its session is killed",
          "[store][coordination][postgres]") {
  Postgres db;
  FakeClock clock(kStart);
  auto a = OpenStore(db.url(), &clock);
  auto b = OpenStore(db.url(), &clock);
  Admin admin(db.url());

  auto lease_a = Acquire(*a);
  REQUIRE(lease_a != nullptr);
  CHECK(Acquire(*b) == nullptr);  // b's losing session is kept for its next try
  // Kill every session but the leader's: b's kept session is among them.
  const int leader = admin.LeaderLockHolders().at(0);
  CHECK(admin.Kill("pid <> " + std::to_string(leader)) >= 1);
  CHECK(Acquire(*b) == nullptr);  // reconnects, still not the leader
  lease_a.reset();
  CHECK(Acquire(*b) != nullptr);
}

TEST_CASE("coordination: postgres: leases on different databases are independent",
          "[store][coordination][postgres]") {
  Postgres db1, db2;
  FakeClock clock(kStart);
  auto a = OpenStore(db1.url(), &clock);
  auto b = OpenStore(db2.url(), &clock);
  auto lease_a = Acquire(*a);
  auto lease_b = Acquire(*b);
  CHECK(lease_a != nullptr);
  CHECK(lease_b != nullptr);
}

// ---- remote events ------------------------------------------------------------

TEST_CASE("coordination: postgres: another store's writes reach remote-event listeners",
          "[store][coordination][postgres]") {
  Postgres db;
  FakeClock clock(kStart);
  Recorder seen;
  std::vector<std::string> stored;  // what a read inside the listener saw
  std::mutex stored_mu;
  auto a = OpenStore(db.url(), &clock);
  seen.Attach(*a);
  a->Subscribe([&](const Event& e) {
    // Notifications are sent on commit: a read here already sees the write.
    std::string phase;
    if (e.kind == api::kKindProject) {
      auto p = a->GetProject(e.name);
      phase = p.ok() ? p->status.phase : CodeName(p.status().code());
    } else {
      auto n = a->GetNode(e.name);
      phase = n.ok() ? n->status.state : CodeName(n.status().code());
    }
    std::lock_guard<std::mutex> lock(stored_mu);
    stored.push_back(phase);
  });
  REQUIRE(a->EnableRemoteEvents().ok());
  auto b = OpenStore(db.url(), &clock);
  auto stored_count = [&] {
    std::lock_guard<std::mutex> lock(stored_mu);
    return stored.size();
  };

  // One write at a time, each awaited, so the read inside the listener has
  // exactly that write to see.
  std::vector<std::function<Status()>> writes = {
      [&] { return b->CreateNode(MakeNode("n1")).status(); },
      [&] {
        return b
            ->UpdateNode("n1",
                         [](api::Node& n) {
                           n.status.state = api::kNodeDraining;
                           return Status::Ok();
                         })
            .status();
      },
      [&] { return b->CreateProject(MakeProject("p1")).status(); },
      [&] {
        return b
            ->UpdateProject("p1",
                            [](api::Project& p) {
                              p.status.phase = api::kPhaseScheduled;
                              return Status::Ok();
                            })
            .status();
      },
      [&] { return b->DeleteProject("p1"); },
  };
  for (size_t i = 0; i < writes.size(); ++i) {
    INFO("write #" << i);
    Status st = writes[i]();
    INFO(st.ToString());
    REQUIRE(st.ok());
    REQUIRE(Eventually([&] { return stored_count() > i; }));
  }

  CHECK(seen.events() == std::vector<std::string>{
                             "created Node/n1 ''->'Ready'",
                             "updated Node/n1 'Ready'->'Draining'",
                             "created Project/p1 ''->'Pending'",
                             "updated Project/p1 'Pending'->'Scheduled'",
                             "deleted Project/p1 'Scheduled'->''",
                         });
  std::lock_guard<std::mutex> lock(stored_mu);
  CHECK(stored ==
        std::vector<std::string>{"Ready", "Draining", "Pending", "Scheduled", "NotFound"});
}

TEST_CASE("coordination: postgres: own writes arrive once, rolled-back writes never",
          "[store][coordination][postgres]") {
  Postgres db;
  FakeClock clock(kStart);
  Recorder seen_a, seen_b;
  auto a = OpenStore(db.url(), &clock);
  auto b = OpenStore(db.url(), &clock);
  seen_a.Attach(*a);
  seen_b.Attach(*b);
  REQUIRE(a->EnableRemoteEvents().ok());
  REQUIRE(b->EnableRemoteEvents().ok());

  REQUIRE(a->CreateNode(MakeNode("own")).ok());
  CHECK(seen_a.Count("own") == 1);  // the local event, before UpdateNode returned
  auto fail = [](api::Node& n) {
    n.status.state = api::kNodeDraining;
    return Status::Invalid("changed my mind");
  };
  CHECK(a->UpdateNode("own", fail).status().code() == Code::kInvalid);
  CHECK(b->UpdateNode("own", fail).status().code() == Code::kInvalid);
  CHECK(b->CreateNode(MakeNode("own")).status().code() == Code::kAlreadyExists);

  CHECK(seen_b.WaitFor("own"));

  // Barriers: notifications arrive in commit order, so once b's later write
  // reached a, any echo of a's own write (and anything the failed writes
  // might have sent) has reached a too; likewise the other way round.
  REQUIRE(b->CreateNode(MakeNode("marker")).ok());
  CHECK(seen_a.WaitFor("marker"));
  REQUIRE(a->CreateNode(MakeNode("marker2")).ok());
  CHECK(seen_b.WaitFor("marker2"));

  const std::vector<std::string> expected = {"created Node/own ''->'Ready'",
                                             "created Node/marker ''->'Ready'",
                                             "created Node/marker2 ''->'Ready'"};
  CHECK(seen_a.events() == expected);
  CHECK(seen_b.events() == expected);
}

TEST_CASE("coordination: postgres: the listener reconnects after its session is killed",
          "[store][coordination][postgres]") {
  Postgres db;
  FakeClock clock(kStart);
  Recorder seen;
  auto a = OpenStore(db.url(), &clock);
  seen.Attach(*a);
  REQUIRE(a->EnableRemoteEvents().ok());
  auto b = OpenStore(db.url(), &clock);
  Admin admin(db.url());

  std::vector<int> before = admin.ListenerPids();
  REQUIRE(before.size() == 1);
  REQUIRE(admin.Kill("pid = " + std::to_string(before[0])) == 1);
  CHECK(Eventually([&] {
    std::vector<int> now = admin.ListenerPids();
    return now.size() == 1 && now[0] != before[0];
  }));

  // Writes made while it was away are lost (NOTIFY is not queued for absent
  // listeners), so keep writing until one arrives.
  REQUIRE(b->CreateNode(MakeNode("probe")).ok());
  int i = 0;
  CHECK(Eventually([&] {
    if (seen.Count("probe") >= 1) return true;
    (void)b->UpdateNode("probe", [&](api::Node& n) {
      n.metadata.labels["i"] = std::to_string(++i);
      return Status::Ok();
    });
    return false;
  }));

  // Stopping is prompt even though the listener waits for notifications.
  auto started = std::chrono::steady_clock::now();
  a.reset();
  CHECK(std::chrono::steady_clock::now() - started < 2s);
  CHECK(Eventually([&] { return admin.ListenerPids().empty(); }));
}

TEST_CASE("coordination: sqlite: remote events are accepted and own events arrive once",
          "[store][coordination][sqlite]") {
  Sqlite db;
  FakeClock clock(kStart);
  Recorder seen_a, seen_b;
  auto a = OpenStore(db.url(), &clock);
  auto b = OpenStore(db.url(), &clock);
  seen_a.Attach(*a);
  seen_b.Attach(*b);
  // SQLite has no cross-process notifications: accepted, nothing arrives.
  REQUIRE(a->EnableRemoteEvents().ok());
  REQUIRE(b->EnableRemoteEvents().ok());
  REQUIRE(a->CreateNode(MakeNode("own")).ok());
  CHECK(a->UpdateNode("own", [](api::Node&) { return Status::Invalid("no"); }).status().code() ==
        Code::kInvalid);
  CHECK(seen_a.events() == std::vector<std::string>{"created Node/own ''->'Ready'"});
  CHECK(seen_b.events().empty());
}

}  // namespace
}  // namespace cara::store
