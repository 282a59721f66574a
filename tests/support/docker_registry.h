// A real private Docker registry (docker/distribution's `docker-registry`)
// for pull tests: a free loopback port, htpasswd (bcrypt) basic auth for one
// user, storage and config in a temp dir. Docker treats 127.0.0.0/8
// registries as insecure (plain HTTP) by default, so the private dockerd
// pulls from it without TLS. Stopped, with its directory removed, when the
// object goes away (a watchdog does the same if the test binary dies).
// Failing to start is a test failure (an exception), never a skip.
#pragma once

#include <memory>
#include <string>

namespace cara::testing {

class DockerDaemon;

class DockerRegistry {
 public:
  DockerRegistry(std::string username = "cara-puller", std::string password = "pull-s3cret");
  ~DockerRegistry();
  DockerRegistry(const DockerRegistry&) = delete;
  DockerRegistry& operator=(const DockerRegistry&) = delete;

  // "127.0.0.1:<port>": the registry part of an image reference.
  std::string host() const;
  const std::string& username() const { return username_; }
  const std::string& password() const { return password_; }

  // Tags `source_image` (present on `daemon`) as host()/repository:tag,
  // pushes it with this registry's credentials and removes the local tag, so
  // a pull of the returned reference must come from the registry. Throws on
  // failure.
  std::string Push(DockerDaemon& daemon, const std::string& source_image,
                   const std::string& repository, const std::string& tag = "v1");

 private:
  struct Impl;
  std::string username_;
  std::string password_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace cara::testing
