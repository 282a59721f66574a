// The dashboard's entry point: sign-in, the hash router, and one render
// loop. Pages are functions from the live collections to DOM nodes; a page
// is rebuilt when a kind it shows changes (at most once per frame), and the
// focused control keeps its focus across the rebuild.
import { ApiError, get, session } from "./api.js";
import { h } from "./dom.js";
import { live } from "./live.js";
import { nodePage, nodesPage } from "./nodes.js";
import { overviewPage } from "./overview.js";
import { projectPage, projectsPage, resetProjectPage } from "./projects.js";
import { resetSyncRuns, syncRunsPage } from "./syncruns.js";

const main = document.getElementById("main");
let projectFilter = "";
let scheduled = false;

// Each route: its page and the kinds it shows.
function route() {
  const parts = location.hash.replace(/^#\/?/, "").split("/").map(decodeURIComponent);
  switch (parts[0]) {
    case "nodes":
      return parts[1] ? { title: parts[1], kinds: ["nodes", "projects", "events"], page: () => nodePage(parts[1]) }
        : { title: "Nodes", kinds: ["nodes", "projects"], page: nodesPage };
    case "projects":
      return parts[1] ? { title: parts[1], kinds: ["projects", "events"], page: () => projectPage(parts[1], rerender) }
        : { title: "Projects", kinds: ["projects"], page: () => projectsPage(projectFilter, (f) => { projectFilter = f; rerender(); }) };
    case "syncruns":
      return { title: "Sync runs", kinds: [], page: () => syncRunsPage(rerender) };
    default:
      return { title: "Overview", kinds: ["nodes", "projects", "events"], page: overviewPage };
  }
}

function render() {
  scheduled = false;
  if (!session.who) return;
  const r = route();
  document.title = r.title + " · Caravanserai";
  const focused = document.activeElement;
  const label = focused && main.contains(focused) ? focused.getAttribute("aria-label") : null;
  const caret = label && "selectionStart" in focused ? [focused.selectionStart, focused.selectionEnd] : null;
  const open = new Set([...main.querySelectorAll("details[open]")].map((d) => d.dataset.key));
  main.replaceChildren(...[r.page()].flat(Infinity).filter(Boolean));
  for (const d of main.querySelectorAll("details[data-key]")) d.open = open.has(d.dataset.key);
  if (label) {
    const again = main.querySelector(`[aria-label="${CSS.escape(label)}"]`);
    if (again) {
      again.focus();
      if (caret && again.setSelectionRange) again.setSelectionRange(caret[0], caret[1]);
    }
  }
  for (const a of document.querySelectorAll("#nav a")) {
    const current = a.getAttribute("href") === "#/" + (location.hash.replace(/^#\/?/, "").split("/")[0]);
    if (current) a.setAttribute("aria-current", "page");
    else a.removeAttribute("aria-current");
  }
}

function rerender() {
  if (scheduled) return;
  scheduled = true;
  requestAnimationFrame(render);
}

function showLiveState() {
  const el = document.querySelector("[data-live]");
  const connected = live.connected;
  el.textContent = connected ? "live" : live.loaded ? "reconnecting" : "connecting";
  el.classList.toggle("ok", connected);
}

function showSignedIn() {
  document.getElementById("nav").hidden = false;
  document.getElementById("session").hidden = false;
  document.querySelector("[data-role]").textContent = session.role;
  live.start(session.role === "preview" ? { nodes: "a preview token reads only its own projects" } : {});
  showLiveState();
  rerender();
}

function signOut(message = "") {
  live.stop();
  session.clear();
  resetProjectPage();
  resetSyncRuns();
  projectFilter = "";
  document.getElementById("nav").hidden = true;
  document.getElementById("session").hidden = true;
  showLogin(message);
}

function showLogin(message) {
  document.title = "Sign in · Caravanserai";
  const input = h("input", { id: "token", type: "password", autocomplete: "off", spellcheck: "false", required: true });
  const alert = h("p", { class: "error", role: "alert", hidden: !message }, message);
  const button = h("button", { type: "submit" }, "Sign in");
  const form = h("form", { class: "login", onsubmit: async (e) => {
    e.preventDefault();
    button.disabled = true;
    const error = await signIn(input.value.trim());
    button.disabled = false;
    if (!error) return;
    alert.textContent = error;
    alert.hidden = false;
    input.focus();
  } },
  h("h1", {}, "Sign in"),
  h("p", {}, "Paste an API token (caractrl token create --role viewer prints one; the admin token is in the server's data dir)."),
  h("label", { for: "token" }, "Token"), input, button, alert);
  main.replaceChildren(form);
  input.focus();
}

// Null when signed in, else what went wrong.
async function signIn(token) {
  if (!token) return "Enter a token.";
  session.save(token);
  try {
    session.who = await get("/api/v1/whoami");
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) {
      session.clear();
      return "Sign-in failed: the token was not accepted (" + e.message + ").";
    }
    // Kept: a server restarting is no reason to forget the token.
    return "Sign-in failed: " + e.message + ". Try again in a moment.";
  }
  showSignedIn();
  return null;
}

async function start() {
  document.getElementById("signout").addEventListener("click", () => signOut());
  session.onUnauthorized = (detail) => {
    if (session.who) signOut("Signed out: the token is no longer accepted (" + detail + ").");
  };
  live.subscribe((kind) => {
    showLiveState();
    if (route().kinds.includes(kind)) rerender();
  });
  window.addEventListener("hashchange", () => {
    rerender();
    main.focus({ preventScroll: true });
  });
  // Countdowns and ages move on without any new data.
  setInterval(() => { if (session.who) rerender(); }, 30000);
  if (!session.token) return showLogin("");
  const error = await signIn(session.token);
  if (error) showLogin(error);
}

start();
