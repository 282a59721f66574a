// The store conformance suite: one set of behaviours, each TEMPLATE_TEST_CASE
// instantiated once per backend ("... - Sqlite" and "... - Postgres"). Both
// run against real databases: SQLite in a temp dir, PostgreSQL on the shared
// throwaway server (support/postgres_server.h).
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <future>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <pqxx/pqxx>

#include "api/codec.h"
#include "api/types.h"
#include "common/clock.h"
#include "common/status.h"
#include "common/time_format.h"
#include "store/backend.h"
#include "store/postgres_url.h"
#include "store/store.h"
#include "store_env.h"
#include "support/fake_clock.h"
#include "support/postgres_server.h"
#include "support/temp_dir.h"

namespace Catch {
template <>
struct StringMaker<cara::Code> {
  static std::string convert(cara::Code code) { return cara::CodeName(code); }
};
}  // namespace Catch

namespace cara::store {
namespace {

using namespace std::chrono_literals;
using cara::testing::PostgresServer;
using cara::testing::TempDir;
using Catch::Matchers::Contains;

// ---- the two databases --------------------------------------------------------

// Each instance is a brand-new, empty database; url() opens it again and again.
struct Sqlite {
  static constexpr const char* kName = "sqlite";
  TempDir dir;
  // A nested, not yet existing directory: opening must create it.
  std::string url() const { return "sqlite:" + dir.path() + "/nested/data/cara.db"; }
};

struct Postgres {
  static constexpr const char* kName = "postgres";
  std::string db_url = PostgresServer::Shared().FreshDatabaseUrl();
  std::string url() const { return db_url; }
};

// 2024-05-01T12:00:00.123456789Z: a fraction, so precision loss shows.
const Timestamp kStart = Timestamp(std::chrono::seconds(1714564800)) + 123456789ns;

std::unique_ptr<Backend> OpenOrFail(const std::string& url) {
  auto backend = OpenBackend(url, "");
  INFO("OpenBackend(" << url << "): " << backend.status().ToString());
  REQUIRE(backend.ok());
  return std::move(*backend);
}

// A database of kind Db with a Store over it and a fake clock.
template <typename Db>
struct Env {
  Db db;
  FakeClock clock{kStart};
  std::unique_ptr<Store> store = OpenStore();

