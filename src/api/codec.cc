#include "api/codec.h"

#include <limits>

#include <nlohmann/json.hpp>

#include "api/json_fields.h"
#include "api/service_codec.h"
#include "common/time_format.h"

namespace cara::api {

using ojson = nlohmann::ordered_json;
using json = nlohmann::json;

// ---- encoding ----------------------------------------------------------------

namespace {

ojson MetaToJson(const ObjectMeta& m) {
  ojson o = ojson::object();
  o["name"] = m.name;
  PutMap(o, "labels", m.labels);
  PutMap(o, "annotations", m.annotations);
  PutTime(o, "createdAt", m.created_at);
  PutTime(o, "updatedAt", m.updated_at);
  PutString(o, "resourceVersion", m.resource_version);
  if (m.generation != 0) o["generation"] = m.generation;
  return o;
}

ojson ConditionsToJson(const std::vector<Condition>& cs) {
  ojson a = ojson::array();
  for (const auto& c : cs) a.push_back(ToJson(c));
  return a;
}

ojson Envelope(const char* kind, const ObjectMeta& meta) {
  ojson o = ojson::object();
  o["apiVersion"] = kApiVersion;
  o["kind"] = kind;
  o["metadata"] = MetaToJson(meta);
  return o;
}

}  // namespace

ojson ToJson(const Condition& c) {
  ojson o = ojson::object();
  o["type"] = c.type;
  o["status"] = c.status;
  PutTime(o, "lastHeartbeatTime", c.last_heartbeat_time);
  PutTime(o, "lastTransitionTime", c.last_transition_time);
  PutString(o, "reason", c.reason);
  PutString(o, "message", c.message);
  return o;
}

ojson ToJson(const NodeSpec& s) {
  ojson o = ojson::object();
  PutString(o, "hostname", s.hostname);
  if (s.unschedulable) o["unschedulable"] = true;
  return o;
}

namespace {

ojson NodeStatusToJson(const NodeStatus& s) {
  ojson o = ojson::object();
  PutString(o, "state", s.state);
  ojson net = ojson::object();
  PutString(net, "ip", s.network.ip);
  PutString(net, "dnsName", s.network.dns_name);
  PutString(net, "mode", s.network.mode);
  if (s.network.agent_port != 0) net["agentPort"] = s.network.agent_port;
  ojson tp = ojson::object();
  PutString(tp, "download", s.network.throughput.download);
  PutString(tp, "upload", s.network.throughput.upload);
  PutTime(tp, "lastTestTime", s.network.throughput.last_test_time);
  PutObject(net, "throughput", std::move(tp));
  PutObject(o, "network", std::move(net));
  PutMap(o, "capacity", s.capacity);
  PutMap(o, "allocatable", s.allocatable);
  ojson info = ojson::object();
  PutString(info, "kernelVersion", s.info.kernel_version);
  PutString(info, "osImage", s.info.os_image);
  PutString(info, "agentVersion", s.info.agent_version);
  PutObject(o, "info", std::move(info));
  PutTime(o, "lastHeartbeat", s.last_heartbeat);
  if (!s.conditions.empty()) o["conditions"] = ConditionsToJson(s.conditions);
  return o;
}

}  // namespace

ojson ToJson(const ProjectSpec& s) {
  ojson o = ojson::object();
  ojson services = ojson::array();
  for (const auto& svc : s.services) services.push_back(ServiceToJson(svc));
  o["services"] = std::move(services);
  if (!s.volumes.empty()) {
    ojson vols = ojson::array();
    for (const auto& v : s.volumes) {
      ojson vo = ojson::object();
      vo["name"] = v.name;
      vo["type"] = v.type;
      vols.push_back(std::move(vo));
    }
    o["volumes"] = std::move(vols);
  }
  if (!s.ingress.empty()) {
    ojson ing = ojson::array();
    for (const auto& i : s.ingress) {
      ojson io = ojson::object();
      io["name"] = i.name;
      PutString(io, "host", i.host);
      io["target"] = ojson{{"service", i.target_service}, {"port", i.target_port}};
      io["access"] = ojson{{"scope", i.access_scope}};
      ing.push_back(std::move(io));
    }
    o["ingress"] = std::move(ing);
  }
  PutTime(o, "expireAt", s.expire_at);
  if (!s.resources.empty()) {
    ojson r = ojson::object();
    PutString(r, "cpu", s.resources.cpu);
    PutString(r, "memory", s.resources.memory);
    o["resources"] = std::move(r);
  }
  PutMap(o, "nodeSelector", s.node_selector);
  if (!s.image_pull_secrets.empty()) o["imagePullSecrets"] = s.image_pull_secrets;
  return o;
}

ojson ToJson(const Node& n) {
  ojson o = Envelope(kKindNode, n.metadata);
  o["spec"] = ToJson(n.spec);
  o["status"] = NodeStatusToJson(n.status);
  return o;
}

ojson ToJson(const Project& p) {
  ojson o = Envelope(kKindProject, p.metadata);
  o["spec"] = ToJson(p.spec);
  ojson st = ojson::object();
  PutString(st, "phase", p.status.phase);
  PutString(st, "nodeRef", p.status.node_ref);
  if (!p.status.conditions.empty()) st["conditions"] = ConditionsToJson(p.status.conditions);
  if (p.status.observed_generation != 0) st["observedGeneration"] = p.status.observed_generation;
  if (!p.status.services.empty()) {
    ojson services = ojson::array();
    for (const auto& svc : p.status.services) {
      services.push_back({{"name", svc.name}, {"restartCount", svc.restart_count}});
    }
    st["services"] = std::move(services);
  }
  o["status"] = std::move(st);
  return o;
}

std::string EncodeNode(const Node& n) { return ToJson(n).dump(); }
std::string EncodeProject(const Project& p) { return ToJson(p).dump(); }

namespace {

template <typename T>
std::string EncodeList(const char* kind, const std::vector<T>& items) {
  ojson o = ojson::object();
  o["apiVersion"] = kApiVersion;
  o["kind"] = kind;
  ojson arr = ojson::array();
  for (const auto& item : items) arr.push_back(ToJson(item));
  o["items"] = std::move(arr);
  return o.dump();
}

}  // namespace

std::string EncodeNodeList(const std::vector<Node>& nodes) { return EncodeList("NodeList", nodes); }
std::string EncodeProjectList(const std::vector<Project>& projects) {
  return EncodeList("ProjectList", projects);
}

// ---- decoding ----------------------------------------------------------------

namespace {

void ReadMeta(const JsonReader& r, ObjectMeta& m) {
  r.String("name", m.name);
  r.Map("labels", m.labels);
  r.Map("annotations", m.annotations);
  r.Time("createdAt", m.created_at);
  r.Time("updatedAt", m.updated_at);
  r.String("resourceVersion", m.resource_version);
  r.Int("generation", m.generation);
}

Condition ReadCondition(const JsonReader& r) {
  Condition c;
  r.String("type", c.type);
  r.String("status", c.status);
  r.Time("lastHeartbeatTime", c.last_heartbeat_time);
  r.Time("lastTransitionTime", c.last_transition_time);
  r.String("reason", c.reason);
  r.String("message", c.message);
  return c;
}

void ReadConditions(const JsonReader& r, std::vector<Condition>& out) {
  r.Array("conditions", [&](const JsonReader& cr) { out.push_back(ReadCondition(cr)); });
}

}  // namespace

Result<Condition> DecodeCondition(const json& j) {
  Status error;
  Condition c = ReadCondition(JsonReader(j, "", &error));
  if (!error.ok()) return error;
  return c;
}

Result<Node> DecodeNode(const json& j) {
  Status error;
  JsonReader root(j, "", &error);
  if (!j.is_object()) return Status::Invalid("expected a JSON object");
  Node n;
  ReadMeta(root.Object("metadata"), n.metadata);
  JsonReader spec = root.Object("spec");
  spec.String("hostname", n.spec.hostname);
  spec.Bool("unschedulable", n.spec.unschedulable);
  JsonReader st = root.Object("status");
  st.String("state", n.status.state);
  JsonReader net = st.Object("network");
  net.String("ip", n.status.network.ip);
  net.String("dnsName", n.status.network.dns_name);
  net.String("mode", n.status.network.mode);
  net.Int("agentPort", n.status.network.agent_port);
  JsonReader tp = net.Object("throughput");
  tp.String("download", n.status.network.throughput.download);
  tp.String("upload", n.status.network.throughput.upload);
  tp.Time("lastTestTime", n.status.network.throughput.last_test_time);
  st.Map("capacity", n.status.capacity);
  st.Map("allocatable", n.status.allocatable);
  JsonReader info = st.Object("info");
  info.String("kernelVersion", n.status.info.kernel_version);
  info.String("osImage", n.status.info.os_image);
  info.String("agentVersion", n.status.info.agent_version);
  st.Time("lastHeartbeat", n.status.last_heartbeat);
  ReadConditions(st, n.status.conditions);
  if (!error.ok()) return error;
  return n;
}

Result<Project> DecodeProject(const json& j) {
  Status error;
  JsonReader root(j, "", &error);
  if (!j.is_object()) return Status::Invalid("expected a JSON object");
  Project p;
  ReadMeta(root.Object("metadata"), p.metadata);
  JsonReader spec = root.Object("spec");
  spec.Array("services", [&](const JsonReader& r) {
    ServiceDef s = ReadService(r);
    p.spec.services.push_back(std::move(s));
  });
  spec.Array("volumes", [&](const JsonReader& r) {
    VolumeDef v;
    r.String("name", v.name);
    r.String("type", v.type);
    p.spec.volumes.push_back(std::move(v));
  });
  spec.Array("ingress", [&](const JsonReader& r) {
    IngressDef i;
    r.String("name", i.name);
    r.String("host", i.host);
    JsonReader target = r.Object("target");
    target.String("service", i.target_service);
    target.Int("port", i.target_port);
    r.Object("access").String("scope", i.access_scope);
    p.spec.ingress.push_back(std::move(i));
  });
  spec.Time("expireAt", p.spec.expire_at);
  JsonReader res = spec.Object("resources");
  res.String("cpu", p.spec.resources.cpu);
  res.String("memory", p.spec.resources.memory);
  spec.Map("nodeSelector", p.spec.node_selector);
  spec.Strings("imagePullSecrets", p.spec.image_pull_secrets);
  JsonReader st = root.Object("status");
  st.String("phase", p.status.phase);
  st.String("nodeRef", p.status.node_ref);
  ReadConditions(st, p.status.conditions);
  st.Int("observedGeneration", p.status.observed_generation);
  st.Array("services", [&](const JsonReader& r) {
    ServiceStatus svc;
    r.String("name", svc.name);
    r.Int("restartCount", svc.restart_count);
    p.status.services.push_back(std::move(svc));
  });
  if (!error.ok()) return error;
  return p;
}

Result<json> ParseJson(std::string_view text) {
  json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) {
    // Re-parse with exceptions only on the error path, for the position text.
    try {
      json ignored = json::parse(text);
      (void)ignored;
    } catch (const json::exception& e) {
      // A syntax error (parse_error) or a number too large for a double
      // (out_of_range.406). what() is "[json.exception.parse_error.101]
      // parse error at line 1, ...".
      std::string what = e.what();
      auto pos = what.find("] ");
      return Status::Invalid(pos == std::string::npos ? what : what.substr(pos + 2));
    }
    return Status::Invalid("malformed JSON");
  }
  return j;
}

