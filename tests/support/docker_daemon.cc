#include "support/docker_daemon.h"

#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <vector>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "net/percent_encoding.h"
#include "support/crash_watchdog.h"
#include "support/process.h"

namespace cara::testing {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;
using Argv = std::vector<std::string>;

[[noreturn]] void Fail(const std::string& message) {
  throw std::runtime_error("test Docker daemon: " + message);
}

std::string Tail(const std::string& path, size_t max_bytes = 4000) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  std::string s = ss.str();
  return s.size() > max_bytes ? s.substr(s.size() - max_bytes) : s;
}

std::string FindDockerd() {
  for (const char* p : {"/usr/sbin/dockerd", "/usr/bin/dockerd", "/usr/local/bin/dockerd"}) {
    if (::access(p, X_OK) == 0) return p;
  }
  Fail("no dockerd in /usr/sbin, /usr/bin or /usr/local/bin (apt-get install docker.io)");
}

// Runs argv to completion; stdout is returned, stderr goes to `log_path`.
std::string RunOrFail(const Argv& argv, const std::string& work_dir, const std::string& log_path) {
  const std::string out_path = work_dir + "/run.out";
  int code = WaitForExit(SpawnProcess(argv, out_path, log_path));
  std::ifstream in(out_path);
  std::stringstream ss;
  ss << in.rdbuf();
  if (code != 0) Fail(argv[0] + " exited with " + std::to_string(code) + ":\n" + Tail(log_path));
  return ss.str();
}

std::string Encode(std::string_view s) { return net::PercentEncode(s); }

// Mount points below `dir`, deepest first (dockerd leaves shm tmpfs mounts
// under data/containers/*/mounts if it dies without cleaning up).
std::vector<std::string> MountsUnder(const std::string& dir) {
  std::vector<std::string> mounts;
  std::ifstream in("/proc/self/mounts");
  std::string device, point, rest;
  while (in >> device >> point && std::getline(in, rest)) {
    if (point.rfind(dir + "/", 0) == 0) mounts.push_back(point);
  }
  std::sort(mounts.rbegin(), mounts.rend());
  return mounts;
}

}  // namespace

struct DockerDaemon::Impl {
  std::string socket;
  bool external = false;
  std::mutex mu;
  bool stopped = false;
  bool image_ready = false;

  // Only for a daemon we started.
  std::string dir, log;
  pid_t pid = -1;
  CrashWatchdog watchdog;

  std::unique_ptr<httplib::Client> Client(time_t read_timeout_sec = 60) const {
    auto cli = std::make_unique<httplib::Client>(socket);
    cli->set_address_family(AF_UNIX);
    cli->set_default_headers({{"Host", "localhost"}});  // dockerd rejects the socket path
    cli->set_read_timeout(read_timeout_sec, 0);
    return cli;
  }

  bool Ping() const {
    auto res = Client(5)->Get("/_ping");
    return res && res->status == 200;
  }

  void StartLocal();
  void StartWatchdog();
  void StopLocal();
  void RemoveAllContainersAndNetworks();
};

