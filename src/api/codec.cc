#include "api/codec.h"

#include <limits>

#include <nlohmann/json.hpp>

#include "common/time_format.h"

namespace cara::api {

using ojson = nlohmann::ordered_json;
using json = nlohmann::json;

// ---- encoding ----------------------------------------------------------------

namespace {

void PutString(ojson& o, const char* key, const std::string& v) {
  if (!v.empty()) o[key] = v;
}

void PutTime(ojson& o, const char* key, const std::optional<Timestamp>& t) {
  if (t) o[key] = FormatRfc3339(*t);
}

void PutMap(ojson& o, const char* key, const StringMap& m) {
  if (m.empty()) return;
  // Appended to ordered_map's vector directly: its operator[] searches the
  // keys linearly, which made 100,000 annotations take minutes. The keys of
  // a StringMap are distinct already.
  ojson& object = o[key] = ojson::object();
  ojson::object_t::Container& items = object.get_ref<ojson::object_t&>();
  items.reserve(m.size());
  for (const auto& [k, v] : m) items.emplace_back(k, v);
}

void PutObject(ojson& o, const char* key, ojson&& v) {
  if (!v.empty()) o[key] = std::move(v);
}

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

// Reads typed fields out of a JSON object, remembering the first type error
// together with its path.
class Reader {
 public:
  Reader(const json& j, std::string path, Status* error)
      : j_(j), path_(std::move(path)), error_(error) {
    if (!j_.is_object() && !j_.is_null()) Fail(path_, "expected an object");
  }

  const json* Field(const char* key) const {
    if (!j_.is_object()) return nullptr;
    auto it = j_.find(key);
    if (it == j_.end() || it->is_null()) return nullptr;
    return &*it;
  }
  std::string Path(const char* key) const { return path_.empty() ? key : path_ + "." + key; }

  void String(const char* key, std::string& out) const {
    const json* f = Field(key);
    if (!f) return;
    if (!f->is_string()) return Fail(Path(key), "expected a string");
    out = f->get<std::string>();
  }
  void OptString(const char* key, std::optional<std::string>& out) const {
    const json* f = Field(key);
    if (!f) return;
    if (!f->is_string()) return Fail(Path(key), "expected a string");
    out = f->get<std::string>();
  }
  void Bool(const char* key, bool& out) const {
    const json* f = Field(key);
    if (!f) return;
    if (!f->is_boolean()) return Fail(Path(key), "expected a boolean");
    out = f->get<bool>();
  }
  void Int(const char* key, int64_t& out) const {
    const json* f = Field(key);
    if (!f) return;
    if (!f->is_number_integer()) return Fail(Path(key), "expected an integer");
    // 2^63 and above parse as unsigned and would wrap to a negative int64.
    if (f->is_number_unsigned() &&
        f->get<uint64_t>() > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
      return Fail(Path(key), "integer " + f->dump() + " is out of range");
    }
    out = f->get<int64_t>();
  }
  void Time(const char* key, std::optional<Timestamp>& out) const {
    const json* f = Field(key);
    if (!f) return;
    if (!f->is_string()) return Fail(Path(key), "expected an RFC 3339 timestamp string");
    auto t = ParseRfc3339(f->get_ref<const std::string&>());
    if (!t.ok()) return Fail(Path(key), t.status().message());
    if (IsGoZeroTime(*t)) return;
    out = *t;
  }
  void Map(const char* key, StringMap& out) const {
    const json* f = Field(key);
    if (!f) return;
    if (!f->is_object()) return Fail(Path(key), "expected an object of strings");
    for (auto it = f->begin(); it != f->end(); ++it) {
      if (!it.value().is_string()) return Fail(Path(key) + "." + it.key(), "expected a string");
      out[it.key()] = it.value().get<std::string>();
    }
  }
  void Strings(const char* key, std::vector<std::string>& out) const {
    const json* f = Field(key);
    if (!f) return;
    if (!f->is_array()) return Fail(Path(key), "expected an array of strings");
    for (size_t i = 0; i < f->size(); ++i) {
      if (!(*f)[i].is_string()) {
        return Fail(Path(key) + "[" + std::to_string(i) + "]", "expected a string");
      }
      out.push_back((*f)[i].get<std::string>());
    }
  }
  // Calls fn(Reader) for each element of an array of objects.
  template <typename Fn>
  void Array(const char* key, Fn fn) const {
    const json* f = Field(key);
    if (!f) return;
    if (!f->is_array()) return Fail(Path(key), "expected an array");
    for (size_t i = 0; i < f->size(); ++i) {
      fn(Reader((*f)[i], Path(key) + "[" + std::to_string(i) + "]", error_));
    }
  }
  Reader Object(const char* key) const {
    const json* f = Field(key);
    static const json kNull;
    return Reader(f ? *f : kNull, Path(key), error_);
  }

