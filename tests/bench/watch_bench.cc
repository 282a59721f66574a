// 7. Watchers: 1,000 concurrent watches on one server must not slow GET
// /api/v1/projects/{name} by more than 20%. One cara-server (SQLite, API
// only) is measured with wrk without the watchers, then with them at two
// write rates: a writer changes a project once a second (a busy small
// cluster) and ten times a second (every watcher then receives 10 events/s:
// 10,000 deliveries a second for 1,000 watchers). The baseline is the same
// server in the same run, with the writer at the same rate.
#include <httplib.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <memory>
#include <stdexcept>
#include <string_view>
#include <thread>
#include <vector>

#include "bench/bench.h"
#include "bench/format.h"
#include "bench/loader.h"
#include "bench/manifests.h"
#include "bench/server_process.h"
#include "bench/wrk.h"

namespace cara::bench {
namespace {

constexpr double kTargetRatio = 0.8;

// Changes one project every `interval` until destroyed.
class Writer {
 public:
  Writer(const std::string& url, std::chrono::milliseconds interval)
      : thread_([this, url, interval] {
          auto client = BenchClient(url);
          const std::string path = "/api/v1/projects/" + ProjectName(0);
          for (int revision = 2; !stop_; ++revision) {
            auto res =
                client->Put(path.c_str(), ProjectDocument(0, revision).dump(), "application/json");
            if (res && res->status == 200) ++writes;
            std::this_thread::sleep_for(interval);
          }
        }) {}
  ~Writer() {
    stop_ = true;
    thread_.join();
  }
  std::atomic<int> writes{0};

 private:
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

// `count` watches of the projects, each on its own connection, read (and
// discarded) by one thread that counts the events each received.
class Watchers {
 public:
  Watchers(int port, int count, const std::string& resource_version) {
    const std::string request =
        "GET /api/v1/projects?watch=true&resourceVersion=" + resource_version +
        " HTTP/1.1\r\nHost: bench\r\n\r\n";
    for (int i = 0; i < count; ++i) {
      // CLOEXEC: wrk must not inherit them (its event loop is sized for its
      // own connections, so high descriptor numbers would fail it).
      int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
      sockaddr_in addr{};
      addr.sin_family = AF_INET;
      addr.sin_port = htons(static_cast<uint16_t>(port));
      addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      if (fd < 0 || ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
          ::send(fd, request.data(), request.size(), MSG_NOSIGNAL) !=
              static_cast<ssize_t>(request.size())) {
        if (fd >= 0) ::close(fd);
        throw std::runtime_error("watcher " + std::to_string(i) + " could not connect");
      }
      fds_.push_back({fd, POLLIN, 0});
    }
    lines_ = std::make_unique<std::atomic<int>[]>(fds_.size());
    reader_ = std::thread([this] { Read(); });
  }
  ~Watchers() {
    stop_ = true;
    reader_.join();
    for (const pollfd& p : fds_) ::close(p.fd);
  }
  // Watchers that have received at least one event line.
  int Served() {
    int served = 0;
    for (size_t i = 0; i < fds_.size(); ++i) served += lines_[i] > 0;
    return served;
  }

 private:
  void Read() {
    char buffer[16384];
    while (!stop_) {
      if (::poll(fds_.data(), fds_.size(), 100) <= 0) continue;
      for (size_t i = 0; i < fds_.size(); ++i) {
        if (!(fds_[i].revents & POLLIN)) continue;
        ssize_t n = ::recv(fds_[i].fd, buffer, sizeof buffer, 0);
        if (n <= 0) {
          fds_[i].events = 0;  // closed: stop polling it
          continue;
        }
        // Event lines start with {"type": (the headers never do).
        std::string_view data(buffer, static_cast<size_t>(n));
        for (size_t at = data.find("{\"type\""); at != std::string_view::npos;
             at = data.find("{\"type\"", at + 1)) {
          ++lines_[i];
        }
      }
    }
  }

  std::vector<pollfd> fds_;
  std::unique_ptr<std::atomic<int>[]> lines_;  // per watcher
  std::atomic<bool> stop_{false};
  std::thread reader_;
};

std::string Rate(const WrkResult& r) {
  std::string errors = r.socket_errors ? ", " + Thousands(r.socket_errors) + " socket errors" : "";
  return Thousands(r.requests_per_second) + " req/s (p99 " + Millis(r.p99_seconds) + errors + ")";
}

std::string CurrentVersion(const std::string& url) {
  auto res = BenchClient(url)->Get("/api/v1/projects?limit=1");
  if (!res || res->status != 200) throw std::runtime_error("listing projects failed");
  return nlohmann::json::parse(res->body)["metadata"]["resourceVersion"].get<std::string>();
}

}  // namespace

void RunWatchBench(const Sizes& sizes, Report& report) {
  Progress("watch: cara-server on SQLite, " + Thousands(sizes.api_objects) + " projects, wrk " +
           std::to_string(sizes.wrk_seconds) + " s without and with " + Thousands(sizes.watchers) +
           " watchers, at 1 and 10 changes/s");
  const std::string connections = std::to_string(sizes.watchers + 1000);
  ServerProcess server(
      "sqlite", /*controllers=*/false, false, false,
      {"--max-connections", connections, "--max-connections-per-client", connections});
  PostAll(server.url(), "/api/v1/projects", sizes.api_objects,
          [](int i) { return ProjectDocument(i).dump(); });
  const std::string script =
      RotatingPathScript("GET", "/api/v1/projects/bench-%05d", sizes.api_objects);
  const WrkOptions wrk{server.url(), script, 2, sizes.wrk_connections, sizes.wrk_seconds};
  for (int per_second : {1, 10}) {
    const std::string name = "API GET /projects/{name} with " + Thousands(sizes.watchers) +
                             " watchers, " + std::to_string(per_second) + " change/s, SQLite";
    Writer writer(server.url(), std::chrono::milliseconds(1000 / per_second));
    WrkResult alone = RunWrk(wrk);
    Watchers watchers(server.port(), sizes.watchers, CurrentVersion(server.url()));
    WrkResult watched = RunWrk(wrk);
    const int served = watchers.Served();
    if (served < sizes.watchers) {
      report.AddError(name,
                      std::to_string(sizes.watchers - served) + " watchers received no event");
      continue;
    }
    const double ratio = watched.requests_per_second / alone.requests_per_second;
    report.Add({name, Rate(watched), Rate(alone) + " without watchers",
                Ratio(watched.requests_per_second, alone.requests_per_second),
                "≥ 0.80× without, every watcher served",
                PassIf(ratio >= kTargetRatio && watched.socket_errors == 0)});
  }
}

}  // namespace cara::bench
