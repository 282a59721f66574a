// 5. Agent: time from a project turning Scheduled (assigned to the agent's
// node) until the agent reports it Running, for one service on a local image.
// The real cara-agent binary runs against an in-process server and a private
// dockerd (tests/support/docker_daemon.h, or CARA_TEST_DOCKER_HOST). It
// learns of the assignment from its watch: its resync and poll intervals are
// an hour, so no polling delay is in the figure (and a broken watch fails the
// run). The baseline is `docker run -d` of the same image and command on the
// same daemon, on a user-defined network with the service's alias, as the
// agent runs every container (network cara-<p>, DNS alias <s>; the network is
// made beforehand, untimed, so the baseline's one CLI call does no more than
// start the container); target: the median within 1.1× of it. Docker's start
// on such a network costs far more than with `--network none` (its embedded
// DNS: a setup-resolver re-exec and iptables rules in the container's
// namespace), so a second row shows the ratio to `docker run -d --network
// none` too, for comparison with earlier tables.
#include <signal.h>
#include <unistd.h>

#include <condition_variable>
#include <mutex>
#include <stdexcept>
#include <thread>

#include "api/lifecycle.h"
#include "bench/bench.h"
#include "bench/format.h"
#include "bench/process_stats.h"
#include "bench/server_process.h"
#include "support/docker_daemon.h"
#include "support/process.h"
#include "support/test_server.h"

namespace cara::bench {
namespace {

using testing::DockerDaemon;
constexpr double kTargetRatio = 1.1;
const char kIntervals[] = "1h";  // --resync-interval and --poll-interval
// The image's httpd, under a shell that exits on SIGTERM: as PID 1 httpd
// itself ignores it, and every teardown would wait out the 10 s stop grace.
const std::vector<std::string> kCommand = {"sh", "-c",
                                           "trap 'exit 0' TERM; httpd -f -p 80 -h /www & wait"};

std::string FirstLine(const std::string& s) { return s.substr(0, s.find('\n')); }

std::string DockerCli() {
  for (const char* p : {"/usr/local/bin/docker", "/usr/bin/docker"}) {
    if (::access(p, X_OK) == 0) return p;
  }
  throw std::runtime_error("no docker CLI in /usr/local/bin or /usr/bin");
}

// Waits for one project to reach one of the given phases, from store events.
class PhaseWatch {
 public:
  PhaseWatch(store::Store& store, std::string project)
      : store_(store), project_(std::move(project)) {
    sub_ = store_.Subscribe([this](const store::Event& e) {
      if (e.kind != api::kKindProject || e.name != project_) return;
      std::lock_guard<std::mutex> lock(mu_);
      phase_ = e.new_phase;
      cv_.notify_all();
    });
  }
  ~PhaseWatch() { store_.Unsubscribe(sub_); }

  // The phase reached, or "" after 60 s.
  std::string Wait(const std::vector<std::string>& phases) {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait_for(lock, std::chrono::seconds(60),
                 [&] { return std::find(phases.begin(), phases.end(), phase_) != phases.end(); });
    return std::find(phases.begin(), phases.end(), phase_) != phases.end() ? phase_ : "";
  }