  std::unique_ptr<Store> OpenStore() {
    return std::make_unique<Store>(OpenOrFail(db.url()), &clock);
  }
  Store& s() { return *store; }
};

// ---- objects ------------------------------------------------------------------

api::Node MakeNode(const std::string& name) { return EnvNode(name, api::kNodeReady); }

api::Project MakeProject(const std::string& name, const std::string& phase = api::kPhasePending,
                         const std::string& node_ref = "") {
  return EnvProject(name, phase, node_ref);
}

template <typename T>
std::vector<std::string> Names(const std::vector<T>& objects) {
  std::vector<std::string> names;
  for (const T& o : objects) names.push_back(o.metadata.name);
  return names;
}

template <typename T>
int64_t Rv(const T& object) {
  return std::stoll(object.metadata.resource_version);
}

std::vector<std::string> ProjectNames(Store& s, const ProjectFilter& filter) {
  auto projects = s.ListProjects(filter);
  INFO(projects.status().ToString());
  REQUIRE(projects.ok());
  return Names(*projects);
}

Status SetLabel(api::Node& n, const std::string& k, const std::string& v) {
  n.metadata.labels[k] = v;
  return Status::Ok();
}

using Strings = std::vector<std::string>;

// ---- basic reads and writes ---------------------------------------------------

TEMPLATE_TEST_CASE("store: create, get and list in creation order", "[store]", Sqlite, Postgres) {
  Env<TestType> env;
  Store& s = env.s();
  CHECK(s.BackendName() == TestType::kName);
  CHECK(s.Ping().ok());

  for (const char* name : {"charlie", "alpha", "bravo"}) {
    auto created = s.CreateNode(MakeNode(name));
    INFO(created.status().ToString());
    REQUIRE(created.ok());
  }
  auto nodes = s.ListNodes();
  REQUIRE(nodes.ok());
  CHECK(Names(*nodes) == Strings{"charlie", "alpha", "bravo"});

  // Get returns exactly what Create returned, and the raw body is its encoding.
  api::Project project = MakeProject("web");
  project.metadata.labels["note"] = "h\xC3\xA9llo \xE2\x9C\x93 \"quoted\" back\\slash <&>";
  auto created = s.CreateProject(project);
  REQUIRE(created.ok());
  CHECK(created->metadata.name == "web");
  CHECK(created->spec == project.spec);
  auto got = s.GetProject("web");
  REQUIRE(got.ok());
  CHECK(*got == *created);
  auto raw = s.GetRaw(api::kKindProject, "web");
  REQUIRE(raw.ok());
  CHECK(*raw == api::EncodeProject(*created));

  auto raw_nodes = s.ListRaw(api::kKindNode, {});
  REQUIRE(raw_nodes.ok());
  REQUIRE(raw_nodes->size() == 3);
  for (size_t i = 0; i < 3; ++i) CHECK((*raw_nodes)[i] == api::EncodeNode((*nodes)[i]));

  // Kinds are separate name spaces.
  CHECK(s.CreateProject(MakeProject("alpha")).ok());
  CHECK(ProjectNames(s, {}) == Strings{"web", "alpha"});

  // A deleted and re-created object moves to the end.
  REQUIRE(s.DeleteNode("alpha").ok());
  REQUIRE(s.CreateNode(MakeNode("alpha")).ok());
  nodes = s.ListNodes();
  REQUIRE(nodes.ok());
  CHECK(Names(*nodes) == Strings{"charlie", "bravo", "alpha"});
}

TEMPLATE_TEST_CASE("store: ListRawPage pages in list order, with filters", "[store][paging]",
                   Sqlite, Postgres) {
  Env<TestType> env;
  Store& s = env.s();
  for (const char* name : {"e", "d", "c", "b", "a"}) {
    REQUIRE(s.CreateProject(
                 MakeProject(name, name[0] % 2 ? api::kPhaseRunning : api::kPhasePending, "n1"))
                .ok());
  }
  auto names = [](const std::vector<std::string>& bodies) {
    Strings out;
    for (const auto& body : bodies)
      out.push_back(api::DecodeProject(*api::ParseJson(body))->metadata.name);
    return out;
  };
  // Pages of 2: e d | c b | a, each starting after the last key of the one before.
  std::vector<Strings> pages;
  std::optional<ListKey> after;
  do {
    auto page = s.ListRawPage(api::kKindProject, {}, after, 2);
    REQUIRE(page.ok());
    pages.push_back(names(page->items));
    after = page->next;
  } while (after);
  CHECK(pages == std::vector<Strings>{{"e", "d"}, {"c", "b"}, {"a"}});
  // An exact fit has no next page; no limit returns the rest.
  auto all = s.ListRawPage(api::kKindProject, {}, std::nullopt, 5);
  REQUIRE(all.ok());
  CHECK_FALSE(all->next);
  auto first = s.ListRawPage(api::kKindProject, {}, std::nullopt, 1);
  REQUIRE(first.ok());
  REQUIRE(first->next);
  CHECK(first->next->name == "e");
  auto rest = s.ListRawPage(api::kKindProject, {}, first->next, 0);
  REQUIRE(rest.ok());
  CHECK(names(rest->items) == Strings{"d", "c", "b", "a"});
  // Filters apply before the limit (e, c, a are Running: 'e' is odd).
  ProjectFilter running{{api::kPhaseRunning}, "n1"};
  auto page = s.ListRawPage(api::kKindProject, running, std::nullopt, 2);
  REQUIRE(page.ok());
  CHECK(names(page->items) == Strings{"e", "c"});
  REQUIRE(page->next);
  auto last = s.ListRawPage(api::kKindProject, running, page->next, 2);
  REQUIRE(last.ok());
  CHECK(names(last->items) == Strings{"a"});
  CHECK_FALSE(last->next);
  // Deleting the object a key names does not lose the page after it.
  REQUIRE(s.DeleteProject("e").ok());
  auto after_deleted = s.ListRawPage(api::kKindProject, {}, first->next, 2);
  REQUIRE(after_deleted.ok());
  CHECK(names(after_deleted->items) == Strings{"d", "c"});
}

TEMPLATE_TEST_CASE("store: errors carry the sentinel texts", "[store]", Sqlite, Postgres) {
  Env<TestType> env;
  Store& s = env.s();
  auto first = s.CreateNode(MakeNode("n1"));
  REQUIRE(first.ok());
  REQUIRE(s.CreateProject(MakeProject("p1")).ok());

  api::Node again = MakeNode("n1");
  again.spec.hostname = "other";
  auto dup = s.CreateNode(again);
  CHECK(dup.status().code() == Code::kAlreadyExists);
  CHECK(dup.status().message() == "resource already exists");
  auto dup_project = s.CreateProject(MakeProject("p1"));
  CHECK(dup_project.status().code() == Code::kAlreadyExists);
  CHECK(dup_project.status().message() == "resource already exists");
  auto kept = s.GetNode("n1");
  REQUIRE(kept.ok());
  CHECK(*kept == *first);  // the failed create changed nothing

  auto missing = [](const Status& st) {
    CHECK(st.code() == Code::kNotFound);
    CHECK(st.message() == "resource not found");
  };
  missing(s.GetNode("nope").status());
  missing(s.GetProject("nope").status());
  missing(s.GetRaw(api::kKindNode, "nope").status());
  missing(s.UpdateNode("nope", [](api::Node&) { return Status::Ok(); }).status());
  missing(s.UpdateProject("nope", [](api::Project&) { return Status::Ok(); }).status());
  missing(s.MutateProject("nope", [](api::Project&, bool&) { return Status::Ok(); }).status());
  missing(s.DeleteNode("nope"));
  missing(s.DeleteNode("nope", [](const std::vector<api::Project>&) { return Status::Ok(); }));
  missing(s.DeleteProject("nope"));

  REQUIRE(s.DeleteProject("p1").ok());
  missing(s.DeleteProject("p1"));
  missing(s.UpdateProject("p1", [](api::Project&) { return Status::Ok(); }).status());
}

// ---- versions and timestamps --------------------------------------------------

TEMPLATE_TEST_CASE("store: resourceVersion changes on every write and increases", "[store]", Sqlite,
                   Postgres) {
  Env<TestType> env;
  Store& s = env.s();
  auto node = s.CreateNode(MakeNode("n1"));
  REQUIRE(node.ok());
  auto project = s.CreateProject(MakeProject("p1"));
  REQUIRE(project.ok());
  CHECK(Rv(*node) > 0);
  CHECK(Rv(*project) > Rv(*node));  // one revision sequence across kinds

  int64_t last = Rv(*project);
  auto status_only = s.UpdateNode("n1", [](api::Node& n) {
    n.status.state = api::kNodeNotReady;
    return Status::Ok();
  });
  REQUIRE(status_only.ok());
  CHECK(Rv(*status_only) > last);
  last = Rv(*status_only);

  auto labelled = s.UpdateNode("n1", [](api::Node& n) { return SetLabel(n, "a", "1"); });
  REQUIRE(labelled.ok());
  CHECK(Rv(*labelled) > last);
  last = Rv(*labelled);

  auto moved = s.UpdateProject("p1", [](api::Project& p) {
    p.status.phase = api::kPhaseScheduled;
    p.status.node_ref = "n1";
    return Status::Ok();
  });
  REQUIRE(moved.ok());
  CHECK(Rv(*moved) > last);

  // What a write returns is what is stored, resourceVersion included.
  auto got_node = s.GetNode("n1");
  REQUIRE(got_node.ok());
  CHECK(*got_node == *labelled);
  auto got_project = s.GetProject("p1");
  REQUIRE(got_project.ok());
  CHECK(*got_project == *moved);
}

TEMPLATE_TEST_CASE("store: generation starts at 1 and bumps only when the spec changes", "[store]",
                   Sqlite, Postgres) {
  Env<TestType> env;
  Store& s = env.s();
  auto node = s.CreateNode(MakeNode("n1"));
  REQUIRE(node.ok());
  CHECK(node->metadata.generation == 1);

  auto status_change = s.UpdateNode("n1", [](api::Node& n) {
    n.status.state = api::kNodeNotReady;
    return SetLabel(n, "zone", "a");
  });
  REQUIRE(status_change.ok());
  CHECK(status_change->metadata.generation == 1);

  auto spec_change = s.UpdateNode("n1", [](api::Node& n) {
    n.spec.unschedulable = true;
    return Status::Ok();
  });
  REQUIRE(spec_change.ok());
  CHECK(spec_change->metadata.generation == 2);
  auto spec_change2 = s.UpdateNode("n1", [](api::Node& n) {
    n.spec.hostname = "renamed";
    return Status::Ok();
  });
  REQUIRE(spec_change2.ok());
  CHECK(spec_change2->metadata.generation == 3);

  REQUIRE(s.CreateProject(MakeProject("p1")).ok());
  auto image = s.UpdateProject("p1", [](api::Project& p) {
    p.spec.services[0].image = "nginx:1.27";
    p.status.phase = api::kPhaseScheduled;
    return Status::Ok();
  });
  REQUIRE(image.ok());
  CHECK(image->metadata.generation == 2);
  auto observed = s.UpdateProject("p1", [](api::Project& p) {
    p.status.observed_generation = 2;
    p.status.phase = api::kPhaseRunning;
    return Status::Ok();
  });
  REQUIRE(observed.ok());
  CHECK(observed->metadata.generation == 2);
  auto got = s.GetProject("p1");
  REQUIRE(got.ok());
  CHECK(got->metadata.generation == 2);
  CHECK(got->status.observed_generation == 2);
}

TEMPLATE_TEST_CASE("store: an unchanged mutation writes nothing", "[store]", Sqlite, Postgres) {
  Env<TestType> env;
  Store& s = env.s();
  int events = 0;
  s.Subscribe([&](const Event&) { ++events; });
  auto node = s.CreateNode(MakeNode("n1"));
  REQUIRE(node.ok());
  REQUIRE(s.UpdateNode("n1", [](api::Node& n) { return SetLabel(n, "a", "1"); }).ok());
  auto before = s.GetNode("n1");
  REQUIRE(before.ok());
  REQUIRE(events == 2);
  env.clock.Advance(1h);

  auto same = s.UpdateNode("n1", [](api::Node& n) { return SetLabel(n, "a", "1"); });
  REQUIRE(same.ok());
  CHECK(*same == *before);
  // Server-managed metadata is not the mutator's: changing only that is a no-op.
  auto managed = s.UpdateNode("n1", [](api::Node& n) {
    n.metadata.resource_version = "999999";
    n.metadata.generation = 42;
    n.metadata.created_at = Timestamp{};
    n.metadata.updated_at = Timestamp{};
    return Status::Ok();
  });
  REQUIRE(managed.ok());
  CHECK(*managed == *before);
  auto after = s.GetNode("n1");
  REQUIRE(after.ok());
  CHECK(*after == *before);
  CHECK(events == 2);

  REQUIRE(s.CreateProject(MakeProject("p1")).ok());
  auto project = s.GetProject("p1");
  REQUIRE(project.ok());
  auto untouched = s.UpdateProject("p1", [](api::Project&) { return Status::Ok(); });
  REQUIRE(untouched.ok());
  CHECK(*untouched == *project);
  CHECK(events == 3);
}

TEMPLATE_TEST_CASE("store: createdAt is kept and updatedAt moves", "[store]", Sqlite, Postgres) {
  Env<TestType> env;
  Store& s = env.s();
  auto node = s.CreateNode(MakeNode("n1"));
  REQUIRE(node.ok());
  CHECK(node->metadata.created_at == kStart);
  CHECK(node->metadata.updated_at == kStart);

  env.clock.Advance(90s + 1ns);
  auto updated = s.UpdateNode("n1", [](api::Node& n) {
    n.metadata.created_at = kStart + 1h;  // ignored: server-managed
    return SetLabel(n, "a", "1");
  });
  REQUIRE(updated.ok());
  CHECK(updated->metadata.created_at == kStart);
  CHECK(updated->metadata.updated_at == kStart + 90s + 1ns);
  auto got = s.GetNode("n1");
  REQUIRE(got.ok());
  INFO("createdAt " << FormatRfc3339(got->metadata.created_at.value_or(Timestamp{})));
  CHECK(got->metadata.created_at == kStart);
  CHECK(got->metadata.updated_at == kStart + 90s + 1ns);

  env.clock.Advance(1s);
  auto project = s.CreateProject(MakeProject("p1"));
  REQUIRE(project.ok());
  CHECK(project->metadata.created_at == kStart + 91s + 1ns);
  env.clock.Advance(1s);
  REQUIRE(s.UpdateProject("p1", [](api::Project& p) {
             p.status.phase = api::kPhaseScheduled;
             return Status::Ok();
           }).ok());
  auto got_project = s.GetProject("p1");
  REQUIRE(got_project.ok());
  CHECK(got_project->metadata.created_at == kStart + 91s + 1ns);
  CHECK(got_project->metadata.updated_at == kStart + 92s + 1ns);
}

// ---- filters, guards, removal -------------------------------------------------

TEMPLATE_TEST_CASE("store: project filters by phase and nodeRef", "[store]", Sqlite, Postgres) {
  Env<TestType> env;
  Store& s = env.s();
  REQUIRE(s.CreateProject(MakeProject("p0", "")).ok());
  REQUIRE(s.CreateProject(MakeProject("p1", api::kPhasePending)).ok());
  REQUIRE(s.CreateProject(MakeProject("p2", api::kPhaseRunning, "n1")).ok());
  REQUIRE(s.CreateProject(MakeProject("p3", api::kPhaseRunning, "n2")).ok());
  REQUIRE(s.CreateProject(MakeProject("p4", api::kPhaseFailed, "n1")).ok());
  REQUIRE(s.CreateProject(MakeProject("p5", api::kPhaseScheduled, "n1")).ok());

  CHECK(ProjectNames(s, {}) == Strings{"p0", "p1", "p2", "p3", "p4", "p5"});
  CHECK(ProjectNames(s, {{api::kPhaseRunning}, ""}) == Strings{"p2", "p3"});
  CHECK(ProjectNames(s, {{api::kPhaseFailed, api::kPhaseRunning}, ""}) ==
        Strings{"p2", "p3", "p4"});
  CHECK(ProjectNames(s, {{""}, ""}) == Strings{"p0"});
  CHECK(ProjectNames(s, {{"", api::kPhasePending}, ""}) == Strings{"p0", "p1"});
  CHECK(ProjectNames(s, {{"Bogus"}, ""}).empty());
  CHECK(ProjectNames(s, {{}, "n1"}) == Strings{"p2", "p4", "p5"});
  CHECK(ProjectNames(s, {{}, "n3"}).empty());
  CHECK(ProjectNames(s, {{api::kPhaseRunning, api::kPhaseFailed}, "n1"}) == Strings{"p2", "p4"});
  CHECK(ProjectNames(s, {{api::kPhaseRunning}, "n2"}) == Strings{"p3"});

  // The raw listing applies the same filter.
  auto raw = s.ListRaw(api::kKindProject, {{api::kPhaseRunning}, "n1"});
  REQUIRE(raw.ok());
  REQUIRE(raw->size() == 1);
  auto p2 = s.GetProject("p2");
  REQUIRE(p2.ok());
  CHECK(raw->front() == api::EncodeProject(*p2));

  // The filter columns follow updates.
  REQUIRE(s.UpdateProject("p1", [](api::Project& p) {
             p.status.phase = api::kPhaseRunning;
             p.status.node_ref = "n2";
             return Status::Ok();
           }).ok());
  CHECK(ProjectNames(s, {{api::kPhaseRunning}, "n2"}) == Strings{"p1", "p3"});
  CHECK(ProjectNames(s, {{api::kPhasePending}, ""}).empty());
}

TEMPLATE_TEST_CASE("store: DeleteNode's guard sees the node's projects and can veto", "[store]",
                   Sqlite, Postgres) {
  Env<TestType> env;
  Store& s = env.s();
  REQUIRE(s.CreateNode(MakeNode("n1")).ok());
  REQUIRE(s.CreateNode(MakeNode("n2")).ok());
  REQUIRE(s.CreateProject(MakeProject("a", api::kPhaseRunning, "n1")).ok());
  REQUIRE(s.CreateProject(MakeProject("b", api::kPhaseRunning, "n2")).ok());
  REQUIRE(s.CreateProject(MakeProject("c", api::kPhaseFailed, "n1")).ok());
  REQUIRE(s.CreateProject(MakeProject("d", api::kPhasePending, "")).ok());

  Strings seen;
  Status veto = s.DeleteNode("n1", [&](const std::vector<api::Project>& on_node) {
    seen = Names(on_node);
    return Status::Conflict("cannot delete node \"n1\": 2 project(s) still assigned");
  });
  CHECK(seen == Strings{"a", "c"});
  CHECK(veto.code() == Code::kConflict);
  CHECK(veto.message() == "cannot delete node \"n1\": 2 project(s) still assigned");
  CHECK(s.GetNode("n1").ok());

  // Once the projects are gone the guard sees none and lets the delete through.
  REQUIRE(s.DeleteProject("a").ok());
  REQUIRE(s.DeleteProject("c").ok());
  seen = {"sentinel"};
  Status ok = s.DeleteNode("n1", [&](const std::vector<api::Project>& on_node) {
    seen = Names(on_node);
    return on_node.empty() ? Status::Ok() : Status::Conflict("still assigned");
  });
  CHECK(ok.ok());
  CHECK(seen.empty());
  CHECK(s.GetNode("n1").status().code() == Code::kNotFound);
  CHECK(s.GetNode("n2").ok());
}

TEMPLATE_TEST_CASE("store: MutateProject can remove the record or abort", "[store]", Sqlite,
                   Postgres) {
  Env<TestType> env;
  Store& s = env.s();
  REQUIRE(s.CreateProject(MakeProject("keep", api::kPhaseRunning, "n1")).ok());
  REQUIRE(s.CreateProject(MakeProject("gone", api::kPhaseTerminating, "n1")).ok());

  auto kept = s.MutateProject("keep", [](api::Project& p, bool&) {
    p.status.phase = api::kPhaseFailed;
    return Status::Ok();
  });
  REQUIRE(kept.ok());
  REQUIRE(kept->has_value());
  CHECK((*kept)->status.phase == api::kPhaseFailed);

  auto removed = s.MutateProject("gone", [](api::Project& p, bool& remove) {
    remove = p.status.phase == api::kPhaseTerminating;
    return Status::Ok();
  });
  REQUIRE(removed.ok());
  CHECK(!removed->has_value());
  CHECK(s.GetProject("gone").status().code() == Code::kNotFound);
  CHECK(ProjectNames(s, {}) == Strings{"keep"});

  // An error aborts the whole mutation, removal included.
  auto before = s.GetProject("keep");
  REQUIRE(before.ok());
  auto aborted = s.MutateProject("keep", [](api::Project& p, bool& remove) {
    p.status.phase = api::kPhaseRunning;
    remove = true;
    return Status::Conflict("project is busy");
  });
  CHECK(aborted.status().code() == Code::kConflict);
  CHECK(aborted.status().message() == "project is busy");
  auto after = s.GetProject("keep");
  REQUIRE(after.ok());
  CHECK(*after == *before);

  auto node_abort = s.UpdateNode("nope", [](api::Node&) { return Status::Invalid("x"); });
  CHECK(node_abort.status().code() == Code::kNotFound);  // checked before the mutator runs
}

// ---- events -------------------------------------------------------------------

TEMPLATE_TEST_CASE("store: events are published after commit with old and new phase", "[store]",
                   Sqlite, Postgres) {
  Env<TestType> env;
  Store& s = env.s();
  struct Seen {
    Event event;
    std::string stored;  // what a read from inside the listener returned
  };
  std::vector<Seen> seen;
  s.Subscribe([&](const Event& e) {
    // Listeners run after commit: a read here already sees the write.
    std::string stored;
    if (e.kind == api::kKindProject) {
      auto p = s.GetProject(e.name);
      stored = p.ok() ? p->status.phase : CodeName(p.status().code());
    } else {
      auto n = s.GetNode(e.name);
      stored = n.ok() ? n->status.state : CodeName(n.status().code());
    }
    seen.push_back({e, stored});
  });
  auto check = [&](size_t i, EventType type, const std::string& kind, const std::string& name,
                   const std::string& old_phase, const std::string& new_phase,
                   const std::string& stored) {
    INFO("event #" << i);
    REQUIRE(seen.size() > i);
    const Event& e = seen[i].event;
    CHECK(e.type == type);
    CHECK(e.kind == kind);
    CHECK(e.name == name);
    if (old_phase != "*") CHECK(e.old_phase == old_phase);
    CHECK(e.new_phase == new_phase);
    CHECK(seen[i].stored == stored);
  };
  auto phase = [&](const std::string& to) {
    return s.UpdateProject("p1", [&](api::Project& p) {
      p.status.phase = to;
      return Status::Ok();
    });
  };

  REQUIRE(s.CreateProject(MakeProject("p1", api::kPhasePending)).ok());
  REQUIRE(phase(api::kPhaseScheduled).ok());
  REQUIRE(phase(api::kPhaseScheduled).ok());  // unchanged: no event
  REQUIRE(s.UpdateProject("p1", [](api::Project& p) {
             p.metadata.labels["x"] = "y";
             return Status::Ok();
           }).ok());
  CHECK(s.CreateProject(MakeProject("p1")).status().code() == Code::kAlreadyExists);
  CHECK(s.UpdateProject("p1",
                        [](api::Project& p) {
                          p.status.phase = api::kPhaseRunning;
                          return Status::Invalid("no");
                        })
            .status()
            .code() == Code::kInvalid);
  REQUIRE(s.DeleteProject("p1").ok());
  REQUIRE(s.CreateNode(MakeNode("n1")).ok());
  REQUIRE(s.UpdateNode("n1", [](api::Node& n) {
             n.status.state = api::kNodeDraining;
             return Status::Ok();
           }).ok());
  REQUIRE(s.DeleteNode("n1", [](const std::vector<api::Project>&) { return Status::Ok(); }).ok());
  CHECK(s.DeleteNode("n1").code() == Code::kNotFound);

  const std::string P = api::kKindProject, N = api::kKindNode;
  CHECK(seen.size() == 7);
  check(0, EventType::kCreated, P, "p1", "", "Pending", "Pending");
  check(1, EventType::kUpdated, P, "p1", "Pending", "Scheduled", "Scheduled");
  check(2, EventType::kUpdated, P, "p1", "Scheduled", "Scheduled", "Scheduled");
  check(3, EventType::kDeleted, P, "p1", "Scheduled", "", "NotFound");
  check(4, EventType::kCreated, N, "n1", "", "Ready", "Ready");
  check(5, EventType::kUpdated, N, "n1", "Ready", "Draining", "Draining");
  // "*": store.cc does not read a node before deleting it, so old_phase is
  // not asserted here.
  check(6, EventType::kDeleted, N, "n1", "*", "", "NotFound");
}

// ---- durability and migrations ------------------------------------------------

TEMPLATE_TEST_CASE("store: migrations are idempotent and data survives reopening", "[store]",
                   Sqlite, Postgres) {
  TestType db;
  FakeClock clock(kStart);
  std::unique_ptr<Backend> first = OpenOrFail(db.url());
  CHECK(first->Migrate().ok());  // again on the same handle
  CHECK(first->Migrate().ok());
  auto s1 = std::make_unique<Store>(std::move(first), &clock);
  REQUIRE(s1->CreateNode(MakeNode("keep")).ok());
  auto written = s1->UpdateNode("keep", [](api::Node& n) { return SetLabel(n, "a", "1"); });
  REQUIRE(written.ok());

  {  // a second opener while the first is still open
    Store s2(OpenOrFail(db.url()), &clock);
    auto got = s2.GetNode("keep");
    REQUIRE(got.ok());
    CHECK(*got == *written);
  }
  s1.reset();
  s1 = std::make_unique<Store>(OpenOrFail(db.url()), &clock);  // reopen after a close

  auto got = s1->GetNode("keep");
  REQUIRE(got.ok());
  CHECK(*got == *written);
  // The revision counter survives too: no resourceVersion is ever reused.
  auto later = s1->CreateNode(MakeNode("later"));
  REQUIRE(later.ok());
  CHECK(Rv(*later) > Rv(*written));
  auto nodes = s1->ListNodes();
  REQUIRE(nodes.ok());
  CHECK(Names(*nodes) == Strings{"keep", "later"});
}

TEMPLATE_TEST_CASE("store: an acknowledged write survives the writer dying", "[store]", Sqlite,
                   Postgres) {
  TestType db;
  pid_t pid = ::fork();
  if (pid == 0) {
    // The child writes and dies without closing anything, like a crash right
    // after the API acknowledged the write. No Catch macros in here.
    FakeClock clock(kStart);
    auto backend = OpenBackend(db.url(), "");
    if (!backend.ok()) ::_exit(2);
    Store s(std::move(*backend), &clock);
    bool ok = s.CreateNode(MakeNode("acked")).ok() &&
              s.UpdateNode("acked", [](api::Node& n) { return SetLabel(n, "a", "1"); }).ok();
    ::_exit(ok ? 0 : 3);
  }
  REQUIRE(pid > 0);
  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  REQUIRE(WIFEXITED(status));
  REQUIRE(WEXITSTATUS(status) == 0);

  FakeClock clock(kStart);
  Store s(OpenOrFail(db.url()), &clock);
  auto got = s.GetNode("acked");
  INFO(got.status().ToString());
  REQUIRE(got.ok());
  CHECK(got->metadata.labels == api::StringMap{{"a", "1"}});
}

TEMPLATE_TEST_CASE("store: concurrent openers migrate one new database safely", "[store]", Sqlite,
                   Postgres) {
  TestType db;
  constexpr int kOpeners = 6;
  std::vector<Status> results(kOpeners);
  std::vector<std::unique_ptr<Backend>> backends(kOpeners);
  std::atomic<bool> go{false};
  std::vector<std::thread> threads;
  for (int i = 0; i < kOpeners; ++i) {
    threads.emplace_back([&, i] {
      while (!go) std::this_thread::yield();
      auto b = OpenBackend(db.url(), "");
      results[i] = b.status();
      if (b.ok()) backends[i] = std::move(*b);
    });
  }
  go = true;
  for (auto& t : threads) t.join();
  for (int i = 0; i < kOpeners; ++i) {
    INFO("opener " << i << ": " << results[i].ToString());
    CHECK(results[i].ok());
  }
  REQUIRE(backends[0]);
  FakeClock clock(kStart);
  Store s(std::move(backends[0]), &clock);
  CHECK(s.CreateNode(MakeNode("n1")).ok());
}

// ---- concurrency --------------------------------------------------------------

TEMPLATE_TEST_CASE("store: concurrent read-modify-writes lose no update", "[store][concurrency]",
                   Sqlite, Postgres) {
  Env<TestType> env;
  Store& s = env.s();
  REQUIRE(s.CreateNode(MakeNode("busy")).ok());
  REQUIRE(s.CreateProject(MakeProject("busy")).ok());

  constexpr int kWriters = 50;
  std::vector<Result<api::Node>> node_results(kWriters, Status::Internal("not run"));
  std::vector<Result<api::Project>> project_results(kWriters, Status::Internal("not run"));
  std::atomic<bool> go{false}, done{false};
  std::atomic<int> read_errors{0}, regressions{0}, reads{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kWriters; ++i) {
    const std::string key = "writer-" + std::to_string(i);
    threads.emplace_back([&, i, key] {
      while (!go) std::this_thread::yield();
      node_results[i] = s.UpdateNode("busy", [&](api::Node& n) { return SetLabel(n, key, "x"); });
    });
    threads.emplace_back([&, i, key] {
      while (!go) std::this_thread::yield();
      project_results[i] = s.UpdateProject("busy", [&](api::Project& p) {
        p.metadata.annotations[key] = "x";
        return Status::Ok();
      });
    });
  }
  // Readers meanwhile: every read succeeds and never sees a label vanish.
  std::vector<std::thread> readers;
  for (int r = 0; r < 3; ++r) {
    readers.emplace_back([&] {
      size_t high = 0;
      while (!done) {
        auto n = s.GetNode("busy");
        if (!n.ok()) {
          ++read_errors;
          continue;
        }
        if (n->metadata.labels.size() < high) ++regressions;
        high = std::max(high, n->metadata.labels.size());
        ++reads;
      }
    });
  }
  go = true;
  for (auto& t : threads) t.join();
  done = true;
  for (auto& t : readers) t.join();

  std::set<int64_t> node_rvs, project_rvs;
  int failures = 0;
  for (int i = 0; i < kWriters; ++i) {
    const std::string key = "writer-" + std::to_string(i);
    if (!node_results[i].ok() || !project_results[i].ok()) {
      UNSCOPED_INFO("writer " << i << ": " << node_results[i].status().ToString() << " / "
                              << project_results[i].status().ToString());
      ++failures;
      continue;
    }
    // Each write returns an object holding its own change.
    if (!node_results[i]->metadata.labels.count(key)) ++failures;
    if (!project_results[i]->metadata.annotations.count(key)) ++failures;
    node_rvs.insert(Rv(*node_results[i]));
    project_rvs.insert(Rv(*project_results[i]));
  }
  CHECK(failures == 0);
  CHECK(node_rvs.size() == kWriters);  // 50 distinct writes, not 50 copies of one
  CHECK(project_rvs.size() == kWriters);
  CHECK(read_errors == 0);
  CHECK(regressions == 0);
  CHECK(reads > 0);

  auto node = s.GetNode("busy");
  REQUIRE(node.ok());
  auto project = s.GetProject("busy");
  REQUIRE(project.ok());
  CHECK(node->metadata.labels.size() == kWriters);
  CHECK(project->metadata.annotations.size() == kWriters);
  for (int i = 0; i < kWriters; ++i) {
    const std::string key = "writer-" + std::to_string(i);
    if (!node->metadata.labels.count(key)) FAIL_CHECK("node lost label " << key);
    if (!project->metadata.annotations.count(key)) FAIL_CHECK("project lost annotation " << key);
  }
  CHECK(node->metadata.generation == 1);   // labels are not spec
  CHECK(Rv(*node) == *node_rvs.rbegin());  // the last write is what is stored
}

TEMPLATE_TEST_CASE("store: concurrent creates of one name: exactly one wins",
                   "[store][concurrency]", Sqlite, Postgres) {
  Env<TestType> env;
  Store& s = env.s();
  constexpr int kCreators = 20;
  std::vector<Status> results(kCreators);
  std::atomic<bool> go{false};
  std::vector<std::thread> threads;
  for (int i = 0; i < kCreators; ++i) {
    threads.emplace_back([&, i] {
      while (!go) std::this_thread::yield();
      api::Project p = MakeProject("same");
      p.metadata.labels["creator"] = std::to_string(i);
      results[i] = s.CreateProject(p).status();
    });
  }
  go = true;
  for (auto& t : threads) t.join();
  int won = 0, lost = 0;
  for (const Status& st : results) {
    if (st.ok()) ++won;
    if (st.code() == Code::kAlreadyExists && st.message() == "resource already exists") ++lost;
    if (!st.ok() && st.code() != Code::kAlreadyExists) UNSCOPED_INFO(st.ToString());
  }
  CHECK(won == 1);
  CHECK(lost == kCreators - 1);
  CHECK(ProjectNames(s, {}) == Strings{"same"});
}

TEMPLATE_TEST_CASE("store: reads are not blocked by an open write transaction", "[store]", Sqlite,
                   Postgres) {
  Env<TestType> env;
  Store& s = env.s();
  REQUIRE(s.CreateNode(MakeNode("n1")).ok());

  std::promise<void> entered, release;
  std::shared_future<void> released = release.get_future().share();
  std::atomic<bool> once{false};
  auto writer = std::async(std::launch::async, [&] {
    return s.UpdateNode("n1", [&](api::Node& n) {
      if (!once.exchange(true)) entered.set_value();
      released.wait_for(20s);
      return SetLabel(n, "written", "yes");
    });
  });
  struct Releaser {  // never leave the writer hanging, even when a REQUIRE fails
    std::promise<void>& p;
    bool done = false;
    void operator()() {
      if (!done) p.set_value();
      done = true;
    }
    ~Releaser() { (*this)(); }
  } releaser{release};

  REQUIRE(entered.get_future().wait_for(20s) == std::future_status::ready);
  auto reader = std::async(std::launch::async, [&] {
    auto n = s.GetNode("n1");
    auto all = s.ListNodes();
    return std::make_pair(n, all);
  });
  // If reads queued behind the writer this would time out.
  const bool read_done = reader.wait_for(10s) == std::future_status::ready;
  if (!read_done) releaser();  // unblock the writer, and so the reader, first
  REQUIRE(read_done);
  auto [node, all] = reader.get();
  REQUIRE(node.ok());
  REQUIRE(all.ok());
  CHECK(node->metadata.labels.count("written") == 0);  // uncommitted: invisible
  CHECK(all->size() == 1);

  releaser();
  auto written = writer.get();
  REQUIRE(written.ok());
  auto after = s.GetNode("n1");
  REQUIRE(after.ok());
  CHECK(after->metadata.labels.at("written") == "yes");
}

// ---- the backend seam itself --------------------------------------------------

Row MakeRow(const std::string& name, int64_t create_revision, const std::string& phase = "") {
  Row row;
  row.kind = "Thing";
  row.name = name;
  row.phase = phase;
  row.body = "{\"name\":\"" + name + "\",\"note\":\"\xC3\xA9\xE2\x9C\x93\"}";
  row.revision = create_revision;
  row.create_revision = create_revision;
  return row;
}

TEMPLATE_TEST_CASE("backend: rows, order, errors and transaction outcome", "[store][backend]",
                   Sqlite, Postgres) {
  TestType db;
  std::unique_ptr<Backend> b = OpenOrFail(db.url());
  CHECK(b->Name() == TestType::kName);
  CHECK(b->Ping().ok());

  // List order: create_revision, then name.
  Status st = b->Write([](Txn& txn) {
    CARA_RETURN_IF_ERROR(txn.Insert(MakeRow("b", 2, "we\"ird\\")));
    CARA_RETURN_IF_ERROR(txn.Insert(MakeRow("a", 2, "a,b")));
    CARA_RETURN_IF_ERROR(txn.Insert(MakeRow("c", 1, "{x}")));
    // A transaction reads its own writes.
    auto own = txn.Get("Thing", "a");
    if (!own.ok() || !*own) return Status::Internal("own insert invisible");
    return Status::Ok();
  });
  REQUIRE(st.ok());
  auto names = [&](const RowFilter& f) {
    auto rows = b->List("Thing", f);
    INFO(rows.status().ToString());
    REQUIRE(rows.ok());
    Strings out;
    for (const Row& r : *rows) out.push_back(r.name);
    return out;
  };
  CHECK(names({}) == Strings{"c", "a", "b"});
  CHECK(names({{"we\"ird\\"}, "", {}, 0}) == Strings{"b"});
  CHECK(names({{"a,b"}, "", {}, 0}) == Strings{"a"});
  CHECK(names({{"a"}, "", {}, 0}).empty());
  CHECK(names({{"{x}", "a,b"}, "", {}, 0}) == Strings{"c", "a"});
  auto row = b->Get("Thing", "a");
  REQUIRE(row.ok());
  REQUIRE(row->has_value());
  CHECK((*row)->body == MakeRow("a", 2).body);  // byte for byte
  CHECK((*row)->phase == "a,b");
  CHECK((*row)->create_revision == 2);
  auto none = b->Get("Thing", "zzz");
  REQUIRE(none.ok());
  CHECK(!none->has_value());

  // Sentinel errors straight from the backend.
  st = b->Write([](Txn& txn) { return txn.Insert(MakeRow("a", 9)); });
  CHECK(st.code() == Code::kAlreadyExists);
  CHECK(st.message() == "resource already exists");
  st = b->Write([](Txn& txn) { return txn.Update(MakeRow("zzz", 9)); });
  CHECK(st.code() == Code::kNotFound);
  CHECK(st.message() == "resource not found");
  st = b->Write([](Txn& txn) { return txn.Delete("Thing", "zzz"); });
  CHECK(st.code() == Code::kNotFound);
  CHECK(st.message() == "resource not found");

  // Update keeps create_revision (creation order) and replaces the rest.
  st = b->Write([](Txn& txn) {
    Row r = MakeRow("c", 50, "moved");
    r.body = "{}";
    r.revision = 77;
    return txn.Update(r);
  });
  REQUIRE(st.ok());
  row = b->Get("Thing", "c");
  REQUIRE(row.ok());
  REQUIRE(row->has_value());
  CHECK((*row)->body == "{}");
  CHECK((*row)->revision == 77);
  CHECK((*row)->create_revision == 1);
  CHECK(names({}) == Strings{"c", "a", "b"});

  // Commit iff fn returns OK; an exception is an error, not a crash.
  st = b->Write([](Txn& txn) {
    CARA_RETURN_IF_ERROR(txn.Insert(MakeRow("rolled-back", 3)));
    CARA_RETURN_IF_ERROR(txn.Delete("Thing", "a"));
    return Status::Conflict("changed my mind");
  });
  CHECK(st.code() == Code::kConflict);
  st = b->Write([](Txn& txn) -> Status {
    CARA_RETURN_IF_ERROR(txn.Insert(MakeRow("thrown", 3)));
    throw std::runtime_error("boom");
  });
  CHECK(st.code() == Code::kInternal);
  CHECK_THAT(st.message(), Contains("boom"));
  CHECK(names({}) == Strings{"c", "a", "b"});

  // Revisions increase across transactions; the handle still works.
  int64_t r1 = 0, r2 = 0;
  REQUIRE(b->Write([&](Txn& txn) {
             auto r = txn.NextRevision();
             if (!r.ok()) return r.status();
             r1 = *r;
             r = txn.NextRevision();
             if (!r.ok()) return r.status();
             r2 = *r;
             return Status::Ok();
           }).ok());
  CHECK(r2 > r1);
  int64_t r3 = 0;
  REQUIRE(b->Write([&](Txn& txn) {
             auto r = txn.NextRevision();
             if (r.ok()) r3 = *r;
             return r.status();
           }).ok());
  CHECK(r3 > r2);
  REQUIRE(b->Write([](Txn& txn) { return txn.Delete("Thing", "a"); }).ok());
  CHECK(names({}) == Strings{"c", "b"});
}

// ---- backend-specific failure modes -------------------------------------------

TEST_CASE("sqlite: a path that cannot be created is Unavailable", "[store][sqlite]") {
  TempDir dir;
  const std::string file = dir.path() + "/plain-file";
  {
    std::FILE* f = std::fopen(file.c_str(), "w");
    REQUIRE(f);
    std::fclose(f);
  }
  auto backend = OpenSqliteBackend(file + "/sub/cara.db");
  REQUIRE(!backend.ok());
  CHECK(backend.status().code() == Code::kUnavailable);
  CHECK_THAT(backend.status().message(), Contains("plain-file"));
}

TEST_CASE("postgres: an unreachable server is Unavailable and the password stays secret",
          "[store][postgres]") {
  PostgresOptions options;
  options.connect_timeout_seconds = 2;
  auto backend = OpenPostgresBackend("postgresql://cara:s3cret-pw@127.0.0.1:1/cara", options);
  REQUIRE(!backend.ok());
  CHECK(backend.status().code() == Code::kUnavailable);
  CHECK_THAT(backend.status().message(), Contains("127.0.0.1"));
  CHECK_THAT(backend.status().message(), !Contains("s3cret-pw"));

  auto keyword = OpenPostgresBackend("postgresql://127.0.0.1:1/cara?password=hunter2x", options);
  REQUIRE(!keyword.ok());
  CHECK(keyword.status().code() == Code::kUnavailable);
  CHECK_THAT(keyword.status().message(), !Contains("hunter2x"));

  auto via_open = OpenBackend("postgres://u:pa%40ss@127.0.0.1:1/x", "");
  REQUIRE(!via_open.ok());
  CHECK(via_open.status().code() == Code::kUnavailable);
  CHECK_THAT(via_open.status().message(), !Contains("pa%40ss") && !Contains("pa@ss"));

  CHECK(RedactDatabaseUrl("postgresql://u:p@h:5432/db") == "postgresql://u:***@h:5432/db");
  CHECK(RedactDatabaseUrl("postgresql://u@h/db") == "postgresql://u@h/db");
  CHECK(RedactDatabaseUrl("postgresql://u:a/b@h/db") == "postgresql://u:***@h/db");
  CHECK(RedactDatabaseUrl("postgresql://h:5432/db") == "postgresql://h:5432/db");
  CHECK(RedactDatabaseUrl("postgresql://h/db?sslmode=disable&password=x") ==
        "postgresql://h/db?sslmode=disable&password=***");
}

TEST_CASE("postgres: reads and writes survive the server dropping connections",
          "[store][postgres]") {
  Postgres db;
  FakeClock clock(kStart);
  Store s(OpenOrFail(db.url()), &clock);
  REQUIRE(s.CreateNode(MakeNode("n1")).ok());
  REQUIRE(s.GetNode("n1").ok());  // at least one idle pooled connection now

  // Terminates the store's pooled connections and waits until they are gone.
  auto kill_others = [&] {
    pqxx::connection admin(db.url());
    pqxx::nontransaction tx(admin);
    const std::string others =
        " FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()";
    size_t killed = tx.exec("SELECT pg_terminate_backend(pid)" + others).size();
    for (int i = 0; i < 100 && tx.exec("SELECT pid" + others).size() > 0; ++i) {
      std::this_thread::sleep_for(50ms);
    }
    return killed;
  };
  REQUIRE(kill_others() >= 1);
  auto written = s.UpdateNode("n1", [](api::Node& n) { return SetLabel(n, "after", "kill"); });
  INFO(written.status().ToString());
  REQUIRE(written.ok());

  REQUIRE(kill_others() >= 1);
  auto read = s.GetNode("n1");
  INFO(read.status().ToString());
  REQUIRE(read.ok());
  CHECK(read->metadata.labels.at("after") == "kill");
  CHECK(s.Ping().ok());
}

}  // namespace
}  // namespace cara::store
