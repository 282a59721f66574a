// ReadGitSource against real repositories made with the git CLI: a local path,
// a file:// URL (cached bare clone, fetched on every read) and git:// served by
// `git daemon` on loopback.
#include "gitops/git_source.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pwd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "support/git_repo.h"
#include "support/process.h"
#include "support/temp_dir.h"

namespace {

namespace fs = std::filesystem;
using cara::gitops::GitSnapshot;
using cara::gitops::GitSourceOptions;
using cara::gitops::ReadGitSource;
using cara::testing::BackgroundProcess;
using cara::testing::FreeLoopbackPort;
using cara::testing::Git;
using cara::testing::GitBinary;
using cara::testing::RunProcess;
using cara::testing::TempDir;

GitSourceOptions Options(std::string repo, std::string ref = "", std::string path = "",
                         std::string cache_dir = "") {
  GitSourceOptions o;
  o.repo = std::move(repo);
  o.ref = std::move(ref);
  o.path = std::move(path);
  o.cache_dir = std::move(cache_dir);
  return o;
}

void WriteFile(const fs::path& p, const std::string& text) {
  fs::create_directories(p.parent_path());
  std::ofstream(p) << text;
}

// A repository with manifests, a non-manifest file in the manifest folder,
// and files outside it. Returns the SHA of the first commit.
std::string MakeRepo(const std::string& dir) {
  fs::create_directories(dir);
  Git(dir, {"init", "-q"});
  WriteFile(fs::path(dir) / "manifests/projects/web.yaml", "kind: Project\nname: web\n");
  WriteFile(fs::path(dir) / "manifests/nodes/n1.yml", "kind: Node\nname: n1\n");
  WriteFile(fs::path(dir) / "manifests/extra.json", "{\"kind\": \"Project\"}\n");
  WriteFile(fs::path(dir) / "manifests/notes.txt", "not a manifest\n");
  WriteFile(fs::path(dir) / "README.md", "# readme\n");
  WriteFile(fs::path(dir) / "root.yaml", "kind: Node\nname: root\n");
  Git(dir, {"add", "-A"});
  Git(dir, {"commit", "-q", "-m", "first"});
  return Git(dir, {"rev-parse", "HEAD"});
}

std::vector<std::string> Paths(const GitSnapshot& s) {
  std::vector<std::string> out;
  for (const auto& f : s.files) out.push_back(f.path);
  return out;
}

bool WaitForPort(int port) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (std::chrono::steady_clock::now() < deadline) {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
    ::close(fd);
    if (ok) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

}  // namespace

TEST_CASE("a local repository is read at HEAD with manifests only, sorted", "[gitops]") {
  TempDir tmp;
  std::string repo = tmp.path() + "/repo";
  std::string sha = MakeRepo(repo);

  auto snap = ReadGitSource(Options(repo));
  INFO(snap.status().ToString());
  REQUIRE(snap.ok());
  CHECK(snap->commit == sha);
  CHECK(Paths(*snap) == std::vector<std::string>{"manifests/extra.json", "manifests/nodes/n1.yml",
                                                 "manifests/projects/web.yaml", "root.yaml"});
  CHECK(snap->files[2].text == "kind: Project\nname: web\n");
}

TEST_CASE("a subdirectory path limits the files and keeps repo-relative paths", "[gitops]") {
  TempDir tmp;
  std::string repo = tmp.path() + "/repo";
  MakeRepo(repo);

  for (std::string path : {"manifests", "./manifests/", "/manifests"}) {
    auto snap = ReadGitSource(Options(repo, "", path));
    INFO(path << ": " << snap.status().ToString());
    REQUIRE(snap.ok());
    CHECK(Paths(*snap) == std::vector<std::string>{"manifests/extra.json", "manifests/nodes/n1.yml",
                                                   "manifests/projects/web.yaml"});
  }
  auto nested = ReadGitSource(Options(repo, "", "manifests/projects"));
  REQUIRE(nested.ok());
  CHECK(Paths(*nested) == std::vector<std::string>{"manifests/projects/web.yaml"});
}

TEST_CASE("a local ref may be a branch, a tag or a commit SHA", "[gitops]") {
  TempDir tmp;
  std::string repo = tmp.path() + "/repo";
  std::string first = MakeRepo(repo);
  Git(repo, {"tag", "-a", "v1", "-m", "v1"});  // annotated: must peel to the commit
  Git(repo, {"checkout", "-q", "-b", "feature"});
  WriteFile(fs::path(repo) / "manifests/projects/api.yaml", "kind: Project\nname: api\n");
  Git(repo, {"add", "-A"});
  Git(repo, {"commit", "-q", "-m", "feature"});
  std::string feature = Git(repo, {"rev-parse", "HEAD"});
  Git(repo, {"checkout", "-q", "main"});

  auto head = ReadGitSource(Options(repo));
  REQUIRE(head.ok());
  CHECK(head->commit == first);

  auto branch = ReadGitSource(Options(repo, "feature"));
  REQUIRE(branch.ok());
  CHECK(branch->commit == feature);
  CHECK(branch->files.size() == 5);

  auto tag = ReadGitSource(Options(repo, "v1"));
  REQUIRE(tag.ok());
  CHECK(tag->commit == first);

  auto sha = ReadGitSource(Options(repo, feature));
  REQUIRE(sha.ok());
  CHECK(sha->commit == feature);
  auto short_sha = ReadGitSource(Options(repo, feature.substr(0, 8)));
  REQUIRE(short_sha.ok());
  CHECK(short_sha->commit == feature);
}

TEST_CASE("a missing ref, path or repository is a clear error", "[gitops]") {
  TempDir tmp;
  std::string repo = tmp.path() + "/repo";
  std::string sha = MakeRepo(repo);

  auto ref = ReadGitSource(Options(repo, "nope"));
  REQUIRE_FALSE(ref.ok());
  CHECK(ref.status().code() == cara::Code::kNotFound);
  CHECK(ref.status().message() == "repository \"" + repo + "\": ref \"nope\" not found");

  auto path = ReadGitSource(Options(repo, "", "sub"));
  REQUIRE_FALSE(path.ok());
  CHECK(path.status().code() == cara::Code::kNotFound);
  CHECK(path.status().message() ==
        "repository \"" + repo + "\": path \"sub\" not found at commit " + sha.substr(0, 7));

  auto file = ReadGitSource(Options(repo, "", "root.yaml"));
  REQUIRE_FALSE(file.ok());
  CHECK_THAT(file.status().message(), Catch::Contains("is not a directory"));

  auto dotdot = ReadGitSource(Options(repo, "", "../x"));
  REQUIRE_FALSE(dotdot.ok());
  CHECK(dotdot.status().code() == cara::Code::kInvalid);

  auto missing = ReadGitSource(Options(tmp.path() + "/nowhere"));
  REQUIRE_FALSE(missing.ok());
  CHECK_THAT(missing.status().message(), Catch::Contains("nowhere"));
}

TEST_CASE("a file URL is cloned bare into the cache and fetched on every read", "[gitops]") {
  TempDir tmp;
  std::string repo = tmp.path() + "/repo";
  std::string cache = tmp.path() + "/cache";
  std::string first = MakeRepo(repo);
  Git(repo, {"tag", "v1"});
  Git(repo, {"branch", "stable"});
  std::string url = "file://" + repo;

  auto snap = ReadGitSource(Options(url, "", "", cache));
  INFO(snap.status().ToString());
  REQUIRE(snap.ok());
  CHECK(snap->commit == first);
  CHECK(snap->files.size() == 4);
  int caches = 0;
  for (const auto& e : fs::directory_iterator(cache)) {
    ++caches;
    CHECK(fs::exists(e.path() / "HEAD"));  // bare: no working tree
    CHECK_FALSE(fs::exists(e.path() / "root.yaml"));
  }
  CHECK(caches == 1);

  // A new commit on the default branch is picked up by the next read.
  WriteFile(fs::path(repo) / "manifests/projects/api.yaml", "kind: Project\nname: api\n");
  Git(repo, {"add", "-A"});
  Git(repo, {"commit", "-q", "-m", "second"});
  std::string second = Git(repo, {"rev-parse", "HEAD"});
  auto again = ReadGitSource(Options(url, "", "manifests/projects", cache));
  INFO(again.status().ToString());
  REQUIRE(again.ok());
  CHECK(again->commit == second);
  CHECK(Paths(*again) ==
        std::vector<std::string>{"manifests/projects/api.yaml", "manifests/projects/web.yaml"});

  // Branch, tag and SHA refs resolve against the fetched refs.
  auto stable = ReadGitSource(Options(url, "stable", "", cache));
  REQUIRE(stable.ok());
  CHECK(stable->commit == first);
  auto on_main = ReadGitSource(Options(url, "main", "", cache));
  REQUIRE(on_main.ok());
  CHECK(on_main->commit == second);
  auto tag = ReadGitSource(Options(url, "v1", "", cache));
  REQUIRE(tag.ok());
  CHECK(tag->commit == first);
  auto sha = ReadGitSource(Options(url, first, "", cache));
  REQUIRE(sha.ok());
  CHECK(sha->commit == first);

  auto nope = ReadGitSource(Options(url, "nope", "", cache));
  REQUIRE_FALSE(nope.ok());
  CHECK(nope.status().message() == "repository \"" + url + "\": ref \"nope\" not found");

  // A deleted branch is pruned from the cache on the next fetch.
  Git(repo, {"branch", "-D", "stable"});
  auto gone = ReadGitSource(Options(url, "stable", "", cache));
  REQUIRE_FALSE(gone.ok());
  CHECK(gone.status().code() == cara::Code::kNotFound);
}

TEST_CASE("a fetch failure is an error, even with a populated cache", "[gitops]") {
  TempDir tmp;
  std::string repo = tmp.path() + "/repo";
  std::string cache = tmp.path() + "/cache";
  MakeRepo(repo);
  std::string url = "file://" + repo;
  REQUIRE(ReadGitSource(Options(url, "", "", cache)).ok());

  fs::rename(repo, tmp.path() + "/moved");
  auto snap = ReadGitSource(Options(url, "", "", cache));
  REQUIRE_FALSE(snap.ok());
  CHECK(snap.status().code() == cara::Code::kUnavailable);
  CHECK_THAT(snap.status().message(),
             Catch::StartsWith("repository \"" + url + "\": fetch failed"));

  auto never = ReadGitSource(Options("file://" + tmp.path() + "/never", "", "", cache));
  REQUIRE_FALSE(never.ok());
}

TEST_CASE("a git URL is fetched from git daemon on loopback", "[gitops]") {
  TempDir tmp;
  std::string base = tmp.path() + "/served";
  std::string repo = base + "/repo";
  std::string cache = tmp.path() + "/cache";
  std::string first = MakeRepo(repo);

  int port = FreeLoopbackPort();
  BackgroundProcess daemon(
      {GitBinary(), "daemon", "--listen=127.0.0.1", "--port=" + std::to_string(port),
       "--export-all", "--base-path=" + base, "--reuseaddr", base},
      {}, tmp.path() + "/daemon.log");
  REQUIRE(WaitForPort(port));
  std::string url = "git://127.0.0.1:" + std::to_string(port) + "/repo";

  auto snap = ReadGitSource(Options(url, "", "manifests", cache));
  INFO(snap.status().ToString());
  REQUIRE(snap.ok());
  CHECK(snap->commit == first);
  CHECK(snap->files.size() == 3);

  WriteFile(fs::path(repo) / "manifests/projects/api.yaml", "kind: Project\nname: api\n");
  Git(repo, {"add", "-A"});
  Git(repo, {"commit", "-q", "-m", "second"});
  auto again = ReadGitSource(Options(url, "", "manifests", cache));
  INFO(again.status().ToString());
  REQUIRE(again.ok());
  CHECK(again->commit == Git(repo, {"rev-parse", "HEAD"}));
  CHECK(again->files.size() == 4);

  auto missing =
      ReadGitSource(Options("git://127.0.0.1:" + std::to_string(port) + "/absent", "", "", cache));
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.status().code() == cara::Code::kUnavailable);
}