 private:
  store::Store& store_;
  std::string project_;
  int sub_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::string phase_;
};

class AgentUnderTest {
 public:
  explicit AgentUnderTest(DockerDaemon& docker)
      : node_(DockerDaemon::UniqueName("bench-node")), log_(dir_.path() + "/agent.log") {
    agent_ = std::make_unique<testing::BackgroundProcess>(
        std::vector<std::string>{
            testing::BuiltBinary("cara-agent"), "--server-url", server_.url(), "--node-name", node_,
            "--docker-host", docker.endpoint(), "--agent-port",
            std::to_string(testing::FreeLoopbackPort()), "--proxy-listen-addr",
            "127.0.0.1:" + std::to_string(testing::FreeLoopbackPort()), "--advertise-ip",
            "127.0.0.1", "--resync-interval", kIntervals, "--poll-interval", kIntervals,
            "--state-dir", dir_.path() + "/agent-state"},
        std::map<std::string, std::string>{{"CARA_JOIN_TOKEN", server_.join_token()}}, log_);
    if (!Registered(30)) {
      throw std::runtime_error("cara-agent did not register:\n" + LogTail(log_));
    }
  }
  // Whether the agent joined and registered its node within `seconds`.
  bool Registered(double seconds) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
    while (std::chrono::steady_clock::now() < deadline) {
      if (server_.store().GetNode(node_).ok()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
  }
  ~AgentUnderTest() {
    agent_->Signal(SIGTERM);
    agent_->Wait();
  }

  // Seconds from Scheduled to Running for one fresh project.
  double TimeToRunning(const std::string& project) {
    store::Store& store = server_.store();
    api::Project p;
    p.metadata.name = project;
    api::ServiceDef web;
    web.name = "web";
    web.image = DockerDaemon::kTestImage;
    web.command = kCommand;
    p.spec.services.push_back(web);
    p.status.phase = api::kPhasePending;
    Check(store.CreateProject(p).status());
    PhaseWatch watch(store, project);
    auto start = std::chrono::steady_clock::now();
    Check(SetPhase(project, api::kPhaseScheduled).status());
    std::string phase = watch.Wait({api::kPhaseRunning, api::kPhaseFailed});
    double seconds = SecondsSince(start);
    if (phase != api::kPhaseRunning) {
      throw std::runtime_error(project + " did not run (phase \"" + phase + "\"):\n" +
                               LogTail(log_));
    }
    Check(SetPhase(project, api::kPhaseTerminating).status());  // as DELETE does
    if (watch.Wait({api::kPhaseTerminated}).empty()) {
      throw std::runtime_error(project + " was not torn down:\n" + LogTail(log_));
    }
    Check(store.DeleteProject(project));
    return seconds;
  }

 private:
  static void Check(const Status& st) {
    if (!st.ok()) throw std::runtime_error(st.ToString());
  }
  Result<api::Project> SetPhase(const std::string& project, const std::string& phase) {
    return server_.store().UpdateProjectOnNode(project, node_, [&](api::Project& p) {
      p.status.phase = phase;
      p.status.node_ref = node_;
      return Status::Ok();
    });
  }

  testing::TempDir dir_;
  testing::TestServer server_{"sqlite"};  // no controllers: the bench sets the phases
  std::string node_;
  std::string log_;
  std::unique_ptr<testing::BackgroundProcess> agent_;
};

CommandRun Docker(DockerDaemon& docker, const std::string& cli, std::vector<std::string> args) {
  args.insert(args.begin(), {cli, "-H", docker.endpoint()});
  CommandRun run = RunCommand(args);
  if (run.exit_code != 0) throw std::runtime_error(args[3] + " failed: " + run.err);
  return run;
}

// Seconds `docker run -d` takes on `network` ("none", or a user-defined
// network: then with the alias the agent gives the service).
double TimeDockerRun(DockerDaemon& docker, const std::string& cli, const std::string& network) {
  const std::string name = DockerDaemon::UniqueName("bench-docker-run");
  std::vector<std::string> args = {"run", "-d", "--network", network, "--name", name};
  if (network != "none") args.insert(args.end(), {"--network-alias", "web"});
  args.push_back(DockerDaemon::kTestImage);
  args.insert(args.end(), kCommand.begin(), kCommand.end());
  double seconds = Docker(docker, cli, args).wall_seconds;
  Docker(docker, cli, {"rm", "-f", name});
  return seconds;
}

// The same on a network of its own, made and removed around it, untimed.
double TimeDockerRunOnNetwork(DockerDaemon& docker, const std::string& cli) {
  const std::string network = DockerDaemon::UniqueName("cara-bench-net");
  Docker(docker, cli, {"network", "create", network});
  double seconds = TimeDockerRun(docker, cli, network);
  Docker(docker, cli, {"network", "rm", network});
  return seconds;
}

}  // namespace

void RunAgentBench(const Sizes& sizes, Report& report) {
  const std::string benchmark = "agent: Scheduled → Running, 1 service, local image";
  DockerDaemon* docker = nullptr;
  try {
    Progress("agent: starting a private dockerd");
    docker = &DockerDaemon::Shared();
    docker->EnsureTestImage();
  } catch (const std::exception& e) {
    return report.AddNa(benchmark, "dockerd unavailable: " + FirstLine(e.what()));
  }
  const std::string cli = DockerCli();
  AgentUnderTest agent(*docker);
  std::vector<double> agent_s, docker_s, none_s;
  for (int i = 0; i < sizes.agent_runs; ++i) {
    Progress("agent: run " + std::to_string(i + 1) + " of " + std::to_string(sizes.agent_runs));
    agent_s.push_back(agent.TimeToRunning(DockerDaemon::UniqueName("bench-agent")));
    docker_s.push_back(TimeDockerRunOnNetwork(*docker, cli));
    none_s.push_back(TimeDockerRun(*docker, cli, "none"));
  }
  double worst = Quantile(agent_s, 1.0);
  double median = Quantile(agent_s, 0.5), base = Quantile(docker_s, 0.5);
  double none = Quantile(none_s, 0.5);
  const std::string figure =
      Millis(median) + " median, " + Millis(worst) + " max of " + std::to_string(sizes.agent_runs);
  report.Add({benchmark, figure,
              Millis(base) + " median `docker run -d --network <net> --network-alias web`",
              Ratio(median, base), "≤ 1.1×", PassIf(median <= kTargetRatio * base)});
  report.Add({benchmark + ", vs no network", figure,
              Millis(none) + " median `docker run -d --network none`", Ratio(median, none),
              "— (earlier baseline)", Verdict::kInfo});
}

}  // namespace cara::bench
