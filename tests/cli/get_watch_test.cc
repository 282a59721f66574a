// caractrl get -w against real servers: the real caractrl binary watching an
// in-process server, and a real cara-server killed and started again on the
// same SQLite data dir mid-watch.
#include <signal.h>

#include <catch2/catch.hpp>

#include <sstream>

#include "support/cara_server_binary.h"
#include "support/caractrl.h"
#include "support/eventually.h"
#include "support/http_client.h"
#include "support/temp_dir.h"

namespace cara::testing {
namespace {

using namespace std::chrono_literals;

std::string ProjectJson(const std::string& name) {
  return R"({"apiVersion":"caravanserai/v1","kind":"Project","metadata":{"name":")" + name +
         R"("},"spec":{"services":[{"name":"web","image":"cara/busybox:test"}]}})";
}

void Create(const std::string& url, const std::string& name) {
  REQUIRE(HttpClient(url).Post("/api/v1/projects", ProjectJson(name)).status == 201);
}

void SetRunning(const std::string& url, const std::string& name) {
  REQUIRE(HttpClient(url)
              .Patch("/api/v1/projects/" + name + "/status",
                     R"({"phase":"Running","reason":"ContainersRunning"})")
              .status == 204);
}

void Delete(const std::string& url, const std::string& name) {
  int status = HttpClient(url).Delete("/api/v1/projects/" + name).status;
  REQUIRE((status == 200 || status == 202 || status == 204));
}

// `caractrl get projects -w ARGS` in the background, its output in a log.
class Watcher {
 public:
  Watcher(const std::string& url, std::vector<std::string> args) : log_(TestLogPath("get-watch")) {
    std::vector<std::string> argv = {BuiltBinary("caractrl"), "get", "projects", "-w"};
    argv.insert(argv.end(), args.begin(), args.end());
    process_ = std::make_unique<BackgroundProcess>(argv, CaractrlEnv(url), log_);
  }
  std::string Output() const { return RunProcess({"/bin/cat", log_}).out; }
  // The output's lines that satisfy `match`, waiting until there is one.
  bool Await(const std::function<bool(const std::string&)>& match) const {
    return Eventually(
        [&] {
          std::istringstream lines(Output());
          for (std::string line; std::getline(lines, line);) {
            if (match(line)) return true;
          }
          return false;
        },
        20s);
  }
  // The -o json lines as (type, name, phase).
  std::vector<std::string> JsonEvents() const {
    std::vector<std::string> out;
    std::istringstream lines(Output());
    for (std::string line; std::getline(lines, line);) {
      if (line.empty() || line[0] != '{') continue;  // stderr's warnings share the log
      auto event = nlohmann::ordered_json::parse(line);
      CHECK(event.size() == 2);
      CHECK(event.begin().key() == "type");
      out.push_back(event["type"].get<std::string>() + " " +
                    event["object"]["metadata"]["name"].get<std::string>() + " " +
                    event["object"]["status"].value("phase", ""));
    }
    return out;
  }
  bool AwaitJson(const std::string& event) const {
    return Eventually(
        [&] {
          auto events = JsonEvents();
          return std::find(events.begin(), events.end(), event) != events.end();
        },
        20s);
  }
  int Interrupt() {
    process_->Signal(SIGINT);
    return process_->Wait();
  }

 private:
  std::string log_;
  std::unique_ptr<BackgroundProcess> process_;
};

bool Row(const std::string& line, const std::string& event, const std::string& name) {
  std::istringstream fields(line);
  std::string first, second;
  fields >> first >> second;
  return first == event && second == name;
}

}  // namespace

TEST_CASE("get -w shows a deletion made by another client", "[cli][watch]") {
  TestServer server("sqlite");
  Create(server.url(), "web");
  Watcher watch(server.url(), {});
  REQUIRE(watch.Await([](const std::string& l) { return Row(l, "ADDED", "web"); }));
  Delete(server.url(), "web");
  REQUIRE(watch.Await([](const std::string& l) { return Row(l, "DELETED", "web"); }));
  CHECK(watch.Interrupt() == 0);
  std::string out = watch.Output();
  CHECK(out.rfind("EVENT      NAME   PHASE", 0) == 0);
  CHECK(out.find("NAME") == out.rfind("NAME"));  // one header
}

TEST_CASE("get -w -o json prints one event per line with its type", "[cli][watch]") {
  TestServer server("sqlite");
  Create(server.url(), "web");
  Watcher watch(server.url(), {"-o", "json"});
  REQUIRE(watch.AwaitJson("ADDED web Pending"));
  Create(server.url(), "api");
  SetRunning(server.url(), "web");
  Delete(server.url(), "api");
  REQUIRE(watch.AwaitJson("DELETED api Pending"));
  CHECK(watch.Interrupt() == 0);
  CHECK(watch.JsonEvents() == std::vector<std::string>{"ADDED web Pending", "ADDED api Pending",
                                                       "MODIFIED web Running",
                                                       "DELETED api Pending"});
}

TEST_CASE("get -w -o yaml prints a document per event, type first, separated by ---",
          "[cli][watch]") {
  TestServer server("sqlite");
  Create(server.url(), "web");
  Watcher watch(server.url(), {"-o", "yaml"});
  REQUIRE(watch.Await([](const std::string& l) { return l == "type: ADDED"; }));
  Delete(server.url(), "web");
  REQUIRE(watch.Await([](const std::string& l) { return l == "type: DELETED"; }));
  CHECK(watch.Interrupt() == 0);
  std::string out = watch.Output();
  CHECK(out.rfind("type: ADDED\nobject:\n", 0) == 0);
  CHECK(out.find("\n---\ntype: DELETED\nobject:\n") != std::string::npos);
}

TEST_CASE("get -w resumes across a restart of cara-server and misses nothing",
          "[cli][watch][restart]") {
  TempDir data;
  auto server = std::make_unique<CaraServerBinary>(
      data.path(), std::vector<std::string>{"--no-controllers"},
      std::map<std::string, std::string>{}, TestLogPath("watch-restart-server"));
  const std::string url = server->url();
  const int port = server->port();
  Create(url, "web");
  Create(url, "api");
  Watcher watch(url, {"-o", "json"});
  REQUIRE(watch.AwaitJson("ADDED api Pending"));

  server.reset();  // SIGKILL mid-watch
  server = std::make_unique<CaraServerBinary>(
      data.path(), std::vector<std::string>{"--no-controllers"},
      std::map<std::string, std::string>{}, TestLogPath("watch-restart-server"), port);
  // Changed while the watcher is still reconnecting.
  SetRunning(url, "web");
  Delete(url, "api");
  Create(url, "db");
  REQUIRE(watch.AwaitJson("ADDED db Pending"));
  REQUIRE(watch.AwaitJson("DELETED api Pending"));
  REQUIRE(watch.AwaitJson("MODIFIED web Running"));
  CHECK(watch.Interrupt() == 0);
}

}  // namespace cara::testing