// A private sshd on loopback that accepts one client key for the current
// user (the tests run as root in CI; sshd needs that for its privilege
// separation).
class SshServer {
 public:
  explicit SshServer(const std::string& dir) : dir_(dir), port_(FreeLoopbackPort()) {
    fs::create_directories("/run/sshd");
    Keygen(dir + "/host_key");
    Keygen(dir + "/client_key");
    Keygen(dir + "/other_key");
    fs::copy_file(dir + "/client_key.pub", dir + "/authorized_keys");
    std::ofstream(dir + "/sshd_config")
        << "Port " << port_ << "\nListenAddress 127.0.0.1\nHostKey " << dir
        << "/host_key\nAuthorizedKeysFile " << dir << "/authorized_keys\nPidFile " << dir
        << "/sshd.pid\nStrictModes no\nUsePAM no\nPasswordAuthentication no\n"
           "KbdInteractiveAuthentication no\nPermitRootLogin prohibit-password\n";
    daemon_ = std::make_unique<BackgroundProcess>(
        std::vector<std::string>{"/usr/sbin/sshd", "-D", "-e", "-f", dir + "/sshd_config"},
        std::map<std::string, std::string>{}, dir + "/sshd.log");
    REQUIRE(WaitForPort(port_));
  }
  std::string Url(const std::string& path) const {
    return "ssh://" + std::string(getpwuid(getuid())->pw_name) +
           "@127.0.0.1:" + std::to_string(port_) + path;
  }
  std::string key(const std::string& name) const { return dir_ + "/" + name; }
  // A known_hosts line for this server, as ssh-keyscan would print it.
  std::string KnownHostsLine() const {
    std::ifstream in(dir_ + "/host_key.pub");
    std::string type, key;
    in >> type >> key;
    return "[127.0.0.1]:" + std::to_string(port_) + " " + type + " " + key + "\n";
  }
  std::string Log() const {
    std::ifstream in(dir_ + "/sshd.log");
    return std::string(std::istreambuf_iterator<char>(in), {});
  }

