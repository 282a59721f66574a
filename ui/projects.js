// The projects list and one project's page: phase, node, generations,
// services with health and restarts, conditions, events, expiry, GitOps
// source and commit, and the tail of a service's logs.
import { deleteProject, extendExpiry, restartProject } from "./actions.js";
import { get, path, session } from "./api.js";
import { age, badge, cell, condition, conditionsTable, countdown, empty, eventsTable, h, link, table } from "./dom.js";
import { live } from "./live.js";

const SOURCE_ANNOTATION = "caravanserai.io/source";

function restarts(p) {
  return ((p.status && p.status.services) || []).reduce((sum, s) => sum + (s.restartCount || 0), 0);
}

export function projectsPage(filter, setFilter) {
  const all = live.projects.list().sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
  const shown = all.filter((p) => p.metadata.name.includes(filter));
  const rows = shown.map((p) => h("tr", { "data-project": p.metadata.name },
    cell(link("#/projects/" + encodeURIComponent(p.metadata.name), p.metadata.name)),
    cell(badge(p.status.phase), false, "phase"),
    cell(p.status.nodeRef ? link("#/nodes/" + encodeURIComponent(p.status.nodeRef), p.status.nodeRef) : "—", true),
    cell(String((p.spec.services || []).length), true),
    cell(String(restarts(p)), true),
    cell(p.spec.expireAt ? countdown(p.spec.expireAt) : "—"),
    cell(age(p.metadata.createdAt), true)));
  const search = h("input", { type: "search", "aria-label": "Filter projects by name", placeholder: "Filter by name", value: filter,
    oninput: (e) => setFilter(e.target.value) });
  return [
    h("h1", {}, "Projects"),
    h("div", { class: "toolbar" }, search, h("span", { class: "count" }, shown.length + " of " + all.length)),
    all.length === 0 ? empty("No projects yet. Create one with caractrl apply or caractrl sync.")
      : table("Projects", ["Name", "Phase", "Node", "Services", "Restarts", "Expires", "Age"], rows, [2, 3, 4, 6]),
  ];
}

// Health of one service as the agent reports it: a Healthy=False condition
// names the services still waiting or failing.
function health(p, service) {
  if (!service.healthcheck) return "no check";
  const c = condition(p, "Healthy");
  if (c && c.status === "False" && (c.message || "").includes(service.name)) return "unhealthy";
  return p.status.phase === "Running" ? "healthy" : "—";
}

function servicesTable(p) {
  const counts = new Map(((p.status && p.status.services) || []).map((s) => [s.name, s.restartCount || 0]));
  const ports = (s) => (s.ports || []).map((m) => (m.hostPort ? m.hostPort + "→" : "") + m.containerPort + "/" + (m.protocol || "tcp").toLowerCase()).join(", ");
  return table("Services", ["Service", "Image", "Health", "Restarts", "Ports"],
    (p.spec.services || []).map((s) => [s.name, s.image, badge(health(p, s)), String(counts.get(s.name) || 0), ports(s) || "—"]), [4]);
}

function actions(p) {
  const name = p.metadata.name;
  const phase = p.status.phase;
  if (!session.may("write", p) || phase === "Terminating" || phase === "Terminated") return null;
  return h("div", { class: "actions" },
    h("button", { type: "button", onclick: () => restartProject(name) }, "Restart project"),
    p.spec.expireAt ? h("button", { type: "button", onclick: () => extendExpiry(live.projects.get(name) || p) }, "Extend expiry") : null,
    h("button", { type: "button", class: "danger", onclick: () => deleteProject(name) }, "Delete project"));
}

// What a page visit fetched besides the watched objects: the source's last
// commit and a logs tail, kept while the same project stays open.
const extras = { project: "", commit: null, logs: null, service: "", loading: false };

// Forgets what the previous user saw (called on sign-out).
export function resetProjectPage() {
  Object.assign(extras, { project: "", commit: null, logs: null, service: "", loading: false });
}

