// A real, private Docker daemon for tests: dockerd with its own data root,
// exec root, pidfile and socket under a temp dir (/tmp/cara-dk-XXXXXX), the
// vfs storage driver, no iptables and no default bridge, so that several test
// processes (ctest -j) can each run one side by side. Stopped, with its
// directory removed, at process exit; a watchdog process does the same if the
// test binary dies without cleaning up. If CARA_TEST_DOCKER_HOST is set
// (unix:///path or a socket path), that daemon is used instead and left
// running. Failing to start is a test failure (an exception), never a skip.
#pragma once

#include <string>

namespace cara::testing {

class DockerDaemon {
 public:
  // The image EnsureTestImage() builds: busybox-static with ~50 common
  // applets linked in /bin (sh, httpd, wget, nc, sleep, echo, cat, env, seq,
  // ...; any other runs as `busybox <applet>`), /www/index.html (kTestPage)
  // and a default command `httpd -f -p 80 -h /www`.
  static constexpr const char* kTestImage = "cara/busybox:test";
  static constexpr const char* kTestPage = "cara test page\n";

  // Starts the daemon on first use (thread-safe; a failed start throws and is
  // retried by the next call).
  static DockerDaemon& Shared();

  std::string endpoint() const;  // "unix://<socket>"
  const std::string& socket_path() const;
  bool external() const;

  // Imports kTestImage through the Engine API unless the daemon has it.
  // Idempotent and thread-safe; throws on failure.
  void EnsureTestImage();

  // A name unique to this process and call ("<prefix>-<pid>-<n>"), for
  // containers, networks and volumes on a daemon other processes share.
  static std::string UniqueName(const std::string& prefix);

  // A raw Engine API call for what DockerClient does not offer (e.g. a TTY
  // container). `path` includes the version prefix ("/v1.41/...").
  struct Reply {
    int status = 0;  // 0: transport failure, `body` says why
    std::string body;
  };
  Reply Request(const std::string& method, const std::string& path,
                const std::string& json_body = "");

  // Freezes the daemon (SIGSTOP): its socket still accepts connections but
  // nothing answers, as with a hung engine; Resume() (SIGCONT) thaws it.
  // Only for a daemon this process started: throws for an external one.
  void Pause();
  void Resume();

  // Removes all containers and stops the daemon (also done at exit).
  void Stop();

 private:
  DockerDaemon();
  ~DockerDaemon();
  DockerDaemon(const DockerDaemon&) = delete;
  DockerDaemon& operator=(const DockerDaemon&) = delete;
  struct Impl;
  Impl* impl_;
};

}  // namespace cara::testing