Result<Node> ParseNode(std::string_view text) {
  auto j = ParseJson(text);
  if (!j.ok()) return j.status();
  return DecodeNode(*j);
}

Result<Project> ParseProject(std::string_view text) {
  auto j = ParseJson(text);
  if (!j.ok()) return j.status();
  return DecodeProject(*j);
}

// ---- Secret -------------------------------------------------------------------

ojson ToJson(const Secret& s) {
  ojson o = Envelope(kKindSecret, s.metadata);
  PutString(o, "type", s.type);
  PutMap(o, "stringData", s.string_data);
  PutMap(o, "sealedData", s.sealed_data);
  PutMap(o, "digests", s.digests);
  return o;
}

std::string EncodeSecret(const Secret& secret) { return ToJson(secret).dump(); }

std::string EncodeSecretList(const std::vector<Secret>& secrets) {
  return EncodeList("SecretList", secrets);
}

Result<Secret> DecodeSecret(const json& j) {
  Status error;
  JsonReader root(j, "", &error);
  if (!j.is_object()) return Status::Invalid("expected a JSON object");
  Secret s;
  ReadMeta(root.Object("metadata"), s.metadata);
  root.String("type", s.type);
  root.Map("stringData", s.string_data);
  root.Map("sealedData", s.sealed_data);
  root.Map("digests", s.digests);
  if (!error.ok()) return error;
  return s;
}

Result<Secret> ParseSecret(std::string_view text) {
  auto j = ParseJson(text);
  if (!j.ok()) return j.status();
  return DecodeSecret(*j);
}

}  // namespace cara::api
