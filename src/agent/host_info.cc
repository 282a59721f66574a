#include "agent/host_info.h"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <sys/statvfs.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <thread>

#include "api/quantity.h"
#include "common/version.h"

namespace cara::agent {
namespace {

int64_t MemTotalBytes() {
  std::ifstream in("/proc/meminfo");
  std::string key;
  int64_t kib = 0;
  std::string unit;
  while (in >> key >> kib >> unit) {
    if (key == "MemTotal:") return kib * 1024;
  }
  return 0;
}

std::string OsPrettyName() {
  std::ifstream in("/etc/os-release");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("PRETTY_NAME=", 0) != 0) continue;
    std::string v = line.substr(12);
    if (v.size() >= 2 && (v.front() == '"' || v.front() == '\'')) v = v.substr(1, v.size() - 2);
    return v;
  }
  return "";
}

std::string Gi(uint64_t bytes) { return std::to_string(bytes >> 30) + "Gi"; }

}  // namespace

void ReadHostResources(const std::string& disk_path, const Reserve& reserve,
                       api::NodeStatus* status) {
  int64_t cpu = static_cast<int64_t>(std::max(1u, std::thread::hardware_concurrency())) * 1000;
  int64_t memory = MemTotalBytes();
  status->capacity["cpu"] = api::FormatMillicores(cpu);
  status->capacity["memory"] = api::FormatMebibytes(memory);
  status->allocatable["cpu"] =
      api::FormatMillicores(std::max<int64_t>(0, cpu - reserve.cpu_millicores));
  status->allocatable["memory"] =
      api::FormatMebibytes(std::max<int64_t>(0, memory - reserve.memory_bytes));
  struct statvfs fs;
  if (::statvfs(disk_path.c_str(), &fs) == 0 || ::statvfs("/", &fs) == 0) {
    status->capacity["disk"] = Gi(uint64_t(fs.f_blocks) * fs.f_frsize);
    status->allocatable["disk"] = Gi(uint64_t(fs.f_bavail) * fs.f_frsize);
  }
  struct utsname u;
  if (::uname(&u) == 0) status->info.kernel_version = std::string(u.sysname) + " " + u.release;
  status->info.os_image = OsPrettyName();
  status->info.agent_version = cara::Version();
}

std::string DefaultAdvertiseIp() {
  // /proc/net/route: the line whose destination is 00000000 names the
  // default route's interface.
  std::ifstream in("/proc/net/route");
  std::string line, iface;
  std::getline(in, line);  // header
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string name, destination;
    fields >> name >> destination;
    if (destination == "00000000") {
      iface = name;
      break;
    }
  }
  std::string ip = "127.0.0.1";
  if (iface.empty()) return ip;
  struct ifaddrs* addrs = nullptr;
  if (getifaddrs(&addrs) != 0) return ip;
  for (auto* a = addrs; a; a = a->ifa_next) {
    if (!a->ifa_addr || a->ifa_addr->sa_family != AF_INET || iface != a->ifa_name) continue;
    char buf[INET_ADDRSTRLEN];
    auto* sin = reinterpret_cast<sockaddr_in*>(a->ifa_addr);
    if (inet_ntop(AF_INET, &sin->sin_addr, buf, sizeof buf)) ip = buf;
    break;
  }
  freeifaddrs(addrs);
  return ip;
}

std::string Hostname() {
  char buf[256] = {};
  if (gethostname(buf, sizeof buf - 1) != 0) return "localhost";
  return buf;
}

}  // namespace cara::agent