 private:
  static void Keygen(const std::string& path) {
    // ECDSA: Debian 12's libssh2 1.10 signs RSA only with SHA-1 (ssh-rsa),
    // which OpenSSH >= 8.8 refuses for host and user keys alike.
    auto r = RunProcess({"/usr/bin/ssh-keygen", "-q", "-t", "ecdsa", "-b", "256", "-m", "PEM", "-N",
                         "", "-f", path});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
  }
  std::string dir_;
  int port_;
  std::unique_ptr<BackgroundProcess> daemon_;
};

TEST_CASE("an ssh URL is fetched with a private key file", "[gitops]") {
  TempDir tmp;
  std::string repo = tmp.path() + "/repo";
  std::string first = MakeRepo(repo);
  SshServer ssh(tmp.path());
  std::string url = ssh.Url(repo);
  // libgit2 checks the host key against ~/.ssh/known_hosts, as git does.
  std::string home = tmp.path() + "/home";
  fs::create_directories(home + "/.ssh");
  const char* old_home = std::getenv("HOME");
  std::string saved_home = old_home != nullptr ? old_home : "";
  setenv("HOME", home.c_str(), 1);
  struct RestoreHome {
    std::string value;
    ~RestoreHome() { setenv("HOME", value.c_str(), 1); }
  } restore{saved_home};

  SECTION("an unknown host key is refused") {
    GitSourceOptions o = Options(url, "", "manifests", tmp.path() + "/cache0");
    o.ssh_key = ssh.key("client_key");
    auto refused = ReadGitSource(o);
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.status().message().find("hostkey") != std::string::npos);
  }
  std::ofstream(home + "/.ssh/known_hosts") << ssh.KnownHostsLine();

  GitSourceOptions o = Options(url, "", "manifests", tmp.path() + "/cache");
  o.ssh_key = ssh.key("client_key");
  auto snap = ReadGitSource(o);
  INFO(snap.status().ToString());
  INFO(ssh.Log());
  REQUIRE(snap.ok());
  CHECK(snap->commit == first);
  CHECK(snap->files.size() == 3);

  // A key the server does not know is an authentication error, not an
  // empty snapshot.
  o.ssh_key = ssh.key("other_key");
  o.cache_dir = tmp.path() + "/cache2";
  auto rejected = ReadGitSource(o);
  REQUIRE_FALSE(rejected.ok());
  CHECK(rejected.status().code() == cara::Code::kUnavailable);
}