async function loadCommit(p, rerender) {
  const name = p.metadata.name;
  const source = (p.metadata.annotations || {})[SOURCE_ANNOTATION];
  if (!source) return;
  let commit;
  try {
    const runs = await get("/api/v1/syncruns?source=" + encodeURIComponent(source));
    const last = runs.items.filter((r) => r.commit).pop();
    commit = last ? last.commit : "";
  } catch (e) {
    commit = "(" + e.message + ")";
  }
  if (extras.project !== name) return; // another project is open now
  extras.commit = commit;
  rerender();
}

async function loadLogs(name, service, rerender) {
  extras.service = service;
  extras.loading = true;
  rerender();
  let logs;
  try {
    logs = await get(path("projects", name) + "/logs?service=" + encodeURIComponent(service) + "&tail=100");
  } catch (e) {
    logs = "Cannot read the logs: " + e.message;
  }
  if (extras.project !== name || extras.service !== service) return; // a newer request owns the view
  extras.logs = logs;
  extras.loading = false;
  rerender();
}

function logsSection(p, rerender) {
  const name = p.metadata.name;
  const services = (p.spec.services || []).map((s) => s.name);
  if (!extras.service && services.length) extras.service = services[0];
  const select = h("select", { "aria-label": "Service", onchange: (e) => loadLogs(name, e.target.value, rerender) },
    services.map((s) => h("option", { value: s, selected: s === extras.service }, s)));
  const refresh = h("button", { type: "button", onclick: () => loadLogs(name, extras.service, rerender) }, "Refresh logs");
  const waiting = p.status.phase === "Running" ? "" : "Logs are available while the project runs.";
  const text = extras.loading ? "Loading…" : extras.logs === null ? waiting : extras.logs || "(no output)";
  return [h("div", { class: "toolbar" }, select, refresh), h("pre", { class: "logs", "aria-label": "Logs tail" }, text)];
}

export function projectPage(name, rerender) {
  const p = live.projects.get(name);
  if (extras.project !== name) {
    Object.assign(extras, { project: name, commit: null, logs: null, service: "", loading: false });
    if (p) {
      loadCommit(p, rerender);
      if (p.status.phase === "Running" && (p.spec.services || []).length) loadLogs(name, p.spec.services[0].name, rerender);
    } else if (!live.projects.loaded) {
      extras.project = ""; // look again once the list is in
    }
  }
  if (!p) return [h("h1", {}, name), empty(live.projects.loaded ? "This project does not exist (any more)." : "Loading…")];
  const source = (p.metadata.annotations || {})[SOURCE_ANNOTATION];
  const generation = p.metadata.generation || 0;
  const observed = p.status.observedGeneration || 0;
  return [
    h("h1", {}, name),
    actions(p),
    h("dl", { class: "facts" },
      h("dt", {}, "Phase"), h("dd", { "data-field": "phase" }, badge(p.status.phase)),
      h("dt", {}, "Node"), h("dd", {}, p.status.nodeRef ? link("#/nodes/" + encodeURIComponent(p.status.nodeRef), p.status.nodeRef) : "—"),
      h("dt", {}, "Generation"), h("dd", {}, generation + " (observed " + observed + (observed < generation ? ", rolling out" : "") + ")"),
      h("dt", {}, "Expires"), h("dd", { "data-field": "expires" }, p.spec.expireAt ? countdown(p.spec.expireAt) + " (" + p.spec.expireAt + ")" : "never"),
      h("dt", {}, "Source"), h("dd", {}, source || "not managed by a sync"),
      source ? [h("dt", {}, "Commit"), h("dd", {}, extras.commit === null ? "…" : (extras.commit || "—").slice(0, 12))] : null,
      h("dt", {}, "Age"), h("dd", {}, age(p.metadata.createdAt))),
    h("h2", {}, "Services"), servicesTable(p),
    h("h2", {}, "Conditions"), conditionsTable(p),
    h("h2", {}, "Events"), eventsTable(live.eventsFor("Project", name)),
    h("h2", {}, "Logs"), logsSection(p, rerender),
  ];
}
