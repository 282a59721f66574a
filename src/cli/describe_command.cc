// caractrl describe node|project|secret NAME...: every
// field of each object, human-readable (or -o json|yaml, as get prints them). Lines written
// "Key:\tValue" carry a literal TAB after the colon and are not aligned; the conditions are a
// tabwriter table. Our additions follow the reference lines they belong to.
#include <ostream>

#include <nlohmann/json.hpp>
#include <sstream>

#include "api/codec.h"
#include "api/port_mapping.h"
#include "api/validation.h"
#include "cli/commands.h"
#include "cli/event_table.h"
#include "cli/list_all.h"
#include "cli/resource_printer.h"
#include "cli/table.h"
#include "common/time_format.h"

namespace cara::cli {
namespace {

std::string OrNone(const std::string& v) { return v.empty() ? "<none>" : v; }

// "<RFC 3339 UTC> (<age> ago)", "(in <age>)" for a time in the future.
std::string TimeWithAge(const std::optional<Timestamp>& t, Timestamp now) {
  if (!t) return "<none>";
  std::string s = FormatRfc3339Seconds(*t);
  if (*t > now) return s + " (in " + FormatAge(*t - now) + ")";
  return s + " (" + FormatAge(now - *t) + " ago)";
}

std::string TimeOnly(const std::optional<Timestamp>& t) {
  return t ? FormatRfc3339Seconds(*t) : "<none>";
}

std::string JoinMap(const api::StringMap& m) {
  if (m.empty()) return "<none>";
  std::string out;
  for (const auto& [k, v] : m) {
    if (!out.empty()) out += ", ";
    out += k + "=" + v;
  }
  return out;
}

void Field(std::ostream& o, const std::string& indent, const std::string& key,
           const std::string& value) {
  o << indent << key << ":\t" << value << "\n";
}

void Metadata(std::ostream& o, const api::ObjectMeta& m, const char* kind, Timestamp now) {
  Field(o, "", "Name", m.name);
  Field(o, "", "Kind", kind);
  Field(o, "", "Created", TimeWithAge(m.created_at, now));
  Field(o, "", "Labels", JoinMap(m.labels));
  Field(o, "", "Annotations", JoinMap(m.annotations));
  // Ours.
  Field(o, "", "Updated", TimeWithAge(m.updated_at, now));
  Field(o, "", "Resource Version", OrNone(m.resource_version));
  Field(o, "", "Generation", std::to_string(m.generation));
}

void Quantities(std::ostream& o, const char* title, const api::StringMap& m) {
  o << title << ":\n";
  if (m.empty()) {
    o << "  <none>\n";
    return;
  }
  for (const auto& [k, v] : m) Field(o, "  ", k, v);  // std::map: sorted by key
}

void Conditions(std::ostream& o, const std::vector<api::Condition>& conditions) {
  o << "Conditions:\n";
  if (conditions.empty()) {
    o << "  <none>\n";
    return;
  }
  Table t({"TYPE", "STATUS", "LAST HEARTBEAT", "LAST TRANSITION", "REASON", "MESSAGE"});
  t.AddRow({"----", "------", "--------------", "---------------", "------", "-------"});
  for (const auto& c : conditions) {
    t.AddRow({OrNone(c.type), OrNone(c.status), TimeOnly(c.last_heartbeat_time),
              TimeOnly(c.last_transition_time), OrNone(c.reason), OrNone(c.message)});
  }
  o << t.Render("  ");
}

std::string DescribeNode(const api::Node& n, Timestamp now) {
  std::ostringstream o;
  Metadata(o, n.metadata, api::kKindNode, now);
  o << "\nSpec:\n";
  Field(o, "  ", "Hostname", OrNone(n.spec.hostname));
  Field(o, "  ", "Unschedulable", n.spec.unschedulable ? "true" : "false");
  o << "\nStatus:\n";
  Field(o, "  ", "State", OrNone(n.status.state));
  Field(o, "  ", "Last Heartbeat", TimeWithAge(n.status.last_heartbeat, now));
  o << "\nInfo:\n";
  Field(o, "  ", "Kernel Version", OrNone(n.status.info.kernel_version));
  Field(o, "  ", "OS Image", OrNone(n.status.info.os_image));
  Field(o, "  ", "Agent Version", OrNone(n.status.info.agent_version));
  const api::NodeNetwork& net = n.status.network;
  o << "\nNetwork:\n";
  Field(o, "  ", "IP", OrNone(net.ip));
  Field(o, "  ", "DNS Name", OrNone(net.dns_name));
  Field(o, "  ", "Mode", OrNone(net.mode));
  Field(o, "  ", "Agent Port", net.agent_port == 0 ? "<none>" : std::to_string(net.agent_port));
  o << "  Throughput:\n";
  Field(o, "    ", "Download", OrNone(net.throughput.download));
  Field(o, "    ", "Upload", OrNone(net.throughput.upload));
  Field(o, "    ", "Last Test", TimeOnly(net.throughput.last_test_time));
  o << "\n";
  Quantities(o, "Capacity", n.status.capacity);
  Quantities(o, "Allocatable", n.status.allocatable);
  o << "\n";
  Conditions(o, n.status.conditions);
  return o.str();
}

// A command line, each argument Go-quoted when it would otherwise be ambiguous.
std::string JoinCommand(const std::vector<std::string>& args) {
  std::string out;
  for (const auto& a : args) {
    if (!out.empty()) out += ' ';
    bool plain = !a.empty() && a.find_first_of(" \t\n\"'\\") == std::string::npos;
    out += plain ? a : api::GoQuote(a);
  }
  return out;
}

// "wget -q -O- http://127.0.0.1/ (interval 10s, timeout 3s, retries 3, start
// period 5s)": Docker's defaults are left out.
std::string HealthcheckText(const api::HealthCheck& h) {
  std::string settings;
  auto add = [&](const std::string& what, const std::string& value) {
    if (value.empty()) return;
    settings += (settings.empty() ? "" : ", ") + what + " " + value;
  };
  add("interval", h.interval);
  add("timeout", h.timeout);
  add("retries", h.retries == 0 ? "" : std::to_string(h.retries));
  add("start period", h.start_period);
  std::string text = JoinCommand(h.command);
  return settings.empty() ? text : text + " (" + settings + ")";
}

// The workload fields of a service, each only when set, so a service that
// uses none of them reads as before.
void ServiceWorkload(std::ostream& o, const api::ServiceDef& s) {
  if (!s.ports.empty()) {
    o << "      Ports:\n";
    for (const auto& port : s.ports) o << "        " << api::FormatPortMapping(port) << "\n";
  }
  if (s.healthcheck) o << "      Healthcheck: " << HealthcheckText(*s.healthcheck) << "\n";
  if (!s.restart_policy.empty()) o << "      Restart Policy: " << s.restart_policy << "\n";
  if (!s.depends_on.empty()) {
    o << "      Depends On:\n";
    for (const auto& d : s.depends_on) {
      o << "        " << d.service << " ("
        << (d.condition.empty() ? api::kDependencyStarted : d.condition) << ")\n";
    }
  }
  const api::ResourceRequests& limits = s.resources.limits;
  if (!limits.empty()) {
    std::string text = limits.cpu.empty() ? "" : "cpu=" + limits.cpu;
    if (!limits.memory.empty())
      text += std::string(text.empty() ? "" : ", ") + "memory=" + limits.memory;
    o << "      Limits:  " << text << "\n";
  }
}

void Service(std::ostream& o, const api::ServiceDef& s) {
  o << "    - Name:    " << s.name << "\n";
  o << "      Image:   " << s.image << "\n";
  if (!s.command.empty()) o << "      Command: " << JoinCommand(s.command) << "\n";
  if (!s.image_pull_policy.empty()) o << "      Image Pull Policy: " << s.image_pull_policy << "\n";
  if (!s.env.empty()) {
    o << "      Env:\n";
    for (const auto& e : s.env) o << "        " << e.name << "=" << e.value.value_or("") << "\n";
  }
  if (!s.volume_mounts.empty()) {
    o << "      Volume Mounts:\n";
    for (const auto& m : s.volume_mounts)
      o << "        " << m.name << " -> " << m.mount_path << "\n";
  }
  ServiceWorkload(o, s);
}

// "db=0, web=2": restarts by the agent, per service.
std::string RestartCounts(const std::vector<api::ServiceStatus>& services) {
  std::string text;
  for (const auto& s : services) {
    text += (text.empty() ? "" : ", ") + s.name + "=" + std::to_string(s.restart_count);
  }
  return text;
}

std::string DescribeProject(const api::Project& p, Timestamp now) {
  std::ostringstream o;
  Metadata(o, p.metadata, api::kKindProject, now);
  o << "\nSpec:\n  Services:\n";
  if (p.spec.services.empty()) o << "    <none>\n";
  for (const auto& s : p.spec.services) Service(o, s);
  o << "\n  Volumes:\n";
  if (p.spec.volumes.empty()) o << "    <none>\n";
  for (const auto& v : p.spec.volumes) {
    o << "    - Name:   " << v.name << "\n";
    o << "      Type:   " << v.type << "\n";
  }
  o << "\n  Ingress:\n";
  if (p.spec.ingress.empty()) o << "    <none>\n";
  for (const auto& i : p.spec.ingress) {
    o << "    - Name:    " << i.name << "\n";
    o << "      Host:    " << OrNone(i.host) << "\n";
    o << "      Target:  " << i.target_service << ":" << i.target_port << "\n";
    o << "      Scope:   " << OrNone(i.access_scope) << "\n";
  }
  o << "\n";
  Field(o, "  ", "Expire At", TimeWithAge(p.spec.expire_at, now));
  if (!p.spec.resources.empty()) {
    o << "\n  Resources:\n";
    Field(o, "    ", "CPU", OrNone(p.spec.resources.cpu));
    Field(o, "    ", "Memory", OrNone(p.spec.resources.memory));
  }
  if (!p.spec.node_selector.empty()) {
    o << "\n";
    Field(o, "  ", "Node Selector", JoinMap(p.spec.node_selector));
  }
  o << "\nStatus:\n";
  Field(o, "  ", "Phase", OrNone(p.status.phase));
  Field(o, "  ", "Node", OrNone(p.status.node_ref));
  Field(o, "  ", "Observed Generation", std::to_string(p.status.observed_generation));
  if (!p.status.services.empty()) Field(o, "  ", "Restarts", RestartCounts(p.status.services));
  o << "\n";
  Conditions(o, p.status.conditions);
  return o.str();
}

// The projects that read `secret` (env secretKeyRef or imagePullSecrets):
// one list of every project, so it is only done for describe.
Result<std::vector<std::string>> ProjectsUsing(const CliContext& ctx, const std::string& secret) {
  std::vector<std::string> users;
  Status listed =
      ListAll(*ctx.client, NamesOf(ResourceKind::kProject).collection, [&](nlohmann::json& item) {
        auto p = api::DecodeProject(item);
        if (!p.ok()) return Status::Ok();
        for (const auto& name : api::ReferencedSecrets(p->spec)) {
          if (name == secret) {
            users.push_back(p->metadata.name);
            break;
          }
        }
        return Status::Ok();
      });
  if (!listed.ok()) return listed;
  return users;
}

// Keys with the digest of what was applied: values never leave the server.
std::string DescribeSecret(const CliContext& ctx, const api::Secret& s, Timestamp now) {
  std::ostringstream o;
  Metadata(o, s.metadata, api::kKindSecret, now);
  Field(o, "", "Type", api::EffectiveSecretType(s));
  o << "\nData:\n";
  if (s.digests.empty()) o << "  <none>\n";
  for (const auto& [key, digest] : s.digests) Field(o, "  ", key, digest);
  auto users = ProjectsUsing(ctx, s.metadata.name);
  std::string used_by;
  if (users.ok()) {
    for (const auto& name : *users) used_by += (used_by.empty() ? "" : ", ") + name;
  } else {
    used_by = "<unknown: " + users.status().message() + ">";
  }
  o << "\n";
  Field(o, "", "Used By", OrNone(used_by));
  return o.str();
}

// The text for one object, or an error.
Result<std::string> DescribeOne(const CliContext& ctx, ResourceKind kind, const std::string& body) {
  const Timestamp now = ctx.clock->Now();
  if (kind == ResourceKind::kNode) {
    auto n = api::ParseNode(body);
    if (!n.ok()) return Status::Internal("bad server response: " + n.status().message());
    return DescribeNode(*n, now);
  }
  if (kind == ResourceKind::kSecret) {
    auto s = api::ParseSecret(body);
    if (!s.ok()) return Status::Internal("bad server response: " + s.status().message());
    return DescribeSecret(ctx, *s, now);
  }
  auto p = api::ParseProject(body);
  if (!p.ok()) return Status::Internal("bad server response: " + p.status().message());
  return DescribeProject(*p, now);
}

// The object's recent events, as describe ends (nodes and projects).
std::string RecentEvents(const CliContext& ctx, ResourceKind kind, const std::string& name) {
  auto events = FetchEvents(*ctx.client, ObjectRef(kind, name));
  if (!events.ok()) return "Events:  <unknown: " + events.status().message() + ">\n";
  return EventsSection(*events, ctx.clock->Now());
}

}  // namespace

int RunDescribe(const CliContext& ctx, const DescribeOptions& o) {
  ResourceKind kind = ResourceKind::kProject;
  if (int rc = ParseObjectArgsOrReport(ctx, "describe", o.resource, o.names, &kind);
      rc != kExitOk) {
    return rc;
  }
  const bool structured = ctx.format == OutputFormat::kJson || ctx.format == OutputFormat::kYaml;
  std::vector<nlohmann::ordered_json> objects;  // -o json|yaml
  int failures = 0;
  bool first = true;
  for (const auto& name : o.names) {
    const char* singular = NamesOf(kind).singular;
    const std::string what = std::string("describe ") + singular + " " + api::GoQuote(name);
    auto response = ctx.client->Get(NamesOf(kind).collection + ("/" + PathEscape(name)));
    Status st = ExpectSuccess(response);
    if (!st.ok()) {
      ReportError(ctx, ObjectError("describe", singular, name, st));
      ++failures;
      continue;
    }
    if (structured) {
      objects.push_back(nlohmann::ordered_json::parse(response->body, nullptr, false));
      continue;
    }
    auto text = DescribeOne(ctx, kind, response->body);
    if (!text.ok()) {
      ReportError(ctx, what + ": " + text.status().message());
      ++failures;
      continue;
    }
    if (kind != ResourceKind::kSecret) *text += "\n" + RecentEvents(ctx, kind, name);
    *ctx.out << (first ? "" : "\n\n") << *text;  // kubectl's separator
    first = false;
  }
  if (structured && !objects.empty()) {
    *ctx.out << PrintObjects(kind, objects, {ctx.format, true, o.names.size() != 1, {}});
  }
  return failures == 0 ? kExitOk : kExitError;
}

}  // namespace cara::cli
