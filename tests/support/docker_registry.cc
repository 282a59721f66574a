#include "support/docker_registry.h"

#include <sys/socket.h>

#include <chrono>
#include <fstream>
#include <stdexcept>
#include <thread>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "security/base64.h"
#include "support/crash_watchdog.h"
#include "support/docker_daemon.h"
#include "support/process.h"
#include "support/temp_dir.h"

namespace cara::testing {
namespace {

using json = nlohmann::json;

[[noreturn]] void Fail(const std::string& message) {
  throw std::runtime_error("test Docker registry: " + message);
}

void WriteFile(const std::string& path, const std::string& text) {
  std::ofstream out(path);
  out << text;
  if (!out.flush()) Fail("cannot write " + path);
}

// The registry answers /v2/ with 401 (auth required) once it listens.
bool Answers(int port) {
  httplib::Client cli("127.0.0.1", port);
  cli.set_connection_timeout(1, 0);
  auto res = cli.Get("/v2/");
  return res && res->status == 401;
}

// Written independently of the agent's encoder on purpose: the fixture is
// the test's own idea of the wire format. base64url with padding, as the
// Engine API decodes it.
std::string AuthHeader(const std::string& username, const std::string& password,
                       const std::string& server) {
  std::string text =
      json{{"username", username}, {"password", password}, {"serveraddress", server}}.dump();
  std::string out = security::EncodeBase64(text);
  for (char& c : out) c = c == '+' ? '-' : c == '/' ? '_' : c;
  return out;
}

std::unique_ptr<httplib::Client> DockerSocketClient(const DockerDaemon& daemon) {
  auto cli = std::make_unique<httplib::Client>(daemon.socket_path());
  cli->set_address_family(AF_UNIX);
  cli->set_default_headers({{"Host", "localhost"}});
  cli->set_read_timeout(120, 0);
  return cli;
}

// The first {"error":..} line of a push's progress stream, or "".
std::string StreamError(const std::string& body) {
  size_t start = 0;
  while (start < body.size()) {
    size_t end = body.find('\n', start);
    if (end == std::string::npos) end = body.size();
    json line = json::parse(body.substr(start, end - start), nullptr, false);
    if (line.is_object() && line.contains("error")) return line["error"].dump();
    start = end + 1;
  }
  return "";
}

}  // namespace

struct DockerRegistry::Impl {
  TempDir dir;
  int port = 0;
  std::unique_ptr<BackgroundProcess> process;
  CrashWatchdog watchdog;
};

DockerRegistry::DockerRegistry(std::string username, std::string password)
    : username_(std::move(username)), password_(std::move(password)), impl_(new Impl) {
  const std::string& dir = impl_->dir.path();
  // bcrypt, the only scheme docker-registry accepts; the password on stdin.
  ProcessResult hash = RunProcess({"/usr/bin/htpasswd", "-Bin", username_}, {}, password_ + "\n");
  if (hash.exit_code != 0) Fail("htpasswd failed (apt-get install apache2-utils): " + hash.err);
  WriteFile(dir + "/htpasswd", hash.out);
  impl_->port = FreeLoopbackPort();
  WriteFile(dir + "/config.yml",
            "version: 0.1\n"
            "log: {level: info}\n"
            "storage:\n  filesystem: {rootdirectory: " +
                dir +
                "/data}\n"
                "http:\n  addr: 127.0.0.1:" +
                std::to_string(impl_->port) +
                "\n"
                "  secret: cara-test-upload-secret\n"
                "auth:\n  htpasswd: {realm: cara-test, path: " +
                dir + "/htpasswd}\n");
  const std::string log = TestLogPath("docker-registry");
  impl_->process = std::make_unique<BackgroundProcess>(
      std::vector<std::string>{"/usr/bin/docker-registry", "serve", dir + "/config.yml"},
      std::map<std::string, std::string>{}, log);
  impl_->watchdog.Arm("kill -9 " + std::to_string(impl_->process->pid()) + "; rm -rf " + dir);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (!Answers(impl_->port)) {
    if (!impl_->process->running()) Fail("docker-registry exited during startup; see " + log);
    if (std::chrono::steady_clock::now() > deadline) {
      Fail("docker-registry did not answer on port " + std::to_string(impl_->port) +
           " within 30 s; see " + log);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

DockerRegistry::~DockerRegistry() {
  impl_->process.reset();  // SIGKILL: nothing of it needs to survive
  impl_->watchdog.Disarm();
}

std::string DockerRegistry::host() const { return "127.0.0.1:" + std::to_string(impl_->port); }

std::string DockerRegistry::Push(DockerDaemon& daemon, const std::string& source_image,
                                 const std::string& repository, const std::string& tag) {
  const std::string name = host() + "/" + repository;
  auto cli = DockerSocketClient(daemon);
  auto tagged = cli->Post("/v1.41/images/" + source_image + "/tag?repo=" + name + "&tag=" + tag, "",
                          "application/json");
  if (!tagged || tagged->status != 201) {
    Fail("tag " + source_image + " as " + name + ":" + tag + ": " +
         (tagged ? tagged->body : httplib::to_string(tagged.error())));
  }
  httplib::Headers auth = {{"X-Registry-Auth", AuthHeader(username_, password_, host())}};
  auto pushed =
      cli->Post("/v1.41/images/" + name + "/push?tag=" + tag, auth, "", "application/json");
  std::string error = !pushed                 ? httplib::to_string(pushed.error())
                      : pushed->status != 200 ? pushed->body
                                              : StreamError(pushed->body);
  // Untagged either way: the next pull must come from the registry.
  auto removed = cli->Delete("/v1.41/images/" + name + ":" + tag);
  if (!error.empty()) Fail("push " + name + ":" + tag + ": " + error);
  if (!removed || removed->status != 200) Fail("remove the local tag " + name + ":" + tag);
  return name + ":" + tag;
}

}  // namespace cara::testing
