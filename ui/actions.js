// The changes a deployer or an admin may make from the dashboard, each
// behind a confirmation dialog. Project writes re-read the object and send
// it back with its resourceVersion, so a concurrent change is never
// overwritten (the server answers 409 and the dialog shows it; a 409 from a
// status write alone is retried). Drain and
// undrain are unconditional (see updateNodeSpec).
import { del, get, path, put, session } from "./api.js";
import { h } from "./dom.js";

// Opens the dialog; resolves when `run` succeeded, stays open with the
// error when it failed, and resolves false on Cancel.
export function confirmAction({ title, text, confirm = "Confirm", extra = null, run }) {
  const dialog = document.getElementById("confirm");
  const ok = document.getElementById("confirm-ok");
  const cancel = document.getElementById("confirm-cancel");
  const error = document.getElementById("confirm-error");
  document.getElementById("confirm-title").textContent = title;
  document.getElementById("confirm-text").textContent = text;
  document.getElementById("confirm-extra").replaceChildren(...(extra ? [extra] : []));
  ok.textContent = confirm;
  error.hidden = true;
  return new Promise((resolve) => {
    const finish = (result) => {
      ok.onclick = cancel.onclick = dialog.oncancel = null;
      dialog.close();
      resolve(result);
    };
    cancel.onclick = () => finish(false);
    dialog.oncancel = () => finish(false);
    ok.onclick = async () => {
      ok.disabled = true;
      try {
        await run();
        finish(true);
      } catch (e) {
        error.textContent = e.message;
        error.hidden = false;
      } finally {
        ok.disabled = false;
      }
    };
    dialog.showModal();
  });
}

// What a user edits: a concurrent change of it must not be overwritten.
function userFields(object) {
  const m = object.metadata ?? {};
  return JSON.stringify([object.spec, m.labels, m.annotations]);
}

// GET, change, PUT with the resourceVersion read. A 409 caused by a status
// write alone (the agent reports a project's state at any time) is retried
// on the fresh object, as caractrl does; a change of spec, labels or
// annotations since the read stays a 409, shown in the dialog.
async function update(kind, name, change) {
  let object = await get(path(kind, name));
  for (let attempt = 0; ; ++attempt) {
    const read = userFields(object);
    change(object);
    try {
      return await put(path(kind, name), object);
    } catch (e) {
      if (e.status !== 409 || attempt === 4) throw e;
      const fresh = await get(path(kind, name));
      if (userFields(fresh) !== read) throw e;
      object = fresh;
    }
  }
}

// A node's heartbeat rewrites it every few seconds, so a conditional PUT
// would often lose to one (409). A node PUT without a resourceVersion
// replaces only spec, labels and annotations, never the status the
// heartbeat writes: drain and undrain are unconditional, like kubectl's.
async function updateNodeSpec(name, change) {
  const node = await get(path("nodes", name));
  change(node);
  delete node.metadata.resourceVersion;
  delete node.status;
  return put(path("nodes", name), node);
}

export function deleteProject(name) {
  return confirmAction({
    title: "Delete project " + name + "?",
    text: "Its containers are stopped and removed on its node. Persistent volumes are deleted too.",
    confirm: "Confirm",
    run: () => del(path("projects", name)),
  });
}

export function restartProject(name) {
  return confirmAction({
    title: "Restart project " + name + "?",
    text: "Every service is recreated (a new generation); a Failed project is tried again.",
    run: () => update("projects", name, (p) => {
      p.metadata.annotations = p.metadata.annotations || {};
      p.metadata.annotations["caravanserai.io/restarted-at"] = new Date().toISOString().replace(/\.\d+Z$/, "Z");
    }),
  });
}

// "72h0m0s" (Go's duration format, as whoami says maxTTL) in milliseconds.
function goDurationMs(text) {
  const units = { h: 3600000, m: 60000, s: 1000 };
  let ms = 0;
  for (const [, n, unit] of String(text || "").matchAll(/(\d+(?:\.\d+)?)([hms])/g)) ms += parseFloat(n) * units[unit];
  return ms || Infinity;
}

export function extendExpiry(project) {
  const name = project.metadata.name;
  // A preview token may not set expireAt beyond its maxTTL from now.
  const limit = session.role === "preview" ? goDurationMs(session.who.maxTTL) : Infinity;
  const base = Math.max(Date.now(), Date.parse(project.spec.expireAt || 0));
  const choices = ["1h", "4h", "24h", "72h"].filter((v) => base + parseInt(v, 10) * 3600000 <= Date.now() + limit);
  const select = h("select", { id: "extend-by", "aria-label": "Extend by" },
    (choices.length ? choices : ["1h"]).map((v) => h("option", { value: v }, "+" + v)));
  const hours = () => parseInt(select.value, 10);
  return confirmAction({
    title: "Extend the expiry of " + name + "?",
    text: "It now expires at " + project.spec.expireAt + ". The new time counts from the later of now and that time.",
    extra: h("label", {}, "Extend by ", select),
    run: () => update("projects", name, (p) => {
      const base = Math.max(Date.now(), Date.parse(p.spec.expireAt || 0));
      p.spec.expireAt = new Date(base + hours() * 3600000).toISOString().replace(/\.\d+Z$/, "Z");
    }),
  });
}

export function setDrain(name, drain) {
  return confirmAction({
    title: (drain ? "Drain node " : "Undrain node ") + name + "?",
    text: drain
      ? "The scheduler places nothing new on it and the projects it runs stay where they are until moved or deleted."
      : "The scheduler may place projects on it again.",
    run: () => updateNodeSpec(name, (n) => {
      n.spec = n.spec || {};
      n.spec.unschedulable = drain;
    }),
  });
}
