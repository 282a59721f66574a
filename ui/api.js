// The server's API with the session's token. The token stays in session
// storage: it is gone when the tab closes and never leaves for another site
// (the page's Content-Security-Policy allows this server only).

const TOKEN_KEY = "cara.token";

export class ApiError extends Error {
  constructor(status, detail) {
    super(detail);
    this.status = status;
  }
}

export const session = {
  token: sessionStorage.getItem(TOKEN_KEY) || "",
  who: null, // GET /api/v1/whoami
  onUnauthorized: () => {},

  save(token) {
    this.token = token;
    sessionStorage.setItem(TOKEN_KEY, token);
  },
  clear() {
    this.token = "";
    this.who = null;
    sessionStorage.removeItem(TOKEN_KEY);
  },
  get role() {
    return this.who ? this.who.role : "";
  },
  // Whether the role may change this kind of object (the server decides
  // anyway: this only hides buttons that would be refused).
  may(action, project) {
    const role = this.role;
    if (role === "admin" || role === "deployer") return true;
    if (role !== "preview" || !project) return false;
    return action !== "drain" && project.metadata.name.startsWith(this.who.namePrefix || "\u0000");
  },
};

function headers(extra) {
  const out = { Accept: "application/json", ...extra };
  if (session.token) out.Authorization = "Bearer " + session.token;
  return out;
}

// The problem+json detail, or the text the server sent.
async function problem(response) {
  const text = await response.text();
  try {
    const body = JSON.parse(text);
    return body.detail || body.title || text;
  } catch {
    return text.trim() || response.statusText;
  }
}

export async function request(method, path, body, { raw = false, signal } = {}) {
  const init = { method, headers: headers(body !== undefined ? { "Content-Type": "application/json" } : {}), signal };
  if (body !== undefined) init.body = JSON.stringify(body);
  let response;
  try {
    response = await fetch(path, init);
  } catch (e) {
    if (e.name === "AbortError") throw e;
    throw new ApiError(0, "cannot reach the server: " + e.message);
  }
  if (!response.ok) {
    const detail = await problem(response);
    if (response.status === 401) session.onUnauthorized(detail);
    throw new ApiError(response.status, detail);
  }
  if (raw) return response;
  if (response.status === 204) return null;
  const type = response.headers.get("Content-Type") || "";
  return type.includes("json") ? response.json() : response.text();
}

export const get = (path, options) => request("GET", path, undefined, options);
export const put = (path, body) => request("PUT", path, body);
export const del = (path) => request("DELETE", path);

export function path(kind, name) {
  return "/api/v1/" + kind + (name === undefined ? "" : "/" + encodeURIComponent(name));
}
