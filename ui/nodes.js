// The nodes list and one node's page: state, capacity against allocatable
// against what its projects request, conditions, projects and events.
import { setDrain } from "./actions.js";
import { session } from "./api.js";
import { age, badge, cell, conditionsTable, empty, eventsTable, h, link, table } from "./dom.js";
import { live } from "./live.js";
import { formatBytes, formatCpu, parseQuantity, requested } from "./quantity.js";

function projectsOn(name) {
  return live.projects.list().filter((p) => p.status.nodeRef === name);
}

function usage(node) {
  const want = requested(live.projects.list(), node.metadata.name);
  const alloc = node.status.allocatable || {};
  const cap = node.status.capacity || {};
  return {
    cpu: formatCpu(want.cpu) + " / " + formatCpu(parseQuantity(alloc.cpu)) + " / " + formatCpu(parseQuantity(cap.cpu)),
    memory: formatBytes(want.memory) + " / " + formatBytes(parseQuantity(alloc.memory)) + " / " + formatBytes(parseQuantity(cap.memory)),
  };
}

function forbidden() {
  return live.nodes.forbidden ? [h("h1", {}, "Nodes"), empty("Your token may not read nodes: " + live.nodes.forbidden)] : null;
}

export function nodesPage() {
  const refused = forbidden();
  if (refused) return refused;
  const nodes = live.nodes.list().sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
  const rows = nodes.map((n) => {
    const u = usage(n);
    return h("tr", { "data-node": n.metadata.name },
      cell(link("#/nodes/" + encodeURIComponent(n.metadata.name), n.metadata.name)),
      cell(badge(n.status.state), false, "state"),
      cell(String(projectsOn(n.metadata.name).length)),
      cell(u.cpu, true), cell(u.memory, true),
      cell(age(n.status.lastHeartbeat), true), cell(age(n.metadata.createdAt)));
  });
  return [
    h("h1", {}, "Nodes"),
    nodes.length ? table("Nodes", ["Name", "State", "Projects", "CPU req / alloc / cap", "Memory req / alloc / cap", "Heartbeat", "Age"], rows, [3, 4, 5])
      : empty("No nodes have joined yet."),
  ];
}

function nodeActions(node) {
  if (!session.may("drain")) return null;
  const draining = !!(node.spec && node.spec.unschedulable);
  const name = node.metadata.name;
  return h("div", { class: "actions" },
    h("button", { type: "button", class: draining ? null : "danger", onclick: () => setDrain(name, !draining) },
      draining ? "Undrain node" : "Drain node"));
}

export function nodePage(name) {
  const refused = forbidden();
  if (refused) return refused;
  const node = live.nodes.get(name);
  if (!node) return [h("h1", {}, name), empty(live.nodes.loaded ? "This node does not exist (any more)." : "Loading…")];
  const u = usage(node);
  const info = node.status.info || {};
  const net = node.status.network || {};
  const projects = projectsOn(name).sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
  return [
    h("h1", {}, name),
    nodeActions(node),
    h("dl", { class: "facts" },
      h("dt", {}, "State"), h("dd", { "data-field": "state" }, badge(node.status.state)),
      h("dt", {}, "Schedulable"), h("dd", {}, node.spec && node.spec.unschedulable ? "no (drained)" : "yes"),
      h("dt", {}, "Address"), h("dd", {}, (net.ip || "—") + (net.agentPort ? ":" + net.agentPort : "")),
      h("dt", {}, "Last heartbeat"), h("dd", {}, node.status.lastHeartbeat ? age(node.status.lastHeartbeat) + " ago" : "never"),
      h("dt", {}, "CPU requested / allocatable / capacity"), h("dd", {}, u.cpu),
      h("dt", {}, "Memory requested / allocatable / capacity"), h("dd", {}, u.memory),
      h("dt", {}, "OS"), h("dd", {}, info.osImage || "—"),
      h("dt", {}, "Agent"), h("dd", {}, info.agentVersion || "—"),
      h("dt", {}, "Labels"), h("dd", {}, Object.entries(node.metadata.labels || {}).map(([k, v]) => k + "=" + v).join(", ") || "—")),
    h("h2", {}, "Conditions"), conditionsTable(node),
    h("h2", {}, "Projects"),
    projects.length ? table("Projects on " + name, ["Name", "Phase", "Age"],
      projects.map((p) => [link("#/projects/" + encodeURIComponent(p.metadata.name), p.metadata.name), badge(p.status.phase), age(p.metadata.createdAt)]))
      : empty("No projects on this node."),
    h("h2", {}, "Events"), eventsTable(live.eventsFor("Node", name)),
  ];
}
