// The overview: nodes by state, projects by phase, previews expiring soon
// and the latest warnings: "is everything up?" at a glance.
import { age, badge, countdown, empty, eventsTable, h, link, table } from "./dom.js";
import { live } from "./live.js";

const NODE_STATES = ["Ready", "NotReady", "Draining"];
const PHASES = ["Pending", "Scheduled", "Running", "Failed", "Terminating"];

function tally(items, key, keys) {
  const counts = Object.fromEntries(keys.map((k) => [k, 0]));
  for (const item of items) counts[key(item)] = (counts[key(item)] || 0) + 1;
  return counts;
}

function tiles(title, counts, href) {
  return h("section", { class: "card", "aria-label": title },
    h("h2", {}, link(href, title)),
    h("ul", { class: "tiles" }, Object.entries(counts).map(([k, n]) =>
      h("li", { class: "tile " + k.toLowerCase() + (n === 0 ? " zero" : "") }, h("span", { class: "n" }, String(n)), h("span", {}, k)))));
}

export function overviewPage() {
  const nodes = live.nodes.list();
  const projects = live.projects.list();
  const previews = projects.filter((p) => p.spec.expireAt && p.status.phase !== "Terminated")
    .sort((a, b) => Date.parse(a.spec.expireAt) - Date.parse(b.spec.expireAt)).slice(0, 10);
  const warnings = live.events.list().filter((e) => e.type === "Warning")
    .sort((a, b) => Date.parse(b.lastTimestamp) - Date.parse(a.lastTimestamp)).slice(0, 10);
  return [
    h("h1", {}, "Overview"),
    h("div", { class: "cards" },
      live.nodes.forbidden ? null : tiles("Nodes", tally(nodes, (n) => n.status.state || "Unknown", NODE_STATES), "#/nodes"),
      tiles("Projects", tally(projects, (p) => p.status.phase || "Pending", PHASES), "#/projects")),
    h("h2", {}, "Previews expiring soonest"),
    previews.length ? table("Previews expiring soonest", ["Project", "Phase", "Expires", "Age"],
      previews.map((p) => [link("#/projects/" + encodeURIComponent(p.metadata.name), p.metadata.name), badge(p.status.phase), countdown(p.spec.expireAt), age(p.metadata.createdAt)]), [3])
      : empty("No previews."),
    h("h2", {}, "Recent warnings"), eventsTable(warnings),
  ];
}
