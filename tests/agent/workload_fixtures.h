// What the workload tests on a real dockerd share: a service command that
// serves the test page and stops at once, and a host port held by the test.
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "agent/docker_client.h"
#include "support/docker_daemon.h"
#include "support/eventually.h"
#include "support/http_client.h"

namespace cara::testing {

// httpd as PID 1 would ignore SIGTERM; the trap makes stops immediate.
inline constexpr char kServeTestPage[] = "trap 'exit 0' TERM; httpd -f -p 80 -h /www & wait";

// The container's whole log so far (stdout and stderr), "" when it has none.
inline std::string ContainerLogs(agent::DockerClient& docker, const std::string& container) {
  std::string out;
  agent::LogOptions options;
  (void)docker.StreamLogs(container, options, [&](const char* data, size_t size) {
    out.append(data, size);
    return true;
  });
  return out;
}

// A listening socket on 127.0.0.1:port, held for the object's lifetime: a
// host port taken by something that is not Caravanserai.
class HeldPort {
 public:
  explicit HeldPort(int port) : fd_(::socket(AF_INET, SOCK_STREAM, 0)) {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int one = 1;
    ::setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    REQUIRE(::listen(fd_, 1) == 0);
  }
  ~HeldPort() { ::close(fd_); }
  HeldPort(const HeldPort&) = delete;
  HeldPort& operator=(const HeldPort&) = delete;

 private:
  int fd_;
};

// docker inspect of a container on the shared private dockerd.
inline nlohmann::json InspectJson(const std::string& container) {
  auto r = DockerDaemon::Shared().Request("GET", "/v1.41/containers/" + container + "/json");
  REQUIRE(r.status == 200);
  return nlohmann::json::parse(r.body);
}

// The test page answers on 127.0.0.1:host_port, and the container of the
// ports test (port 80 published there, 8081 only exposed; 500m CPU, 64Mi)
// carries that in its HostConfig.
inline void CheckPublishedWithLimits(const std::string& container, int host_port) {
  HttpClient host("http://127.0.0.1:" + std::to_string(host_port));
  HttpResponse page;
  CHECK(Eventually([&] {
    page = host.Get("/");
    return page.status == 200;
  }));
  CHECK(page.body == DockerDaemon::kTestPage);

  nlohmann::json inspect = InspectJson(container);
  CHECK(inspect["HostConfig"]["Memory"] == 64 * 1024 * 1024);
  CHECK(inspect["HostConfig"]["NanoCpus"] == 500000000);
  nlohmann::json bindings = inspect["HostConfig"]["PortBindings"];
  CHECK(bindings["80/tcp"][0]["HostIp"] == "127.0.0.1");
  CHECK(bindings["80/tcp"][0]["HostPort"] == std::to_string(host_port));
  CHECK_FALSE(bindings.contains("8081/tcp"));  // exposed on the project network only
  CHECK(inspect["Config"]["ExposedPorts"].contains("8081/tcp"));
}

}  // namespace cara::testing
