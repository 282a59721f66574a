// Host port publishing: clashes and the Compose-like rendering
// (api/port_mapping.h).
#include "api/port_mapping.h"

#include <string>

#include <catch2/catch.hpp>

namespace cara::api {
namespace {

TEST_CASE("published ports clash on the same address, port and protocol", "[rules][workload]") {
  auto port = [](int64_t host, const std::string& protocol, const std::string& ip) {
    PortMapping p;
    p.container_port = 80;
    p.host_port = host;
    p.protocol = protocol;
    p.host_ip = ip;
    return p;
  };
  CHECK(PublishedPortsClash(port(8080, "tcp", ""), port(8080, "tcp", "10.0.0.1")));
  CHECK(PublishedPortsClash(port(8080, "tcp", "0.0.0.0"), port(8080, "", "10.0.0.1")));
  CHECK(PublishedPortsClash(port(8080, "udp", "10.0.0.1"), port(8080, "udp", "10.0.0.1")));
  CHECK_FALSE(PublishedPortsClash(port(8080, "tcp", ""), port(8080, "udp", "")));
  CHECK_FALSE(PublishedPortsClash(port(8080, "tcp", "10.0.0.1"), port(8080, "tcp", "10.0.0.2")));
  CHECK_FALSE(PublishedPortsClash(port(8080, "tcp", ""), port(8081, "tcp", "")));
  CHECK_FALSE(PublishedPortsClash(port(0, "tcp", ""), port(0, "tcp", "")));
}

TEST_CASE("port mappings read like Compose's", "[rules][workload]") {
  PortMapping p;
  p.container_port = 80;
  p.protocol = "tcp";
  CHECK(FormatPortMapping(p) == "80/tcp");
  p.host_port = 8080;
  CHECK(FormatPortMapping(p) == "8080:80/tcp");
  p.host_ip = "127.0.0.1";
  p.protocol = "udp";
  CHECK(FormatPortMapping(p) == "127.0.0.1:8080:80/udp");
  p.host_ip = "::1";
  CHECK(FormatPortMapping(p) == "[::1]:8080:80/udp");
}

}  // namespace
}  // namespace cara::api