void DockerDaemon::Impl::StartLocal() {
  const std::string dockerd = FindDockerd();
  // Short on purpose: the socket path must fit sun_path (108 bytes) and so
  // must containerd's socket below exec/.
  std::string tmpl = "/tmp/cara-dk-XXXXXX";
  if (::mkdtemp(tmpl.data()) == nullptr) Fail(std::string("mkdtemp: ") + std::strerror(errno));
  dir = tmpl;
  socket = dir + "/docker.sock";
  log = dir + "/dockerd.log";
  // A system containerd at /run/containerd would be shared by every daemon;
  // private namespaces keep their containers apart (without one, each dockerd
  // starts its own containerd under exec/ anyway).
  const std::string ns = "cara-test-" + fs::path(dir).filename().string().substr(8);
  Argv argv = {dockerd, "--data-root=" + dir + "/data", "--exec-root=" + dir + "/exec",
               "--pidfile=" + dir + "/docker.pid", "--host=unix://" + socket,
               "--storage-driver=vfs", "--iptables=false", "--ip-masq=false", "--bridge=none",
               "--containerd-namespace=" + ns, "--containerd-plugins-namespace=" + ns + "-plugins",
               // Containers left running at exit must not hold up the stop.
               "--shutdown-timeout=2"};
  pid = SpawnProcess(argv, log, log);
  StartWatchdog();  // from here on a crash of this process still cleans up

  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (!Ping()) {
    int status = 0;
    if (::waitpid(pid, &status, WNOHANG) == pid) {
      pid = -1;
      Fail("dockerd exited during startup:\n" + Tail(log));
    }
    if (std::chrono::steady_clock::now() > deadline) {
      Fail("dockerd did not answer /_ping on " + socket + " within 60 s:\n" + Tail(log));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

// A child process that outlives a crash or SIGKILL of the test binary: when
// the pipe closes without the "done" byte it stops dockerd (and its
// containerd) and removes the directory, so no stray daemon keeps running on
// a shared machine. Removing the daemon's networks first (see
// RemoveAllContainersAndNetworks) needs the docker CLI, so it is best effort.
void DockerDaemon::Impl::StartWatchdog() {
  std::string cleanup = R"(
    if command -v docker >/dev/null; then
      ids=$(timeout 20 docker -H unix://@SOCK@ ps -aq 2>/dev/null)
      [ -n "$ids" ] && timeout 20 docker -H unix://@SOCK@ rm -f $ids >/dev/null 2>&1
      timeout 20 docker -H unix://@SOCK@ network prune -f >/dev/null 2>&1
    fi
    kill -TERM @PID@ 2>/dev/null
    i=0
    while kill -0 @PID@ 2>/dev/null && [ $i -lt 200 ]; do sleep 0.1; i=$((i+1)); done
    kill -KILL @PID@ 2>/dev/null
    c=@DIR@/exec/containerd/containerd.pid
    [ -f $c ] && kill -KILL $(cat $c) 2>/dev/null
    grep ' @DIR@/' /proc/self/mounts | cut -d' ' -f2 | sort -r | while read m; do umount -l "$m"; done
    rm -rf @DIR@
  )";
  auto substitute = [&](const std::string& token, const std::string& value) {
    for (size_t at; (at = cleanup.find(token)) != std::string::npos;) {
      cleanup.replace(at, token.size(), value);
    }
  };
  substitute("@SOCK@", socket);
  substitute("@PID@", std::to_string(pid));
  substitute("@DIR@", dir);
  watchdog.Arm(cleanup);
}

// Force-removing is much quicker than letting dockerd stop each container
// on shutdown, and it releases the containers' mounts. User-defined networks
// go too: dockerd keeps their br-* interfaces (and host routes) in the host
// when it stops, and later daemons would have to pick around their subnets.
void DockerDaemon::Impl::RemoveAllContainersAndNetworks() {
  auto cli = Client(30);
  auto res = cli->Get("/v1.41/containers/json?all=1");
  if (!res || res->status != 200) return;
  json list = json::parse(res->body, nullptr, false);
  if (!list.is_array()) return;
  for (const json& c : list) {
    if (c.contains("Id") && c["Id"].is_string()) {
      cli->Delete("/v1.41/containers/" + c["Id"].get<std::string>() + "?force=true&v=true");
    }
  }
  res = cli->Get("/v1.41/networks");
  if (!res || res->status != 200) return;
  json nets = json::parse(res->body, nullptr, false);
  if (!nets.is_array()) return;
  for (const json& n : nets) {
    std::string name = n.value("Name", "");
    if (name == "bridge" || name == "host" || name == "none" || !n.contains("Id")) continue;
    cli->Delete("/v1.41/networks/" + n["Id"].get<std::string>());
  }
}

void DockerDaemon::Impl::StopLocal() {
  if (pid > 0) {
    RemoveAllContainersAndNetworks();
    ::kill(pid, SIGTERM);
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    int status = 0;
    pid_t r;
    while ((r = ::waitpid(pid, &status, WNOHANG)) == 0 &&
           std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    if (r == 0) {
      ::kill(pid, SIGKILL);
      WaitForExit(pid);
    }
    pid = -1;
  }
  // dockerd stops its containerd, unless it was killed.
  std::ifstream containerd_pid(dir + "/exec/containerd/containerd.pid");
  if (long cpid = 0; containerd_pid >> cpid && cpid > 1 && ::kill(cpid, 0) == 0) {
    ::kill(static_cast<pid_t>(cpid), SIGKILL);
  }
  for (const std::string& m : MountsUnder(dir)) ::umount2(m.c_str(), MNT_DETACH);
  std::error_code ec;
  fs::remove_all(dir, ec);  // vfs layers are plain directories: a copy per layer
  watchdog.Disarm();
}

DockerDaemon& DockerDaemon::Shared() {
  static DockerDaemon daemon;  // thread-safe; a throwing start is retried next call
  return daemon;
}

DockerDaemon::DockerDaemon() : impl_(new Impl) {
  // Writes to a socket dockerd closed must be errors, not a fatal SIGPIPE.
  ::signal(SIGPIPE, SIG_IGN);
  try {
    const char* host = std::getenv("CARA_TEST_DOCKER_HOST");
    if (host != nullptr && *host != '\0') {
      std::string h = host;
      if (h.rfind("unix://", 0) == 0) h = h.substr(7);
      if (h.empty() || h.front() != '/') {
        Fail("CARA_TEST_DOCKER_HOST must be unix:///path or a socket path, got " +
             std::string(host));
      }
      impl_->external = true;
      impl_->socket = h;
      if (!impl_->Ping()) Fail("CARA_TEST_DOCKER_HOST=" + std::string(host) + " does not answer");
    } else {
      impl_->StartLocal();
    }
  } catch (...) {
    if (!impl_->external && !impl_->dir.empty()) impl_->StopLocal();
    delete impl_;
    throw;
  }
}

DockerDaemon::~DockerDaemon() {
  Stop();
  delete impl_;
}

std::string DockerDaemon::endpoint() const { return "unix://" + impl_->socket; }
const std::string& DockerDaemon::socket_path() const { return impl_->socket; }
bool DockerDaemon::external() const { return impl_->external; }

void DockerDaemon::Pause() {
  if (impl_->external || impl_->pid <= 0) Fail("cannot pause a daemon this process did not start");
  if (::kill(impl_->pid, SIGSTOP) != 0) Fail(std::string("SIGSTOP: ") + std::strerror(errno));
}

void DockerDaemon::Resume() {
  if (impl_->external || impl_->pid <= 0) Fail("cannot resume a daemon this process did not start");
  if (::kill(impl_->pid, SIGCONT) != 0) Fail(std::string("SIGCONT: ") + std::strerror(errno));
}

std::string DockerDaemon::UniqueName(const std::string& prefix) {
  static std::atomic<int> counter{0};
  return prefix + "-" + std::to_string(::getpid()) + "-" + std::to_string(++counter);
}

DockerDaemon::Reply DockerDaemon::Request(const std::string& method, const std::string& path,
                                          const std::string& json_body) {
  auto cli = impl_->Client();
  httplib::Request req;
  req.method = method;
  req.path = path;
  req.set_header("Host", "localhost");
  if (!json_body.empty()) {
    req.body = json_body;
    req.set_header("Content-Type", "application/json");
  }
  httplib::Response res;
  httplib::Error error = httplib::Error::Success;
  if (!cli->send(req, res, error)) return {0, "transport error " + httplib::to_string(error)};
  return {res.status, res.body};
}

namespace {

// The image serves kTestPage on port 80. httpd does not run as PID 1: PID 1
// ignores SIGTERM unless it handles it, and then every `docker stop` (each
// project deletion and recreation in the tests) would wait out the 10 s
// grace period. The shell traps TERM and exits at once.
const std::vector<std::string> kTestImageCmd = {
    "sh", "-c", "trap 'exit 0' TERM; httpd -f -p 80 -h /www & wait"};

}  // namespace

void DockerDaemon::EnsureTestImage() {
  std::lock_guard<std::mutex> lock(impl_->mu);
  if (impl_->image_ready) return;
  auto cli = impl_->Client(120);
  const std::string inspect = std::string("/v1.41/images/") + kTestImage + "/json";
  if (auto res = cli->Get(inspect); res && res->status == 200) {
    // An image imported by an older test build (another command) is replaced.
    auto info = nlohmann::json::parse(res->body, nullptr, false);
    auto cmd = nlohmann::json::json_pointer("/Config/Cmd");
    if (info.is_object() && info.contains(cmd) && info[cmd] == nlohmann::json(kTestImageCmd)) {
      impl_->image_ready = true;
      return;
    }
  }

  // The rootfs: a static busybox and a symlink per applet.
  std::string tmpl = "/tmp/cara-img-XXXXXX";
  if (::mkdtemp(tmpl.data()) == nullptr) Fail(std::string("mkdtemp: ") + std::strerror(errno));
  const std::string work = tmpl;
  struct Cleanup {
    std::string dir;
    ~Cleanup() {
      std::error_code ec;
      fs::remove_all(dir, ec);
    }
  } cleanup{work};
  const std::string root = work + "/root";
  const std::string log = work + "/build.log";
  const std::string busybox = "/bin/busybox";
  if (::access(busybox.c_str(), X_OK) != 0) {
    Fail("no " + busybox + " (apt-get install busybox-static)");
  }
  for (const char* d : {"bin", "etc", "tmp", "www", "proc", "sys", "dev", "root", "var"}) {
    fs::create_directories(root + "/" + d);
  }
  fs::permissions(root + "/tmp", fs::perms::all | fs::perms::sticky_bit);
  fs::copy_file(busybox, root + "/bin/busybox");
  fs::permissions(root + "/bin/busybox", fs::perms::owner_all | fs::perms::group_read |
                                             fs::perms::group_exec | fs::perms::others_read |
                                             fs::perms::others_exec);
  // Only the applets tests need: vfs copies every file of the image twice
  // per container (init and rw layer), and with all ~400 applet links a
  // create took ~450 ms instead of ~100 ms. Any other applet still runs as
  // `busybox <applet>`.
  const std::string available = RunOrFail({busybox, "--list"}, work, log);
  for (const char* applet :
       {"[",     "ash",    "awk",     "basename", "cat",   "chmod",   "cp",       "cut",
        "date",  "df",     "dirname", "du",       "echo",  "env",     "expr",     "false",
        "find",  "grep",   "head",    "hostname", "httpd", "id",      "ifconfig", "ip",
        "kill",  "ln",     "ls",      "mkdir",    "mv",    "nc",      "netstat",  "nslookup",
        "od",    "printf", "ps",      "pwd",      "rm",    "sed",     "seq",      "sh",
        "sleep", "sort",   "tail",    "tee",      "test",  "timeout", "touch",    "tr",
        "true",  "uname",  "wc",      "wget",     "xargs", "yes"}) {
    if (("\n" + available).find("\n" + std::string(applet) + "\n") == std::string::npos) {
      Fail(std::string("busybox at ") + busybox + " has no applet " + applet);
    }
    fs::create_symlink("busybox", root + "/bin/" + applet);
  }
  std::ofstream(root + "/etc/passwd") << "root:x:0:0:root:/root:/bin/sh\n"
                                         "nobody:x:65534:65534:nobody:/:/bin/false\n";
  std::ofstream(root + "/etc/group") << "root:x:0:\nnogroup:x:65534:\n";
  std::ofstream(root + "/www/index.html") << kTestPage;

  const std::string tar_path = work + "/image.tar";
  RunOrFail({"/usr/bin/tar", "--numeric-owner", "--owner=0", "--group=0", "-C", root, "-cf",
             tar_path, "."},
            work, log);
  std::ifstream in(tar_path, std::ios::binary);
  std::string tar((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());

  // `docker import` through the Engine API: the tar is the request body.
  const std::string path = "/v1.41/images/create?fromSrc=-&repo=cara/busybox&tag=test&changes=" +
                           Encode("CMD " + nlohmann::json(kTestImageCmd).dump());
  auto res = cli->Post(path, tar, "application/x-tar");
  if (!res) Fail("image import: transport error " + httplib::to_string(res.error()));
  if (res->status != 200) {
    Fail("image import: HTTP " + std::to_string(res->status) + ": " + res->body);
  }
  if (res->body.find("\"error") != std::string::npos) Fail("image import: " + res->body);
  if (auto check = cli->Get(inspect); !check || check->status != 200) {
    Fail(std::string("image import: ") + kTestImage + " missing afterwards");
  }
  impl_->image_ready = true;
}

void DockerDaemon::Stop() {
  std::lock_guard<std::mutex> lock(impl_->mu);
  if (impl_->stopped) return;
  impl_->stopped = true;
  if (!impl_->external) impl_->StopLocal();
}

}  // namespace cara::testing
