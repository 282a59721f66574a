#include "api/port_mapping.h"

namespace cara::api {

std::string PortProtocol(const PortMapping& port) {
  return port.protocol.empty() ? "tcp" : port.protocol;
}

bool IsWildcardHostIp(const std::string& host_ip) {
  return host_ip.empty() || host_ip == "0.0.0.0";
}

bool PublishedPortsClash(const PortMapping& a, const PortMapping& b) {
  if (a.host_port == 0 || a.host_port != b.host_port || PortProtocol(a) != PortProtocol(b))
    return false;
  return a.host_ip == b.host_ip || IsWildcardHostIp(a.host_ip) || IsWildcardHostIp(b.host_ip);
}

std::string FormatPortMapping(const PortMapping& port) {
  std::string text;
  if (!port.host_ip.empty()) {
    bool v6 = port.host_ip.find(':') != std::string::npos;
    text += v6 ? "[" + port.host_ip + "]:" : port.host_ip + ":";
  }
  if (port.host_port != 0) text += std::to_string(port.host_port) + ":";
  return text + std::to_string(port.container_port) + "/" + PortProtocol(port);
}

}  // namespace cara::api
