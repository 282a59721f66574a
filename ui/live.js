// One list-then-watch stream per kind for the whole session, whatever page
// is open: pages read the in-memory collections and re-render when they
// change. A stream that ends resumes from the newest resourceVersion; a 410
// (too old) lists again; errors back off from 0.5 s to 10 s.
import { ApiError, get, request } from "./api.js";

const KINDS = ["nodes", "projects", "events"];

class Collection {
  constructor(kind) {
    this.kind = kind;
    this.items = new Map(); // name → object
    this.loaded = false;
    this.connected = false;
    this.revision = "";
    this.controller = null;
    this.forbidden = ""; // why the role may not read this kind
  }

  list() {
    return [...this.items.values()];
  }

  get(name) {
    return this.items.get(name);
  }

  async run(onChange, stopped) {
    let delay = 500;
    while (!stopped()) {
      try {
        if (!this.revision) await this.relist(onChange);
        if (stopped()) return;
        const opened = Date.now();
        await this.watch(onChange, stopped);
        // A stream that ran a while ended cleanly (server timeout or
        // restart): resume at once. One that ended at once is a server
        // that cannot serve it now: back off instead of hammering it.
        if (Date.now() - opened > 1000) {
          delay = 500;
          continue;
        }
        await new Promise((resolve) => setTimeout(resolve, delay));
        delay = Math.min(delay * 2, 10000);
      } catch (e) {
        if (e.name === "AbortError" || stopped()) return;
        if (e instanceof ApiError && e.status === 410) this.revision = "";
        if (e instanceof ApiError && e.status === 401) return; // signed out
        if (e instanceof ApiError && e.status === 403) return this.forbid(e.message, onChange);
        this.setConnected(false, onChange);
        await new Promise((resolve) => setTimeout(resolve, delay));
        delay = Math.min(delay * 2, 10000);
      }
    }
  }

  async relist(onChange) {
    const list = await get("/api/v1/" + this.kind);
    this.items = new Map(list.items.map((o) => [o.metadata.name, o]));
    this.revision = (list.metadata && list.metadata.resourceVersion) || "";
    this.loaded = true;
    onChange(this.kind);
  }

  async watch(onChange, stopped) {
    this.controller = new AbortController();
    const query = "?watch=true" + (this.revision ? "&resourceVersion=" + encodeURIComponent(this.revision) : "");
    const response = await request("GET", "/api/v1/" + this.kind + query, undefined, { raw: true, signal: this.controller.signal });
    this.setConnected(true, onChange);
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    let buffered = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done || stopped()) break;
      buffered += decoder.decode(value, { stream: true });
      let newline;
      while ((newline = buffered.indexOf("\n")) >= 0) {
        const line = buffered.slice(0, newline).trim();
        buffered = buffered.slice(newline + 1);
        if (line) this.apply(JSON.parse(line));
      }
      onChange(this.kind);
    }
  }

  apply(event) {
    const object = event.object;
    const name = object.metadata.name;
    if (event.type === "DELETED") this.items.delete(name);
    else this.items.set(name, object);
    if (object.metadata.resourceVersion) this.revision = object.metadata.resourceVersion;
  }

  // The role may not read this kind (a preview token and nodes): nothing to
  // stream, and nothing to wait for either.
  forbid(message, onChange) {
    this.forbidden = message;
    this.loaded = true;
    this.connected = true;
    onChange(this.kind);
  }

  setConnected(connected, onChange) {
    if (this.connected === connected) return;
    this.connected = connected;
    onChange(this.kind);
  }

  stop() {
    if (this.controller) this.controller.abort();
  }
}

export const live = {
  nodes: new Collection("nodes"),
  projects: new Collection("projects"),
  events: new Collection("events"),
  listeners: new Set(),
  running: false,
  generation: 0,

  // `unreadable`: kinds the role may not list (asking would only log a 403
  // in the browser's console), with the reason to show instead.
  start(unreadable = {}) {
    if (this.running) return;
    this.running = true;
    // Loops of an earlier session (one backing off, or inside a list) see
    // their generation gone and end, whatever happens to `running`.
    const generation = ++this.generation;
    const stopped = () => this.generation !== generation;
    const changed = (kind) => { if (!stopped()) this.listeners.forEach((listener) => listener(kind)); };
    for (const kind of KINDS) {
      const collection = this[kind];
      if (unreadable[kind]) collection.forbid(unreadable[kind], changed);
      else collection.run(changed, stopped);
    }
  },

  stop() {
    this.running = false;
    this.generation++;
    for (const kind of KINDS) {
      this[kind].stop();
      this[kind] = new Collection(kind);
    }
  },

  get connected() {
    return KINDS.every((k) => this[k].connected);
  },

  get loaded() {
    return KINDS.every((k) => this[k].loaded);
  },

  // Events about one object, newest first.
  eventsFor(kind, name) {
    return this.events.list()
      .filter((e) => e.involvedObject.kind === kind && e.involvedObject.name === name)
      .sort((a, b) => Date.parse(b.lastTimestamp) - Date.parse(a.lastTimestamp));
  },

  subscribe(listener) {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  },
};
