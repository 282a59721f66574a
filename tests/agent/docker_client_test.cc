// DockerClient against a real dockerd (tests/support/docker_daemon.h), plus a
// fake daemon on a UNIX socket for answers a real one will not give on demand
// (frame headers split mid-way, an error inside a pull's progress stream).
#include "agent/docker_client.h"

#include <signal.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <regex>
#include <set>
#include <sstream>
#include <thread>

#include <httplib.h>
#include <catch2/catch.hpp>

#include "support/docker_daemon.h"
#include "support/temp_dir.h"

namespace cara::agent {
namespace {

using cara::testing::DockerDaemon;
using Clock = std::chrono::steady_clock;

double MsSince(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

DockerDaemon& Daemon() {
  DockerDaemon& d = DockerDaemon::Shared();
  d.EnsureTestImage();
  return d;
}

std::string Name(const std::string& prefix) { return DockerDaemon::UniqueName(prefix); }

#define REQUIRE_OK(expr)                    \
  do {                                      \
    ::cara::Status _s = (expr);             \
    INFO(#expr << " -> " << _s.ToString()); \
    REQUIRE(_s.ok());                       \
  } while (0)

// Removes what a test created even when it fails half-way (matters with a
// shared daemon from CARA_TEST_DOCKER_HOST).
struct Cleanup {
  explicit Cleanup(DockerClient& d) : docker(d) {}
  DockerClient& docker;
  std::vector<std::string> containers, networks, volumes;
  ~Cleanup() {
    for (const auto& c : containers) (void)docker.RemoveContainer(c, /*force=*/true);
    for (const auto& n : networks) (void)docker.RemoveNetwork(n);
    for (const auto& v : volumes) (void)docker.RemoveVolume(v, /*force=*/true);
  }
};

ContainerSpec Spec(const std::string& name, std::vector<std::string> command) {
  ContainerSpec spec;
  spec.name = name;
  spec.image = DockerDaemon::kTestImage;
  spec.command = std::move(command);
  return spec;
}

std::string CreateAndStart(DockerClient& docker, Cleanup& cleanup, const ContainerSpec& spec) {
  Result<std::string> id = docker.CreateContainer(spec);
  INFO("create " << spec.name << ": " << id.status().ToString());
  REQUIRE(id.ok());
  cleanup.containers.push_back(spec.name);
  REQUIRE_OK(docker.StartContainer(spec.name));
  return *id;
}

ContainerInfo WaitForState(DockerClient& docker, const std::string& name, const std::string& state,
                           int timeout_ms = 30000) {
  auto start = Clock::now();
  for (;;) {
    Result<ContainerInfo> info = docker.InspectContainer(name);
    INFO("inspect " << name << ": " << info.status().ToString());
    REQUIRE(info.ok());
    if (info->state == state) return *info;
    INFO(name << " is " << info->state << ", waiting for " << state);
    REQUIRE(MsSince(start) < timeout_ms);
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

std::string Logs(DockerClient& docker, const std::string& name, LogOptions options = {}) {
  std::string out;
  Status st = docker.StreamLogs(name, options, [&](const char* data, size_t n) {
    out.append(data, n);
    return true;
  });
  INFO("logs " << name << ": " << st.ToString());
  REQUIRE(st.ok());
  return out;
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

bool HasControlBytes(const std::string& s) {
  return std::any_of(s.begin(), s.end(), [](char c) {
    return static_cast<unsigned char>(c) < 0x20 && c != '\n' && c != '\r';
  });
}

TEST_CASE("SplitImageReference separates repo and tag like docker pull", "[docker]") {
  struct Case {
    const char* image;
    const char* repo;
    const char* tag;
  };
  const Case cases[] = {
      {"nginx", "nginx", "latest"},
      {"nginx:1.25", "nginx", "1.25"},
      {"library/nginx:1.25-alpine", "library/nginx", "1.25-alpine"},
      {"localhost:5000/team/app", "localhost:5000/team/app", "latest"},
      {"localhost:5000/team/app:v2", "localhost:5000/team/app", "v2"},
      {"ghcr.io/o/app@sha256:abcd", "ghcr.io/o/app", "sha256:abcd"},
      {"reg:443/app:1.0@sha256:abcd", "reg:443/app", "sha256:abcd"},
      {"nginx:", "nginx", "latest"},
  };
  for (const Case& c : cases) {
    ImageReference ref = SplitImageReference(c.image);
    INFO(c.image);
    CHECK(ref.repo == c.repo);
    CHECK(ref.tag == c.tag);
  }
}

TEST_CASE("DockerClient rejects unsupported endpoints and reports an unreachable daemon",
          "[docker]") {
  DockerClient tcp("tcp://127.0.0.1:2375");
  Status st = tcp.Ping();
  CHECK(st.code() == Code::kInvalid);
  CHECK(st.message().find("tcp://127.0.0.1:2375") != std::string::npos);
  CHECK(st.message().find("unix://") != std::string::npos);
  CHECK(tcp.CreateContainer(ContainerSpec{}).status().code() == Code::kInvalid);

  CHECK(DockerClient("unix://relative.sock").Ping().code() == Code::kInvalid);
  CHECK(DockerClient("unix:///" + std::string(200, 'x')).Ping().code() == Code::kInvalid);
  CHECK(DockerClient("").socket_path() == "/var/run/docker.sock");
  CHECK(DockerClient("/run/x.sock").socket_path() == "/run/x.sock");

  cara::testing::TempDir dir;
  const std::string missing = dir.path() + "/docker.sock";
  DockerClient docker("unix://" + missing);
  CHECK(docker.socket_path() == missing);
  auto start = Clock::now();
  st = docker.Ping();
  CHECK(st.code() == Code::kUnavailable);
  CHECK(KindOf(st) == DockerErrorKind::kUnreachable);
  CHECK(st.message().rfind("cannot reach Docker at " + missing + ": ", 0) == 0);
  CHECK(st.message().find("No such file") != std::string::npos);
  CHECK(MsSince(start) < 1000);
  Result<ContainerInfo> info = docker.InspectContainer("x");
  CHECK(KindOf(info.status()) == DockerErrorKind::kUnreachable);
  CHECK(KindOf(Status::Ok()) == DockerErrorKind::kNone);
  CHECK(KindOf(Status::Internal("x")) == DockerErrorKind::kOther);
}

TEST_CASE("DockerClient pings the daemon and checks images and offline pulls fail clearly",
          "[docker]") {
  DockerClient docker(Daemon().endpoint());
  REQUIRE_OK(docker.Ping());
  REQUIRE_OK(docker.ImageExists(DockerDaemon::kTestImage));

  Status missing = docker.ImageExists("cara/no-such-image:nope");
  CHECK(missing.code() == Code::kNotFound);
  CHECK(KindOf(missing) == DockerErrorKind::kNotFound);
  CHECK(missing.message().find("No such image") != std::string::npos);

  // No registry is reachable here: the pull must fail with Docker's reason,
  // not hang and not report success.
  for (const char* image : {"cara/definitely-not-there:1", "localhost:1/nope:v1"}) {
    auto start = Clock::now();
    Status pull = docker.PullImage(image, std::nullopt);
    double ms = MsSince(start);
    INFO(image << " -> " << pull.ToString() << " in " << ms << " ms");
    CHECK_FALSE(pull.ok());
    CHECK(KindOf(pull) != DockerErrorKind::kUnreachable);
    CHECK(pull.message().size() > 10);
    CHECK(ms < 60000);
  }
  Status pull = docker.PullImage("localhost:1/nope:v1", std::nullopt);
  CHECK(pull.message().find("localhost:1") != std::string::npos);
}

TEST_CASE("DockerClient creates/finds/lists/removes networks", "[docker]") {
  DockerClient docker(Daemon().endpoint());
  Cleanup cleanup{docker};
  const std::string net = Name("cara-net");
  const std::string tag = Name("t");
  Labels labels = {{"cara.project", tag}};

  CHECK(docker.NetworkExists(net).code() == Code::kNotFound);
  REQUIRE_OK(docker.CreateNetwork(net, labels));
  cleanup.networks.push_back(net);
  REQUIRE_OK(docker.NetworkExists(net));

  Status dup = docker.CreateNetwork(net, labels);
  CHECK(dup.code() == Code::kConflict);
  CHECK(dup.message().find(net) != std::string::npos);

  Result<std::vector<std::string>> listed = docker.ListNetworks(labels);
  REQUIRE(listed.ok());
  CHECK(*listed == std::vector<std::string>{net});
  listed = docker.ListNetworks({{"cara.project", tag + "-other"}});
  REQUIRE(listed.ok());
  CHECK(listed->empty());
  listed = docker.ListNetworks({});
  REQUIRE(listed.ok());
  CHECK(std::count(listed->begin(), listed->end(), net) == 1);
  listed = docker.ListNetworks({{"cara.project", ""}});  // any value
  REQUIRE(listed.ok());
  CHECK(std::count(listed->begin(), listed->end(), net) == 1);

  // Docker also resolves an ID prefix; a name that is not the network's own
  // must not count as "exists".
  CHECK(docker.NetworkExists(net.substr(0, net.size() - 1)).code() == Code::kNotFound);

  REQUIRE_OK(docker.RemoveNetwork(net));
  CHECK(docker.NetworkExists(net).code() == Code::kNotFound);
  Status again = docker.RemoveNetwork(net);
  CHECK(again.code() == Code::kNotFound);
  CHECK_FALSE(again.message().empty());
}

TEST_CASE("DockerClient creates/finds/lists/removes volumes", "[docker]") {
  DockerClient docker(Daemon().endpoint());
  Cleanup cleanup{docker};
  const std::string vol = Name("cara-vol");
  const std::string tag = Name("t");
  Labels labels = {{"cara.project", tag}};

  CHECK(docker.VolumeExists(vol).code() == Code::kNotFound);
  REQUIRE_OK(docker.CreateVolume(vol, labels));
  cleanup.volumes.push_back(vol);
  REQUIRE_OK(docker.VolumeExists(vol));
  REQUIRE_OK(docker.CreateVolume(vol, labels));  // Docker: an existing volume is fine

  Result<std::vector<std::string>> listed = docker.ListVolumes(labels);
  REQUIRE(listed.ok());
  CHECK(*listed == std::vector<std::string>{vol});
  listed = docker.ListVolumes({{"cara.project", tag + "-other"}});
  REQUIRE(listed.ok());
  CHECK(listed->empty());
  listed = docker.ListVolumes({{"cara.project", ""}});  // any value
  REQUIRE(listed.ok());
  CHECK(std::count(listed->begin(), listed->end(), vol) == 1);

  // A volume in use by a container cannot be removed without force.
  ContainerSpec spec = Spec(Name("vol-user"), {"sh", "-c", "echo data > /data/f"});
  spec.binds = {vol + ":/data"};
  CreateAndStart(docker, cleanup, spec);
  WaitForState(docker, spec.name, "exited");
  Status busy = docker.RemoveVolume(vol, /*force=*/false);
  CHECK(busy.code() == Code::kConflict);
  CHECK(busy.message().find("in use") != std::string::npos);
  REQUIRE_OK(docker.RemoveContainer(spec.name, /*force=*/true));

  REQUIRE_OK(docker.RemoveVolume(vol, /*force=*/false));
  CHECK(docker.VolumeExists(vol).code() == Code::kNotFound);
  CHECK(docker.RemoveVolume(vol, false).code() == Code::kNotFound);
}

TEST_CASE("Containers on a user-defined network reach each other by alias", "[docker]") {
  DockerClient docker(Daemon().endpoint());
  Cleanup cleanup{docker};
  const std::string net = Name("cara-net");
  REQUIRE_OK(docker.CreateNetwork(net, {}));
  cleanup.networks.push_back(net);

  ContainerSpec web = Spec(Name("web"), {"httpd", "-f", "-p", "80", "-h", "/www"});
  web.network = net;
  web.network_aliases = {"web"};
  web.labels = {{"cara.project", "p"}, {"cara.service", "web"}};
  const std::string id = CreateAndStart(docker, cleanup, web);

  Result<ContainerInfo> info = docker.InspectContainer(web.name);
  REQUIRE(info.ok());
  CHECK(info->id == id);
  CHECK(info->name == web.name);
  CHECK(info->image == DockerDaemon::kTestImage);
  CHECK(info->state == "running");
  CHECK(info->exit_code == 0);
  CHECK_FALSE(info->tty);
  CHECK(info->labels == web.labels);
  REQUIRE(info->ip_by_network.count(net) == 1);
  CHECK(std::regex_match(info->ip_by_network[net], std::regex(R"(\d+\.\d+\.\d+\.\d+)")));
  CHECK(info->ip_by_network.size() == 1);     // only the requested network, no default bridge
  REQUIRE(docker.InspectContainer(id).ok());  // by ID too

  // The client resolves "web" through Docker's embedded DNS; httpd may need a
  // moment to listen, hence the retries inside the container.
  ContainerSpec client =
      Spec(Name("client"), {"sh", "-c",
                            "echo $GREETING; for i in $(seq 1 50); do wget -q -O - http://web/ && "
                            "exit 0; sleep 0.2; done; exit 1"});
  client.network = net;
  client.env = {"GREETING=hello from env"};
  CreateAndStart(docker, cleanup, client);
  ContainerInfo done = WaitForState(docker, client.name, "exited");
  std::string logs = Logs(docker, client.name);
  INFO("client logs: " << logs);
  CHECK(done.exit_code == 0);
  CHECK(logs == std::string("hello from env\n") + DockerDaemon::kTestPage);

  // Stop and start are idempotent (Docker's 304).
  REQUIRE_OK(docker.StopContainer(web.name, 1));
  CHECK(WaitForState(docker, web.name, "exited").ip_by_network.empty());
  REQUIRE_OK(docker.StopContainer(web.name, 1));
  REQUIRE_OK(docker.StartContainer(web.name));
  REQUIRE_OK(docker.StartContainer(web.name));
  CHECK(WaitForState(docker, web.name, "running").ip_by_network.count(net) == 1);

  // A network with a container attached cannot go away.
  CHECK_FALSE(docker.RemoveNetwork(net).ok());

  REQUIRE_OK(docker.RemoveContainer(web.name, /*force=*/true));
  Result<ContainerInfo> gone = docker.InspectContainer(web.name);
  CHECK(gone.status().code() == Code::kNotFound);
  CHECK(gone.status().message().find("No such container") != std::string::npos);
  CHECK(docker.RemoveContainer(web.name, true).code() == Code::kNotFound);
  CHECK(docker.StartContainer(web.name).code() == Code::kNotFound);
  CHECK(docker.StopContainer(web.name, 1).code() == Code::kNotFound);
}

TEST_CASE("CreateContainer reports name conflicts and missing images", "[docker]") {
  DockerClient docker(Daemon().endpoint());
  Cleanup cleanup{docker};
  ContainerSpec spec = Spec(Name("dup"), {"true"});
  REQUIRE(docker.CreateContainer(spec).ok());
  cleanup.containers.push_back(spec.name);
  CHECK(docker.InspectContainer(spec.name)->state == "created");

  Result<std::string> dup = docker.CreateContainer(spec);
  CHECK(dup.status().code() == Code::kConflict);
  CHECK(KindOf(dup.status()) == DockerErrorKind::kConflict);
  CHECK(dup.status().message().find("already in use") != std::string::npos);

  ContainerSpec bad = Spec(Name("noimage"), {});
  bad.image = "cara/no-such-image:nope";
  Result<std::string> missing = docker.CreateContainer(bad);
  CHECK(missing.status().code() == Code::kNotFound);
  CHECK(missing.status().message().find("No such image") != std::string::npos);

  // The image's own CMD runs when no command is given (the test image serves /www).
  ContainerSpec dflt = Spec(Name("default-cmd"), {});
  CreateAndStart(docker, cleanup, dflt);
  CHECK(docker.InspectContainer(dflt.name)->state == "running");
  REQUIRE_OK(docker.RemoveContainer(dflt.name, true));
}

TEST_CASE("A crashing container's exit code is reported", "[docker]") {
  DockerClient docker(Daemon().endpoint());
  Cleanup cleanup{docker};
  ContainerSpec spec = Spec(Name("crash"), {"sh", "-c", "exit 3"});
  CreateAndStart(docker, cleanup, spec);
  ContainerInfo info = WaitForState(docker, spec.name, "exited");
  CHECK(info.exit_code == 3);
}

TEST_CASE("StreamLogs demultiplexes stdout and stderr with tail and timestamps", "[docker]") {
  DockerClient docker(Daemon().endpoint());
  Cleanup cleanup{docker};
  ContainerSpec spec = Spec(Name("logs"), {"sh", "-c", "echo out; echo err 1>&2"});
  CreateAndStart(docker, cleanup, spec);
  WaitForState(docker, spec.name, "exited");

  std::string all = Logs(docker, spec.name);
  INFO("logs: " << all);
  CHECK(all.size() == 8);  // no frame header bytes
  CHECK_FALSE(HasControlBytes(all));
  std::vector<std::string> lines = Lines(all);
  std::sort(lines.begin(), lines.end());  // Docker orders the two streams by time only
  CHECK(lines == std::vector<std::string>{"err", "out"});

  LogOptions tail;
  tail.tail = "1";
  std::vector<std::string> last = Lines(Logs(docker, spec.name, tail));
  REQUIRE(last.size() == 1);
  CHECK((last[0] == "out" || last[0] == "err"));

  LogOptions stamped;
  stamped.timestamps = true;
  std::string with_ts = Logs(docker, spec.name, stamped);
  INFO("with timestamps: " << with_ts);
  CHECK_FALSE(HasControlBytes(with_ts));
  const std::regex ts_line(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z (out|err))");
  for (const std::string& line : Lines(with_ts)) CHECK(std::regex_match(line, ts_line));
  CHECK(Lines(with_ts).size() == 2);

  // Many frames: the payload must come through byte for byte.
  ContainerSpec many = Spec(Name("many"), {"seq", "1", "20000"});
  CreateAndStart(docker, cleanup, many);
  WaitForState(docker, many.name, "exited");
  std::string expected;
  for (int i = 1; i <= 20000; ++i) expected += std::to_string(i) + "\n";
  CHECK(Logs(docker, many.name) == expected);

  CHECK(docker.StreamLogs("cara-no-such-container", {}, [](const char*, size_t) { return true; })
            .code() == Code::kNotFound);
}

TEST_CASE("StreamLogs passes a TTY container's output through raw", "[docker]") {
  DockerDaemon& daemon = Daemon();
  DockerClient docker(daemon.endpoint());
  Cleanup cleanup{docker};
  // DockerClient never creates TTY containers; make one with a raw call.
  const std::string name = Name("tty");
  DockerDaemon::Reply created = daemon.Request(
      "POST", "/v1.41/containers/create?name=" + name,
      R"({"Image":"cara/busybox:test","Tty":true,"Cmd":["sh","-c","echo tty-out; echo tty-err 1>&2"]})");
  INFO(created.body);
  REQUIRE(created.status == 201);
  cleanup.containers.push_back(name);
  REQUIRE_OK(docker.StartContainer(name));
  CHECK(WaitForState(docker, name, "exited").tty);
  std::string raw = Logs(docker, name);
  CHECK(raw == "tty-out\r\ntty-err\r\n");  // the terminal's CRLF, no frame headers
}

TEST_CASE("StreamLogs follows output as it is produced and stops on request", "[docker]") {
  DockerClient docker(Daemon().endpoint());
  Cleanup cleanup{docker};
  ContainerSpec spec = Spec(
      Name("ticker"), {"sh", "-c", "i=0; while true; do echo line$i; i=$((i+1)); sleep 0.2; done"});
  CreateAndStart(docker, cleanup, spec);

  std::string received;
  std::vector<double> arrival_ms;
  std::atomic<bool> first{false};
  auto start = Clock::now();
  LogOptions follow;
  follow.follow = true;
  Status stream_status;
  std::thread reader([&] {
    stream_status = docker.StreamLogs(spec.name, follow, [&](const char* data, size_t n) {
      received.append(data, n);
      arrival_ms.push_back(MsSince(start));
      first = true;
      return received.find("line5\n") == std::string::npos;  // false: stop here
    });
  });
  // Other calls go on while the stream is open (it has its own connection).
  while (!first && MsSince(start) < 20000)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  auto concurrent = Clock::now();
  CHECK(docker.Ping().ok());
  CHECK(docker.InspectContainer(spec.name).ok());
  CHECK(MsSince(concurrent) < 2000);
  reader.join();

  REQUIRE_OK(stream_status);
  INFO("received: " << received);
  CHECK(received.rfind("line0\nline1\nline2\nline3\nline4\nline5\n", 0) == 0);
  CHECK_FALSE(HasControlBytes(received));
  // Lines arrived one by one, about 200 ms apart, not in one block at the end.
  REQUIRE(arrival_ms.size() >= 5);
  CHECK(arrival_ms.back() - arrival_ms.front() > 600);
  // Stopping the stream did not stop the container.
  CHECK(docker.InspectContainer(spec.name)->state == "running");

  // A follow stream ends by itself when the container exits.
  ContainerSpec brief = Spec(Name("brief"), {"sh", "-c", "echo a; sleep 1; echo b"});
  CreateAndStart(docker, cleanup, brief);
  auto t0 = Clock::now();
  std::string out = Logs(docker, brief.name, follow);
  CHECK(out == "a\nb\n");
  CHECK(MsSince(t0) < 15000);
}

TEST_CASE("StreamCancel ends a quiet follow stream from another thread", "[docker]") {
  DockerClient docker(Daemon().endpoint());
  Cleanup cleanup{docker};
  ContainerSpec spec = Spec(Name("quiet"), {"sleep", "1000"});
  CreateAndStart(docker, cleanup, spec);

  LogOptions follow;
  follow.follow = true;
  follow.cancel = std::make_shared<StreamCancel>();
  std::thread canceller([cancel = follow.cancel] {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    cancel->Cancel();
  });
  auto start = Clock::now();
  size_t bytes = 0;
  Status st = docker.StreamLogs(spec.name, follow, [&](const char*, size_t n) {
    bytes += n;
    return true;
  });
  double ms = MsSince(start);
  canceller.join();
  REQUIRE_OK(st);
  CHECK(bytes == 0);
  CHECK(ms >= 250);
  CHECK(ms < 5000);
  CHECK(follow.cancel->cancelled());

  // Cancelled before it starts: returns at once.
  start = Clock::now();
  REQUIRE_OK(docker.StreamLogs(spec.name, follow, [](const char*, size_t) { return true; }));
  CHECK(MsSince(start) < 1000);
  CHECK(docker.Ping().ok());
}

TEST_CASE("ListContainers finds exactly the containers carrying the labels", "[docker]") {
  DockerClient docker(Daemon().endpoint());
  Cleanup cleanup{docker};
  const std::string tag = Name("list");
  struct Item {
    std::string name;
    Labels labels;
  };
  std::vector<Item> items = {
      {Name("a"), {{"cara.test.list", tag}, {"cara.role", "a"}}},
      {Name("b"), {{"cara.test.list", tag}, {"cara.role", "b"}}},
      {Name("c"), {{"cara.test.list", tag + "-other"}, {"cara.role", "a"}}},
  };
  for (const Item& item : items) {
    ContainerSpec spec = Spec(item.name, {"true"});
    spec.labels = item.labels;
    REQUIRE(docker.CreateContainer(spec).ok());
    cleanup.containers.push_back(item.name);
  }
  REQUIRE_OK(docker.StartContainer(items[1].name));  // exited ones are listed too
  WaitForState(docker, items[1].name, "exited");

  Result<std::vector<ContainerSummary>> listed = docker.ListContainers({{"cara.test.list", tag}});
  REQUIRE(listed.ok());
  std::set<std::string> names;
  for (const ContainerSummary& s : *listed) {
    names.insert(s.name);
    CHECK(s.image == DockerDaemon::kTestImage);
    CHECK(s.id.size() == 64);
    CHECK(s.labels.at("cara.test.list") == tag);
    CHECK(s.state == (s.name == items[1].name ? "exited" : "created"));
  }
  CHECK(names == std::set<std::string>{items[0].name, items[1].name});

  listed = docker.ListContainers({{"cara.test.list", tag}, {"cara.role", "a"}});
  REQUIRE(listed.ok());
  REQUIRE(listed->size() == 1);
  CHECK(listed->front().name == items[0].name);

  listed = docker.ListContainers({{"cara.test.list", tag + "-none"}});
  REQUIRE(listed.ok());
  CHECK(listed->empty());

  // An empty value matches any value: all three carry cara.test.list.
  listed = docker.ListContainers({{"cara.test.list", ""}, {"cara.role", "a"}});
  REQUIRE(listed.ok());
  names.clear();
  for (const ContainerSummary& s : *listed) names.insert(s.name);
  CHECK(names.count(items[0].name) == 1);
  CHECK(names.count(items[2].name) == 1);
  CHECK(names.count(items[1].name) == 0);
}

TEST_CASE("Docker calls from several threads at once", "[docker]") {
  DockerClient docker(Daemon().endpoint());
  Cleanup cleanup{docker};
  std::vector<std::string> names;
  for (int i = 0; i < 4; ++i) names.push_back(Name("par"));
  std::vector<Status> results(names.size());
  std::vector<std::thread> threads;
  for (size_t i = 0; i < names.size(); ++i) {
    threads.emplace_back([&, i] {
      Result<std::string> id = docker.CreateContainer(Spec(names[i], {"sh", "-c", "exit 0"}));
      results[i] = id.ok() ? docker.StartContainer(names[i]) : id.status();
      for (int k = 0; k < 20 && results[i].ok(); ++k) results[i] = docker.Ping();
    });
  }
  for (auto& t : threads) t.join();
  for (const auto& n : names) cleanup.containers.push_back(n);
  for (const Status& st : results) CHECK(st.ok());
  for (const auto& n : names) CHECK(WaitForState(docker, n, "exited").exit_code == 0);
}

// ---------------------------------------------------------------------------
// A fake daemon for answers a real one does not give on demand.

struct FakeDaemon {
  cara::testing::TempDir dir;
  std::string socket = dir.path() + "/fake.sock";
  httplib::Server server;
  std::thread thread;

  FakeDaemon() {
    ::signal(SIGPIPE, SIG_IGN);
    server.set_address_family(AF_UNIX);
  }
  void Start() {
    REQUIRE(server.bind_to_port(socket, 80));
    thread = std::thread([this] { server.listen_after_bind(); });
    while (!server.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ~FakeDaemon() {
    server.stop();
    if (thread.joinable()) thread.join();
  }
};

std::string Frame(char stream, const std::string& payload) {
  std::string f = {stream, 0, 0, 0};
  uint32_t n = static_cast<uint32_t>(payload.size());
  f += {static_cast<char>(n >> 24), static_cast<char>(n >> 16), static_cast<char>(n >> 8),
        static_cast<char>(n)};
  return f + payload;
}

void InspectAnswer(const httplib::Request& req, httplib::Response& res) {
  res.set_content(R"({"Id":")" + std::string(req.matches[1]) +
                      R"(","Name":"/x","State":{"Status":"exited"},"Config":{"Tty":false}})",
                  "application/json");
}

TEST_CASE("StreamLogs reassembles frame headers split across chunks (fake daemon)", "[docker]") {
  FakeDaemon fake;
  const std::string big(70000, 'z');
  const std::string wire =
      Frame(1, "hello ") + Frame(2, "world\n") + Frame(1, "") + Frame(1, big) + Frame(2, "end\n");
  fake.server.Get(R"(/v1\.41/containers/([^/]+)/json)", InspectAnswer);
  fake.server.Get(R"(/v1\.41/containers/([^/]+)/logs)",
                  [&](const httplib::Request& req, httplib::Response& res) {
                    if (req.matches[1] == "plain") {
                      res.set_content("not multiplexed\n", "application/vnd.docker.raw-stream");
                      return;
                    }
                    // Pieces of 1, 2, 3, ... bytes, so every header is cut somewhere.
                    res.set_chunked_content_provider(
                        "application/vnd.docker.raw-stream", [&](size_t, httplib::DataSink& sink) {
                          size_t pos = 0;
                          for (size_t len = 1; pos < wire.size(); len = len % 11 + 1) {
                            size_t n = std::min(len, wire.size() - pos);
                            if (!sink.write(wire.data() + pos, n)) return false;
                            pos += n;
                          }
                          sink.done();
                          return true;
                        });
                  });
  fake.Start();
  DockerClient docker("unix://" + fake.socket);
  std::string out;
  size_t calls = 0;
  REQUIRE_OK(docker.StreamLogs("split", {}, [&](const char* d, size_t n) {
    out.append(d, n);
    ++calls;
    return true;
  }));
  CHECK(out == "hello world\n" + big + "end\n");
  CHECK(calls > 5);

  // Stopping in the middle of a frame.
  std::string partial;
  REQUIRE_OK(docker.StreamLogs("split", {}, [&](const char* d, size_t n) {
    partial.append(d, n);
    return partial.size() < 100;
  }));
  CHECK(partial.size() >= 100);
  CHECK(partial.size() < out.size());

  Status plain = docker.StreamLogs("plain", {}, [](const char*, size_t) { return true; });
  CHECK(plain.code() == Code::kInternal);
  CHECK(plain.message().find("multiplexed") != std::string::npos);
}

TEST_CASE("DockerClient maps in-stream pull errors and non-JSON error bodies (fake daemon)",
          "[docker]") {
  FakeDaemon fake;
  std::string pulled_query;
  fake.server.Post("/v1.41/images/create", [&](const httplib::Request& req,
                                               httplib::Response& res) {
    pulled_query = req.get_param_value("fromImage") + " " + req.get_param_value("tag");
    res.set_content(
        "{\"status\":\"Pulling from x\"}\n"
        "{\"errorDetail\":{\"message\":\"manifest for x:1 not found\"},\"error\":\"manifest for "
        "x:1 not found\"}\n",
        "application/json");
  });
  fake.server.Get("/v1.41/_ping", [](const httplib::Request&, httplib::Response& res) {
    res.status = 500;
    res.set_content("boom\n", "text/plain");
  });
  fake.server.Delete(R"(/v1\.41/networks/(.+))",
                     [](const httplib::Request&, httplib::Response& res) {
                       res.status = 409;
                       res.set_content(R"({"message":"network is busy"})", "application/json");
                     });
  fake.Start();
  DockerClient docker(fake.socket);

  Status pull = docker.PullImage("reg:5000/x:1", std::nullopt);
  CHECK(pulled_query == "reg:5000/x 1");
  CHECK(pull.code() == Code::kInternal);
  CHECK(pull.message() == "manifest for x:1 not found");

  Status ping = docker.Ping();
  CHECK(ping.code() == Code::kInternal);
  CHECK(ping.message() == "boom");

  Status busy = docker.RemoveNetwork("n");
  CHECK(busy.code() == Code::kConflict);
  CHECK(busy.message() == "network is busy");
}

}  // namespace
}  // namespace cara::agent
