#include "api/service_codec.h"

namespace cara::api {

using ojson = nlohmann::ordered_json;

namespace {

ojson PortsToJson(const std::vector<PortMapping>& ports) {
  ojson out = ojson::array();
  for (const auto& p : ports) {
    ojson port = {{"containerPort", p.container_port}};
    if (p.host_port != 0) port["hostPort"] = p.host_port;
    PutString(port, "protocol", p.protocol);
    PutString(port, "hostIP", p.host_ip);
    out.push_back(std::move(port));
  }
  return out;
}

ojson HealthCheckToJson(const HealthCheck& h) {
  ojson o = {{"command", h.command}};
  PutString(o, "interval", h.interval);
  PutString(o, "timeout", h.timeout);
  if (h.retries != 0) o["retries"] = h.retries;
  PutString(o, "startPeriod", h.start_period);
  return o;
}

void ReadPorts(const JsonReader& r, std::vector<PortMapping>& out) {
  r.Array("ports", [&](const JsonReader& pr) {
    PortMapping p;
    pr.Int("containerPort", p.container_port);
    pr.Int("hostPort", p.host_port);
    pr.String("protocol", p.protocol);
    pr.String("hostIP", p.host_ip);
    // Docker's default, filled in so "tcp" and no protocol compare equal.
    if (p.protocol.empty()) p.protocol = "tcp";
    out.push_back(std::move(p));
  });
}

std::optional<HealthCheck> ReadHealthCheck(const JsonReader& service) {
  if (!service.Field("healthcheck")) return std::nullopt;
  JsonReader r = service.Object("healthcheck");
  HealthCheck h;
  r.Strings("command", h.command);
  r.String("interval", h.interval);
  r.String("timeout", h.timeout);
  r.Int("retries", h.retries);
  r.String("startPeriod", h.start_period);
  return h;
}

}  // namespace

ojson ServiceToJson(const ServiceDef& s) {
  ojson o = ojson::object();
  o["name"] = s.name;
  o["image"] = s.image;
  if (!s.env.empty()) {
    ojson env = ojson::array();
    for (const auto& e : s.env) {
      ojson v = ojson::object();
      v["name"] = e.name;
      if (e.value && !e.value->empty()) v["value"] = *e.value;
      if (e.value_from) {
        v["valueFrom"] = {
            {"secretKeyRef", {{"name", e.value_from->name}, {"key", e.value_from->key}}}};
      }
      env.push_back(std::move(v));
    }
    o["env"] = std::move(env);
  }
  if (!s.volume_mounts.empty()) {
    ojson mounts = ojson::array();
    for (const auto& m : s.volume_mounts) {
      ojson v = ojson::object();
      v["name"] = m.name;
      v["mountPath"] = m.mount_path;
      mounts.push_back(std::move(v));
    }
    o["volumeMounts"] = std::move(mounts);
  }
  if (!s.command.empty()) o["command"] = s.command;
  PutString(o, "imagePullPolicy", s.image_pull_policy);
  if (!s.ports.empty()) o["ports"] = PortsToJson(s.ports);
  if (s.healthcheck) o["healthcheck"] = HealthCheckToJson(*s.healthcheck);
  PutString(o, "restartPolicy", s.restart_policy);
  if (!s.depends_on.empty()) {
    ojson deps = ojson::array();
    for (const auto& d : s.depends_on) {
      ojson dep = {{"service", d.service}};
      PutString(dep, "condition", d.condition);
      deps.push_back(std::move(dep));
    }
    o["dependsOn"] = std::move(deps);
  }
  if (!s.resources.empty()) {
    ojson limits = ojson::object();
    PutString(limits, "cpu", s.resources.limits.cpu);
    PutString(limits, "memory", s.resources.limits.memory);
    o["resources"] = {{"limits", std::move(limits)}};
  }
  return o;
}

ServiceDef ReadService(const JsonReader& r) {
  ServiceDef s;
  r.String("name", s.name);
  r.String("image", s.image);
  r.Array("env", [&](const JsonReader& er) {
    EnvVar e;
    er.String("name", e.name);
    er.OptString("value", e.value);
    if (er.Field("valueFrom")) {
      JsonReader ref = er.Object("valueFrom").Object("secretKeyRef");
      SecretKeyRef r;
      ref.String("name", r.name);
      ref.String("key", r.key);
      e.value_from = std::move(r);
    }
    s.env.push_back(std::move(e));
  });
  r.Array("volumeMounts", [&](const JsonReader& mr) {
    VolumeMount m;
    mr.String("name", m.name);
    mr.String("mountPath", m.mount_path);
    s.volume_mounts.push_back(std::move(m));
  });
  r.Strings("command", s.command);
  r.String("imagePullPolicy", s.image_pull_policy);
  ReadPorts(r, s.ports);
  s.healthcheck = ReadHealthCheck(r);
  r.String("restartPolicy", s.restart_policy);
  r.Array("dependsOn", [&](const JsonReader& dr) {
    ServiceDependency d;
    dr.String("service", d.service);
    dr.String("condition", d.condition);
    s.depends_on.push_back(std::move(d));
  });
  JsonReader limits = r.Object("resources").Object("limits");
  limits.String("cpu", s.resources.limits.cpu);
  limits.String("memory", s.resources.limits.memory);
  return s;
}

}  // namespace cara::api
