#include "agent/project_runtime.h"

#include <algorithm>
#include <functional>
#include <future>
#include <sstream>

#include "agent/config_changes.h"
#include "agent/registry_auth.h"
#include "agent/restart_tracker.h"
#include "agent/service_settings.h"
#include "agent/start_order.h"
#include "api/lifecycle.h"
#include "common/log.h"

namespace cara::agent {

std::string NetworkName(const std::string& project) { return "cara-" + project; }
std::string ContainerName(const std::string& project, const std::string& service) {
  return project + "-" + service;
}
std::string VolumeName(const std::string& project, const std::string& volume) {
  return "cara-" + project + "-" + volume;
}

ContainerSpec ContainerSpecFor(const api::Project& project, const api::ServiceDef& service,
                               const ProjectSecrets& secrets) {
  const std::string& p = project.metadata.name;
  ContainerSpec spec;
  spec.name = ContainerName(p, service.name);
  spec.image = service.image;
  for (const auto& e : service.env) {
    if (!e.value_from) {
      spec.env.push_back(e.name + "=" + e.value.value_or(""));
      continue;
    }
    const api::SecretKeyRef& ref = *e.value_from;
    auto value = secrets.values.find({ref.name, ref.key});
    const std::string& v = value == secrets.values.end() ? "" : value->second;
    spec.secret_env.push_back(e.name + "=" + v);
    spec.secret_digests.push_back(e.name + "=" + SecretValueDigest(ref.name, ref.key, v));
  }
  spec.command = service.command;
  for (const auto& m : service.volume_mounts) {
    spec.binds.push_back(VolumeName(p, m.name) + ":" + m.mount_path);
  }
  spec.labels = {{kLabelProject, p}, {kLabelService, service.name}};
  spec.network = NetworkName(p);
  spec.network_aliases = {service.name};
  spec.ports = PortsFor(service);
  spec.nano_cpus = NanoCpusFor(service);
  spec.memory_bytes = MemoryBytesFor(service);
  spec.healthcheck = HealthcheckFor(service);
  auto restarted = project.metadata.annotations.find(api::kRestartedAtAnnotation);
  if (restarted != project.metadata.annotations.end() && !restarted->second.empty()) {
    spec.labels[kLabelRestartedAt] = restarted->second;
  }
  spec.labels[kLabelConfigHash] = ConfigHash(spec);
  spec.labels[kLabelConfigParts] = ConfigPartsLabel(spec);
  return spec;
}

std::string ConfigHash(const ContainerSpec& spec) {
  // FNV-1a over every field that shapes the container; stable across runs.
  std::ostringstream canon;
  canon << spec.image << '\0';
  for (const auto& e : spec.env) canon << "e" << e << '\0';
  for (const auto& c : spec.command) canon << "c" << c << '\0';
  for (const auto& b : spec.binds) canon << "b" << b << '\0';
  canon << "n" << spec.network << '\0';
  for (const auto& a : spec.network_aliases) canon << "a" << a << '\0';
  // The fields below are added only when set, so that a container created
  // before they existed keeps its hash and is not recreated by an upgrade.
  for (const auto& port : spec.ports) {
    canon << "p" << port.container_port << '/' << port.protocol << '>' << port.host_ip << ':'
          << port.host_port << '\0';
  }
  if (spec.nano_cpus > 0) canon << "l" << spec.nano_cpus << '\0';
  if (spec.memory_bytes > 0) canon << "m" << spec.memory_bytes << '\0';
  if (const auto& hc = spec.healthcheck) {
    canon << "h" << hc->interval_ns << ',' << hc->timeout_ns << ',' << hc->start_period_ns << ','
          << hc->retries << '\0';
    for (const auto& word : hc->command) canon << "t" << word << '\0';
  }
  // Digests only: the hash is a label anyone who can inspect containers reads.
  for (const auto& d : spec.secret_digests) canon << "s" << d << '\0';
  // A label, yet configuration: a new rollout-restart time recreates it.
  if (auto r = spec.labels.find(kLabelRestartedAt); r != spec.labels.end()) {
    canon << "r" << r->second << '\0';
  }
  uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : canon.str()) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

void ProjectRuntime::Event(const std::string& project, const char* type, const char* reason,
                           const std::string& message) const {
  if (events_) events_->Project(project, type, reason, message);
}

Status ProjectRuntime::EnsureImage(const std::string& project, const api::ServiceDef& service,
                                   const ProjectSecrets& secrets) {
  std::string policy = api::EffectivePullPolicy(service);
  Status present = engine_->ImageExists(service.image);
  if (!present.ok() && KindOf(present) != DockerErrorKind::kNotFound) return present;
  if (policy == "Never") {
    if (present.ok()) return Status::Ok();
    return Status::NotFound("image " + service.image +
                            " is not present and imagePullPolicy is Never");
  }
  if (policy == "IfNotPresent" && present.ok()) return Status::Ok();
  const std::string who = service.name + ": ";
  Event(project, api::kEventNormal, api::reason::kPulling, who + "pulling image " + service.image);
  Status pulled =
      engine_->PullImage(service.image, CredentialsFor(service.image, secrets.registries));
  if (pulled.ok()) {
    Event(project, api::kEventNormal, api::reason::kPulled, who + "pulled image " + service.image);
    return pulled;
  }
  if (present.ok()) {
    // Always, but no registry answers: keep running offline on the local copy.
    LOG_WARN("image pull failed; using the local image")
        .Kv("image", service.image)
        .Kv("error", pulled.message());
    return Status::Ok();
  }
  return pulled;
}

Status ProjectRuntime::RemoveOutdated(const ContainerSpec& spec) {
  LOG_INFO("container configuration changed; recreating").Kv("container", spec.name);
  (void)engine_->StopContainer(spec.name, 10);
  Status removed = engine_->RemoveContainer(spec.name, true);
  if (!removed.ok() && KindOf(removed) != DockerErrorKind::kNotFound) {
    return removed.Wrap("remove old container");
  }
  return Status::Ok();
}

Status ProjectRuntime::EnsureContainer(const std::string& project, const std::string& service,
                                       const ContainerSpec& spec,
                                       const std::string& restart_policy) {
  const std::string who = service + ": ";
  auto existing = engine_->InspectContainer(spec.name);
  std::string recreated;  // what changed, when an old container is replaced
  if (existing.ok()) {
    auto hash = existing->labels.find(kLabelConfigHash);
    bool same = hash != existing->labels.end() && hash->second == spec.labels.at(kLabelConfigHash);
    if (same) {
      if (existing->state == "running") return Status::Ok();
      if (PolicyRestarts(restart_policy, existing->state, existing->exit_code)) {
        return Status::Ok();  // restarted after its back-off, by the reconciler
      }
      CARA_RETURN_IF_ERROR(engine_->StartContainer(spec.name).Wrap("start container"));
      Event(project, api::kEventNormal, api::reason::kStarted,
            who + "started container " + spec.name);
      return Status::Ok();
    }
    auto parts = existing->labels.find(kLabelConfigParts);
    recreated = DescribeConfigChange(parts == existing->labels.end() ? "" : parts->second, spec);
    CARA_RETURN_IF_ERROR(RemoveOutdated(spec));
  } else if (KindOf(existing.status()) != DockerErrorKind::kNotFound) {
    return existing.status().Wrap("inspect container");
  }
  auto created = engine_->CreateContainer(spec);
  if (!created.ok()) return created.status().Wrap("create container");
  if (recreated.empty()) {
    Event(project, api::kEventNormal, api::reason::kCreated,
          who + "created container " + spec.name);
  } else {
    Event(project, api::kEventNormal, api::reason::kRecreated, who + recreated);
  }
  CARA_RETURN_IF_ERROR(engine_->StartContainer(spec.name).Wrap("start container"));
  Event(project, api::kEventNormal, api::reason::kStarted, who + "started container " + spec.name);
  return Status::Ok();
}

Status ProjectRuntime::EnsureVolumes(const api::Project& project) {
  const std::string& p = project.metadata.name;
  for (const auto& v : project.spec.volumes) {
    // Labelled so that deleting the project finds them; Persistent ones are
    // marked so that nothing short of that removes them.
    Labels labels = {{kLabelProject, p}};
    if (v.type == api::kVolumePersistent) {
      labels[kLabelPersistent] = "true";
    } else if (v.type != api::kVolumeEphemeral) {
      continue;
    }
    std::string name = VolumeName(p, v.name);
    Status vol = engine_->VolumeExists(name);
    if (KindOf(vol) == DockerErrorKind::kNotFound) vol = engine_->CreateVolume(name, labels);
    if (!vol.ok()) return vol.Wrap("ensure volumes: create volume \"" + name + "\"");
  }
  return Status::Ok();
}

std::optional<EnsureError> ProjectRuntime::EnsureProject(const api::Project& project,
                                                         const ProjectSecrets& secrets,
                                                         std::vector<std::string>* waiting) {
  const std::string& p = project.metadata.name;
  Labels labels = {{kLabelProject, p}};
  Status net = engine_->NetworkExists(NetworkName(p));
  if (KindOf(net) == DockerErrorKind::kNotFound)
    net = engine_->CreateNetwork(NetworkName(p), labels);
  if (!net.ok()) return EnsureError{"ReconcileError", net.Wrap("ensure network: create network")};
  if (Status vol = EnsureVolumes(project); !vol.ok()) return EnsureError{"ReconcileError", vol};
  std::map<std::string, ServiceState> states;
  if (HasDependencies(project.spec)) {
    auto inspected = InspectProject(project);
    if (!inspected.ok()) return EnsureError{"ReconcileError", inspected.status().Wrap("inspect")};
    for (auto& s : *inspected) states[s.service] = std::move(s);
  }
  std::vector<std::string> order = ServicesToStart(project.spec, states);
  std::map<std::string, const api::ServiceDef*> by_name;
  for (const auto& service : project.spec.services) {
    by_name[service.name] = &service;
    if (waiting && std::find(order.begin(), order.end(), service.name) == order.end()) {
      waiting->push_back(service.name);
    }
  }
  for (const std::string& name : order) {
    const api::ServiceDef& service = *by_name.at(name);
    std::string where = "ensure container \"" + service.name + "\"";
    Status image = EnsureImage(p, service, secrets);
    if (!image.ok()) {
      return EnsureError{"ImagePullFailed",
                         image.Wrap(where + ": pull image \"" + service.image + "\"")};
    }
    ContainerSpec spec = ContainerSpecFor(project, service, secrets);
    Status st = EnsureContainer(p, service.name, spec, api::EffectiveRestartPolicy(service));
    if (st.ok()) continue;
    if (auto conflict = PortConflictMessage(service.name, spec, st)) {
      return EnsureError{api::kReasonPortConflict, Status::Conflict(*conflict)};
    }
    return EnsureError{"ReconcileError", st.Wrap(where)};
  }
  return std::nullopt;
}

std::vector<std::string> ProjectRuntime::OutdatedServices(
    const api::Project& project, const ProjectSecrets& secrets,
    const std::vector<ServiceState>& states) const {
  std::vector<std::string> outdated;
  for (size_t i = 0; i < states.size() && i < project.spec.services.size(); ++i) {
    if (states[i].state.empty()) continue;  // missing: not outdated, gone
    ContainerSpec spec = ContainerSpecFor(project, project.spec.services[i], secrets);
    if (states[i].config_hash != spec.labels.at(kLabelConfigHash)) {
      outdated.push_back(states[i].service);
    }
  }
  return outdated;
}

Status ProjectRuntime::StartService(const api::Project& project, const std::string& service) {
  return engine_->StartContainer(ContainerName(project.metadata.name, service));
}

Status ProjectRuntime::RemoveProject(const std::string& project, VolumeRemoval volumes) {
  Labels labels = {{kLabelProject, project}};
  auto containers = engine_->ListContainers(labels);
  if (!containers.ok()) return containers.status().Wrap("list containers");
  // Each container gets its 10 s stop grace period at the same time, not
  // one after another.
  std::vector<std::future<void>> stops;
  for (const auto& c : *containers) {
    stops.push_back(std::async(std::launch::async, [this, c] {
      (void)engine_->StopContainer(c.id, 10);
      Status st = engine_->RemoveContainer(c.id, true);
      if (!st.ok() && KindOf(st) != DockerErrorKind::kNotFound) {
        LOG_WARN("remove container failed").Kv("container", c.name).Kv("error", st.message());
      }
    }));
  }
  for (auto& f : stops) f.get();
  Status net = engine_->RemoveNetwork(NetworkName(project));
  if (!net.ok() && KindOf(net) != DockerErrorKind::kNotFound) {
    LOG_WARN("remove network failed").Kv("project", project).Kv("error", net.message());
  }
  RemoveVolumes(project, volumes);
  return Status::Ok();
}

void ProjectRuntime::RemoveVolumes(const std::string& project, VolumeRemoval which) {
  auto all = engine_->ListVolumes({{kLabelProject, project}});
  if (!all.ok()) return;
  std::set<std::string> keep;
  if (which == VolumeRemoval::kKeepPersistent) {
    auto persistent = engine_->ListVolumes({{kLabelProject, project}, {kLabelPersistent, ""}});
    if (!persistent.ok()) return;  // unsure which hold data: remove none
    keep.insert(persistent->begin(), persistent->end());
  }
  for (const auto& v : *all) {
    if (keep.count(v)) continue;
    Status st = engine_->RemoveVolume(v, false);
    if (!st.ok() && KindOf(st) != DockerErrorKind::kNotFound) {
      LOG_WARN("remove volume failed").Kv("volume", v).Kv("error", st.message());
    }
  }
}

Result<std::vector<ServiceState>> ProjectRuntime::InspectProject(const api::Project& project) {
  std::vector<ServiceState> out;
  for (const auto& service : project.spec.services) {
    ServiceState s;
    s.service = service.name;
    auto info = engine_->InspectContainer(ContainerName(project.metadata.name, service.name));
    if (info.ok()) {
      s.state = info->state;
      s.exit_code = info->exit_code;
      s.health = info->health;
      s.started_at = info->started_at;
      s.finished_at = info->finished_at;
      auto h = info->labels.find(kLabelConfigHash);
      if (h != info->labels.end()) s.config_hash = h->second;
    } else if (KindOf(info.status()) != DockerErrorKind::kNotFound) {
      return info.status();
    }
    out.push_back(std::move(s));
  }
  return out;
}

Result<std::map<std::string, std::string>> ProjectRuntime::ServiceIps(const api::Project& project) {
  std::map<std::string, std::string> ips;
  for (const auto& service : project.spec.services) {
    auto info = engine_->InspectContainer(ContainerName(project.metadata.name, service.name));
    if (!info.ok()) continue;
    auto ip = info->ip_by_network.find(NetworkName(project.metadata.name));
    if (ip != info->ip_by_network.end() && !ip->second.empty()) ips[service.name] = ip->second;
  }
  return ips;
}

Result<std::set<std::string>> ProjectRuntime::ProjectsPresent() {
  std::set<std::string> projects;
  const Labels any_project = {{kLabelProject, ""}};  // "" matches any value
  auto containers = engine_->ListContainers(any_project);
  if (!containers.ok()) return containers.status();
  for (const auto& c : *containers) {
    auto it = c.labels.find(kLabelProject);
    if (it != c.labels.end()) projects.insert(it->second);
  }
  auto networks = engine_->ListNetworks(any_project);
  if (!networks.ok()) return networks.status();
  for (const auto& n : *networks) {
    if (n.rfind("cara-", 0) == 0) projects.insert(n.substr(5));
  }
  return projects;
}

}  // namespace cara::agent
