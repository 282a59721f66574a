// Sync history: each recorded `caractrl sync`, its commit and every action
// with its outcome. Fetched when the page opens or on Refresh (sync runs are
// not watched: they change once per sync).
import { get } from "./api.js";
import { age, badge, empty, h, table } from "./dom.js";

const state = { runs: null, error: "", loading: false };

// Forgets what the previous user saw (called on sign-out).
export function resetSyncRuns() {
  Object.assign(state, { runs: null, error: "", loading: false });
}

export async function loadSyncRuns(rerender) {
  state.loading = true;
  rerender();
  try {
    const list = await get("/api/v1/syncruns");
    state.runs = list.items.reverse(); // newest first
    state.error = "";
  } catch (e) {
    state.error = e.message;
  }
  state.loading = false;
  rerender();
}

function counts(run) {
  const by = {};
  for (const a of run.actions || []) by[a.action] = (by[a.action] || 0) + 1;
  return Object.entries(by).map(([k, n]) => n + " " + k).join(", ") || "no changes";
}

function runDetails(run) {
  const actions = run.actions || [];
  return h("details", { class: "run", "data-key": run.id },
    h("summary", {}, badge(run.result), " ", run.source, " @ ", (run.commit || "—").slice(0, 12), " — ", counts(run), " — ", age(run.startedAt), " ago"),
    h("p", {}, "Run " + run.id + " by " + (run.who || "—") + (run.ref ? " on " + run.ref : "") + ", plan " + (run.planHash || "—").slice(0, 12)),
    actions.length ? table("Actions of run " + run.id, ["Action", "Object", "Outcome", "Error"],
      actions.map((a) => [a.action, a.kind.toLowerCase() + "/" + a.name, badge(a.outcome), a.error || ""]))
      : empty("Nothing to do."));
}

export function syncRunsPage(rerender) {
  if (state.runs === null && !state.loading && !state.error) loadSyncRuns(rerender);
  const refresh = h("button", { type: "button", onclick: () => loadSyncRuns(rerender) }, "Refresh");
  let body;
  if (state.error) body = h("p", { class: "error", role: "alert" }, "Cannot read the sync history: " + state.error);
  else if (state.runs === null) body = empty("Loading…");
  else if (state.runs.length === 0) body = empty("No syncs recorded yet. Each writing caractrl sync records one.");
  else body = [
    table("Sync runs", ["Started", "Source", "Commit", "Result", "Actions"],
      state.runs.map((r) => [age(r.startedAt) + " ago", r.source, (r.commit || "—").slice(0, 12), badge(r.result), counts(r)]), [1]),
    h("h2", {}, "Details"), state.runs.map(runDetails)];
  return [h("h1", {}, "Sync runs"), h("div", { class: "toolbar" }, refresh), body];
}