TEST_CASE("remote and local repository names are told apart", "[gitops]") {
  using cara::gitops::IsRemoteRepo;
  CHECK(IsRemoteRepo("file:///srv/repo"));
  CHECK(IsRemoteRepo("https://example.com/a/b.git"));
  CHECK(IsRemoteRepo("ssh://git@example.com/a/b.git"));
  CHECK(IsRemoteRepo("git@example.com:a/b.git"));
  CHECK_FALSE(IsRemoteRepo("/srv/repo"));
  CHECK_FALSE(IsRemoteRepo("./repo"));
  CHECK_FALSE(IsRemoteRepo("dir/with:colon"));
}

TEST_CASE("credentials in http URLs never reach messages or ids", "[gitops]") {
  using cara::gitops::RedactUrl;
  CHECK(RedactUrl("https://x-access-token:s3cret@github.com/acme/ops.git") ==
        "https://github.com/acme/ops.git");
  CHECK(RedactUrl("https://s3cret@git.example.com/ops.git") == "https://git.example.com/ops.git");
  CHECK(RedactUrl("https://git.example.com/a@b/ops.git") == "https://git.example.com/a@b/ops.git");
  CHECK(RedactUrl("ssh://git@example.com/ops.git") == "ssh://git@example.com/ops.git");
  CHECK(RedactUrl("/srv/ops") == "/srv/ops");

  auto r = ReadGitSource(
      Options("https://user:s3cret@127.0.0.1:1/none.git", "", "", TempDir().path() + "/cache"));
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().message().find("s3cret") == std::string::npos);
}
