// A small element builder and the formatting every page shares. Text goes
// in through textContent only, so nothing a user or an agent wrote is ever
// parsed as HTML.

// h("a", {href: "#/"}, "text", child...): attributes starting with "on" are
// listeners; null and false children are skipped.
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key.startsWith("on")) el.addEventListener(key.slice(2), value);
    else if (key === "dataset") Object.assign(el.dataset, value);
    else el.setAttribute(key, value === true ? "" : String(value));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(el, child);
    else el.append(child instanceof Node ? child : String(child));
  }
}

// A table with a header row; `rows` are arrays of cells (strings or nodes)
// or ready-made <tr> elements. `wide` marks columns hidden on narrow screens.
export function table(label, headers, rows, wide = []) {
  const head = h("tr", {}, headers.map((t, i) => h("th", { scope: "col", class: wide.includes(i) ? "wide" : null }, t)));
  const body = rows.map((r) => (r instanceof Node ? r : h("tr", {}, r.map((c, i) => cell(c, wide.includes(i))))));
  return h("div", { class: "table-wrap" },
    h("table", { "aria-label": label }, h("thead", {}, head), h("tbody", {}, body)));
}

export function cell(content, wide = false, field = null) {
  return h("td", { class: wide ? "wide" : null, "data-field": field }, content);
}

export function badge(text) {
  return h("span", { class: "badge " + (text || "unknown").toLowerCase() }, text || "—");
}

export function empty(text) {
  return h("p", { class: "empty" }, text);
}

// "3m", "2h", "5d" like kubectl's AGE column.
export function age(timestamp, now = Date.now()) {
  if (!timestamp) return "—";
  return span(now - Date.parse(timestamp));
}

export function span(ms) {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 120) return s + "s";
  const m = Math.floor(s / 60);
  if (m < 120) return m + "m";
  const hours = Math.floor(m / 60);
  if (hours < 48) return hours + "h";
  return Math.floor(hours / 24) + "d";
}

// "in 3h 20m" or "expired 5m ago".
export function countdown(timestamp, now = Date.now()) {
  if (!timestamp) return "—";
  const left = Date.parse(timestamp) - now;
  if (left <= 0) return "expired " + span(-left) + " ago";
  const m = Math.floor(left / 60000);
  if (m < 60) return "in " + Math.max(1, m) + "m";
  const hours = Math.floor(m / 60);
  if (hours < 48) return "in " + hours + "h " + (m % 60) + "m";
  return "in " + Math.floor(hours / 24) + "d " + (hours % 24) + "h";
}

export function condition(object, type) {
  return ((object.status && object.status.conditions) || []).find((c) => c.type === type);
}

export function conditionsTable(object) {
  const conditions = (object.status && object.status.conditions) || [];
  if (conditions.length === 0) return empty("No conditions.");
  return table("Conditions", ["Type", "Status", "Reason", "Message", "Changed"],
    conditions.map((c) => [c.type, c.status, c.reason || "", c.message || "", age(c.lastTransitionTime)]), [4]);
}

export function eventsTable(events) {
  if (events.length === 0) return empty("No recent events.");
  const rows = events.map((e) => h("tr", { class: e.type === "Warning" ? "warning" : null },
    cell(age(e.lastTimestamp)), cell(e.type, true), cell(e.reason),
    cell(e.involvedObject.kind.toLowerCase() + "/" + e.involvedObject.name, true),
    cell(e.message), cell(String(e.count || 1), true)));
  return table("Events", ["Last seen", "Type", "Reason", "Object", "Message", "Count"], rows, [1, 3, 5]);
}

export function link(href, text) {
  return h("a", { href }, text);
}
