// DockerClient: container create, start, stop, remove, inspect and list.
#include <algorithm>
#include <ctime>

#include <nlohmann/json.hpp>

#include "agent/docker_client.h"
#include "agent/docker_transport.h"
#include "agent/docker_wire.h"
#include "common/log.h"

namespace cara::agent {
namespace {

using json = nlohmann::json;

// Stop waits for the container's grace period before answering.
constexpr time_t kStopExtraReadTimeoutSec = 60;

std::string PortKey(const PortSpec& port) {
  return std::to_string(port.container_port) + "/" + port.protocol;
}

// Config.ExposedPorts for every port, HostConfig.PortBindings for the
// published ones.
void AddPorts(const std::vector<PortSpec>& ports, json& body, json& host_config) {
  if (ports.empty()) return;
  json exposed = json::object();
  json bindings = json::object();
  for (const PortSpec& port : ports) {
    exposed[PortKey(port)] = json::object();
    if (port.host_port <= 0) continue;
    json& list = bindings[PortKey(port)];
    if (!list.is_array()) list = json::array();
    list.push_back({{"HostIp", port.host_ip}, {"HostPort", std::to_string(port.host_port)}});
  }
  body["ExposedPorts"] = std::move(exposed);
  if (!bindings.empty()) host_config["PortBindings"] = std::move(bindings);
}

json HealthcheckBody(const HealthcheckSpec& hc) {
  json test = json::array({"CMD"});
  for (const auto& word : hc.command) test.push_back(word);
  json out = {{"Test", std::move(test)}};
  if (hc.interval_ns > 0) out["Interval"] = hc.interval_ns;
  if (hc.timeout_ns > 0) out["Timeout"] = hc.timeout_ns;
  if (hc.start_period_ns > 0) out["StartPeriod"] = hc.start_period_ns;
  if (hc.retries > 0) out["Retries"] = hc.retries;
  return out;
}

json CreateBody(const ContainerSpec& spec) {
  json env = spec.env;
  for (const auto& e : spec.secret_env) env.push_back(e);
  json body = {{"Image", spec.image}, {"Env", std::move(env)}, {"Labels", spec.labels}};
  if (!spec.command.empty()) body["Cmd"] = spec.command;
  // No RestartPolicy: restarts are the agent's decision, not the engine's.
  json host_config = {{"Binds", spec.binds}};
  if (!spec.network.empty()) {
    // NetworkMode too, as the docker CLI does: with only EndpointsConfig,
    // Docker would also attach the container to its default network.
    host_config["NetworkMode"] = spec.network;
    body["NetworkingConfig"] = {
        {"EndpointsConfig", {{spec.network, {{"Aliases", spec.network_aliases}}}}}};
  }
  AddPorts(spec.ports, body, host_config);
  if (spec.nano_cpus > 0) host_config["NanoCpus"] = spec.nano_cpus;
  if (spec.memory_bytes > 0) host_config["Memory"] = spec.memory_bytes;
  if (spec.healthcheck) body["Healthcheck"] = HealthcheckBody(*spec.healthcheck);
  body["HostConfig"] = std::move(host_config);
  return body;
}

ContainerInfo ContainerInfoFrom(const json& j) {
  ContainerInfo info;
  info.id = StringField(j, "Id");
  info.name = StripSlash(StringField(j, "Name"));
  const json state = j.value("State", json::object());
  info.state = StringField(state, "Status");
  if (auto it = state.find("ExitCode"); it != state.end() && it->is_number_integer()) {
    info.exit_code = it->get<int>();
  }
  info.health = StringField(state.value("Health", json::object()), "Status");
  info.started_at = StringField(state, "StartedAt");
  info.finished_at = StringField(state, "FinishedAt");
  const json config = j.value("Config", json::object());
  info.image = StringField(config, "Image");
  if (auto it = config.find("Tty"); it != config.end() && it->is_boolean()) {
    info.tty = it->get<bool>();
  }
  if (auto it = config.find("Labels"); it != config.end()) info.labels = LabelsFrom(*it);
  const json settings = j.value("NetworkSettings", json::object());
  if (auto nets = settings.find("Networks"); nets != settings.end() && nets->is_object()) {
    for (const auto& [net, endpoint] : nets->items()) {
      std::string ip = StringField(endpoint, "IPAddress");
      if (!ip.empty()) info.ip_by_network[net] = ip;
    }
  }
  return info;
}

ContainerSummary ContainerSummaryFrom(const json& c) {
  ContainerSummary s;
  s.id = StringField(c, "Id");
  if (auto it = c.find("Names");
      it != c.end() && it->is_array() && !it->empty() && it->front().is_string()) {
    s.name = StripSlash(it->front().get<std::string>());
  }
  s.image = StringField(c, "Image");
  s.state = StringField(c, "State");
  if (auto it = c.find("Labels"); it != c.end()) s.labels = LabelsFrom(*it);
  return s;
}

}  // namespace

Result<std::string> DockerClient::CreateContainer(const ContainerSpec& spec) {
  return Guarded("create container", [&]() -> Result<std::string> {
    std::string path = "/containers/create";
    if (!spec.name.empty()) path += "?name=" + QueryEncode(spec.name);
    Result<json> j = transport_->CallJson("POST", path, CreateBody(spec).dump());
    if (!j.ok()) return j.status();
    std::string id = StringField(*j, "Id");
    if (id.empty()) return Status::Internal("Docker created a container but sent no Id");
    if (auto it = j->find("Warnings"); it != j->end() && it->is_array() && !it->empty()) {
      LOG_WARN("docker create warnings").Kv("container", spec.name).Kv("warnings", it->dump());
    }
    return id;
  });
}

Status DockerClient::StartContainer(const std::string& name_or_id) {
  return Guarded("start container", [&]() -> Status {
    Result<DockerReply> reply =
        transport_->Call("POST", "/containers/" + PathEncode(name_or_id) + "/start");
    if (!reply.ok()) return reply.status();
    return CheckReply(*reply, /*not_modified_ok=*/true);
  });
}

Status DockerClient::StopContainer(const std::string& name_or_id, int timeout_seconds) {
  return Guarded("stop container", [&]() -> Status {
    int t = std::max(0, timeout_seconds);
    Result<DockerReply> reply = transport_->Call(
        "POST", "/containers/" + PathEncode(name_or_id) + "/stop?t=" + std::to_string(t), "",
        kStopExtraReadTimeoutSec + t);
    if (!reply.ok()) return reply.status();
    return CheckReply(*reply, /*not_modified_ok=*/true);
  });
}

Status DockerClient::RemoveContainer(const std::string& name_or_id, bool force) {
  return Guarded("remove container", [&]() -> Status {
    // v=false: named volumes outlive their containers; anonymous ones are
    // not used by the agent.
    Result<DockerReply> reply =
        transport_->Call("DELETE", "/containers/" + PathEncode(name_or_id) +
                                       "?force=" + (force ? "true" : "false") + "&v=false");
    if (!reply.ok()) return reply.status();
    return CheckReply(*reply);
  });
}

Result<ContainerInfo> DockerClient::InspectContainer(const std::string& name_or_id) {
  return Guarded("inspect container", [&]() -> Result<ContainerInfo> {
    Result<json> j = transport_->CallJson("GET", "/containers/" + PathEncode(name_or_id) + "/json");
    if (!j.ok()) return j.status();
    return ContainerInfoFrom(*j);
  });
}

Result<std::vector<ContainerSummary>> DockerClient::ListContainers(const Labels& label_filter) {
  return Guarded("list containers", [&]() -> Result<std::vector<ContainerSummary>> {
    Result<json> j =
        transport_->CallJson("GET", WithLabelFilter("/containers/json?all=1", label_filter));
    if (!j.ok()) return j.status();
    std::vector<ContainerSummary> out;
    if (!j->is_array()) return out;
    for (const json& c : *j) out.push_back(ContainerSummaryFrom(c));
    return out;
  });
}

}  // namespace cara::agent