 private:
  void Fail(const std::string& path, const std::string& message) const {
    if (error_->ok()) *error_ = Status::Invalid(path + ": " + message);
  }

  const json& j_;
  std::string path_;
  Status* error_;
};

void ReadMeta(const Reader& r, ObjectMeta& m) {
  r.String("name", m.name);
  r.Map("labels", m.labels);
  r.Map("annotations", m.annotations);
  r.Time("createdAt", m.created_at);
  r.Time("updatedAt", m.updated_at);
  r.String("resourceVersion", m.resource_version);
  r.Int("generation", m.generation);
}

Condition ReadCondition(const Reader& r) {
  Condition c;
  r.String("type", c.type);
  r.String("status", c.status);
  r.Time("lastHeartbeatTime", c.last_heartbeat_time);
  r.Time("lastTransitionTime", c.last_transition_time);
  r.String("reason", c.reason);
  r.String("message", c.message);
  return c;
}

void ReadConditions(const Reader& r, std::vector<Condition>& out) {
  r.Array("conditions", [&](const Reader& cr) { out.push_back(ReadCondition(cr)); });
}

}  // namespace

Result<Condition> DecodeCondition(const json& j) {
  Status error;
  Condition c = ReadCondition(Reader(j, "", &error));
  if (!error.ok()) return error;
  return c;
}

Result<Node> DecodeNode(const json& j) {
  Status error;
  Reader root(j, "", &error);
  if (!j.is_object()) return Status::Invalid("expected a JSON object");
  Node n;
  ReadMeta(root.Object("metadata"), n.metadata);
  Reader spec = root.Object("spec");
  spec.String("hostname", n.spec.hostname);
  spec.Bool("unschedulable", n.spec.unschedulable);
  Reader st = root.Object("status");
  st.String("state", n.status.state);
  Reader net = st.Object("network");
  net.String("ip", n.status.network.ip);
  net.String("dnsName", n.status.network.dns_name);
  net.String("mode", n.status.network.mode);
  net.Int("agentPort", n.status.network.agent_port);
  Reader tp = net.Object("throughput");
  tp.String("download", n.status.network.throughput.download);
  tp.String("upload", n.status.network.throughput.upload);
  tp.Time("lastTestTime", n.status.network.throughput.last_test_time);
  st.Map("capacity", n.status.capacity);
  st.Map("allocatable", n.status.allocatable);
  Reader info = st.Object("info");
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
  Reader root(j, "", &error);
  if (!j.is_object()) return Status::Invalid("expected a JSON object");
  Project p;
  ReadMeta(root.Object("metadata"), p.metadata);
  Reader spec = root.Object("spec");
  spec.Array("services", [&](const Reader& r) {
    ServiceDef s;
    r.String("name", s.name);
    r.String("image", s.image);
    r.Array("env", [&](const Reader& er) {
      EnvVar e;
      er.String("name", e.name);
      er.OptString("value", e.value);
      s.env.push_back(std::move(e));
    });
    r.Array("volumeMounts", [&](const Reader& mr) {
      VolumeMount m;
      mr.String("name", m.name);
      mr.String("mountPath", m.mount_path);
      s.volume_mounts.push_back(std::move(m));
    });
    r.Strings("command", s.command);
    r.String("imagePullPolicy", s.image_pull_policy);
    p.spec.services.push_back(std::move(s));
  });
  spec.Array("volumes", [&](const Reader& r) {
    VolumeDef v;
    r.String("name", v.name);
    r.String("type", v.type);
    p.spec.volumes.push_back(std::move(v));
  });
  spec.Array("ingress", [&](const Reader& r) {
    IngressDef i;
    r.String("name", i.name);
    r.String("host", i.host);
    Reader target = r.Object("target");
    target.String("service", i.target_service);
    target.Int("port", i.target_port);
    r.Object("access").String("scope", i.access_scope);
    p.spec.ingress.push_back(std::move(i));
  });
  spec.Time("expireAt", p.spec.expire_at);
  Reader res = spec.Object("resources");
  res.String("cpu", p.spec.resources.cpu);
  res.String("memory", p.spec.resources.memory);
  Reader st = root.Object("status");
  st.String("phase", p.status.phase);
  st.String("nodeRef", p.status.node_ref);
  ReadConditions(st, p.status.conditions);
  st.Int("observedGeneration", p.status.observed_generation);
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

}  // namespace cara::api
