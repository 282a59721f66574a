// What every dashboard scenario shares: Debian's chromium driven by
// playwright-core against the cluster that ui_test started (its URL, CA,
// tokens and node come in the environment), pages at desktop and phone sizes
// that fail the scenario on any console error or uncaught exception, the
// API as a token holder, screenshots, and waits that end at a deadline.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';

const kScenarioDeadlineMs = 90_000;
const kActionTimeoutMs = 20_000;

// Flags that let chromium run here: as root (no sandbox), without a GPU, and
// without the background connections that a closed network refuses.
const kChromiumFlags = [
  '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

export const sizes = {
  desktop: { viewport: { width: 1280, height: 800 } },
  // A phone: touch, and the page's meta viewport honoured as a phone would.
  375: { viewport: { width: 375, height: 740 }, isMobile: true, hasTouch: true },
};

function required(name) {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set (ui_test sets it)`);
  return value;
}

export const cluster = {
  url: required('CARA_URL'),
  node: required('CARA_NODE'),
  project: process.env.CARA_PROJECT ?? '',
  tokens: {
    admin: required('CARA_TOKEN_ADMIN'),
    viewer: required('CARA_TOKEN_VIEWER'),
    deployer: required('CARA_TOKEN_DEPLOYER'),
  },
  screenshotDir: required('CARA_SCREENSHOT_DIR'),
  serverCert: required('CARA_SERVER_CERT'),
};

// Output never carries a token, not even in a failure (the CI run greps the
// test logs for token shapes).
export function redact(text) {
  let out = String(text);
  for (const [role, token] of Object.entries(cluster.tokens)) {
    out = out.split(token).join(`<${role} token>`);
  }
  return out.replace(/cara_[0-9a-f]{12}_[0-9a-f]{64}/g, '<token>');
}

// base64(SHA-256(SubjectPublicKeyInfo)) of the server's certificate: chromium
// then trusts exactly this key and still checks names and dates, instead of
// ignoring every certificate error.
function serverSpkiHash() {
  const pem = fs.readFileSync(cluster.serverCert, 'utf8');
  const spki = new crypto.X509Certificate(pem).publicKey.export({ type: 'spki', format: 'der' });
  return crypto.createHash('sha256').update(spki).digest('base64');
}

// Polls `probe` (sync or async) until it returns something truthy; throws
// naming `what` at the deadline. For outcomes outside the page (the API);
// inside the page, the locators' own waits are used.
export async function waitUntil(what, probe, timeoutMs = kActionTimeoutMs) {
  const until = Date.now() + timeoutMs;
  let interval = 10;
  let last;
  for (;;) {
    last = await probe();
    if (last) return last;
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, interval));
    interval = Math.min(interval * 2, 200);
  }
}

// The API as the holder of `token` (a role name or a token value).
export async function api(method, apiPath, { token = 'admin', body } = {}) {
  const bearer = cluster.tokens[token] ?? token;
  const headers = { Authorization: `Bearer ${bearer}` };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const response = await fetch(cluster.url + apiPath, {
    method, headers, body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  let json = null;
  try { json = text ? JSON.parse(text) : null; } catch { /* not JSON: keep text */ }
  return { status: response.status, json, text };
}

export class Ui {
  constructor(browser) {
    this.browser = browser;
    this.problems = [];  // console errors and uncaught exceptions, by page
    this.allowed = [];   // console errors a scenario expects (a refused token)
    // Chromium aborts in-flight requests with ERR_NETWORK_CHANGED when the
    // host's interfaces change: on a test machine, dockerd adding a bridge
    // for another test's containers. Not the dashboard's fault: such a
    // failure is not a problem, and a page load it hit is loaded again.
    this.networkChanged = false;
    this.pending = new Map();  // request -> "[size] METHOD url", for a failure's report
  }

  // What the pages were still waiting for (watch streams never finish).
  pendingRequests() {
    return [...this.pending.values()].filter((line) => !line.includes('watch=true'));
  }

  // A console error matching `pattern` is expected from here on.
  allowConsoleError(pattern) { this.allowed.push(pattern); }

  // A fresh context (no session storage) and page at `size`.
  async open(size = 'desktop') {
    const context = await this.browser.newContext(sizes[size]);
    context.setDefaultTimeout(kActionTimeoutMs);
    const page = await context.newPage();
    page.on('console', (message) => {
      if (message.type() !== 'error') return;
      const text = `${message.text()} (${message.location().url ?? ''})`;
      if (this.allowed.some((pattern) => pattern.test(text))) return;
      if (text.includes('ERR_NETWORK_CHANGED')) return;
      this.problems.push(`[${size}] console error: ${text}`);
    });
    page.on('request', (r) => this.pending.set(r, `[${size}] ${r.method()} ${r.url()}`));
    page.on('requestfinished', (r) => this.pending.delete(r));
    page.on('requestfailed', (r) => {
      this.pending.delete(r);
      // An abort is deliberate (the page's or a closing context's); a watch
      // stream ends when its page does.
      const reason = r.failure()?.errorText ?? '';
      if (reason.includes('ERR_ABORTED') || r.url().includes('watch=true')) return;
      if (reason.includes('ERR_NETWORK_CHANGED')) {
        this.networkChanged = true;
        return;
      }
      this.problems.push(`[${size}] request failed: ${r.method()} ${r.url()}: ${reason}`);
    });
    page.on('pageerror', (error) => {
      this.problems.push(`[${size}] uncaught exception: ${error.stack ?? error}`);
    });
    return page;
  }

  // Loads the dashboard and signs in with the token of `role`; returns once
  // the UI shows that role.
  async signIn(page, role) {
    await this.load(page, `${cluster.url}/ui/`);
    await this.submitToken(page, cluster.tokens[role]);
    await page.locator('[data-role]').filter({ hasText: role }).waitFor();
  }

  // page.goto, once more when a network change broke the load (above).
  async load(page, url) {
    for (let attempt = 0; ; ++attempt) {
      this.networkChanged = false;
      await page.goto(url);
      await page.waitForLoadState('load');
      if (!this.networkChanged || attempt === 2) return;
    }
  }

  async submitToken(page, value) {
    await page.getByLabel('Token', { exact: true }).fill(value);
    await page.getByRole('button', { name: 'Sign in' }).click();
  }

  // Follows a hash route (#/nodes, #/projects/<name>, ...) within the page.
  async route(page, hash) {
    await page.evaluate((h) => { window.location.hash = h; }, hash);
  }

  // Clicks the action button `name` and confirms in its dialog.
  async confirm(page, name) {
    await page.getByRole('button', { name, exact: true }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByRole('button', { name: 'Confirm', exact: true }).click();
    await dialog.waitFor({ state: 'hidden' });
  }

  // Clicks the action button `name`, cancels its dialog, and checks that
  // the page sent no write meanwhile.
  async cancel(page, name) {
    const writes = [];
    const record = (request) => {
      if (request.method() !== 'GET') writes.push(`${request.method()} ${request.url()}`);
    };
    page.on('request', record);
    await page.getByRole('button', { name, exact: true }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByRole('button', { name: 'Cancel', exact: true }).click();
    await dialog.waitFor({ state: 'hidden' });
    page.off('request', record);
    check(writes.length === 0, `"${name}" then Cancel sent ${writes.join(', ')}`);
  }

  async waitLive(page) {
    await page.locator('[data-live]').filter({ hasText: /^\s*live\s*$/ }).waitFor();
  }

  // <name>-desktop.png or <name>-375.png under CARA_SCREENSHOT_DIR.
  async shot(page, name) {
    const width = page.viewportSize().width;
    const suffix = width === 375 ? '375' : 'desktop';
    await page.screenshot({ path: path.join(cluster.screenshotDir, `${name}-${suffix}.png`),
                            fullPage: true });
  }

  assertNoProblems() {
    if (this.problems.length) throw new Error(`the page reported:\n  ${this.problems.join('\n  ')}`);
  }
}

// The signed-in pages, each with its route and what is on it once it has
// its data (the scenario's node and running project).
export const dashboardPages = [
  { name: 'overview', hash: '#/', ready: (page) => page.locator('h1').first() },
  { name: 'nodes', hash: '#/nodes',
    ready: (page) => page.locator(`tr[data-node="${cluster.node}"]`) },
  { name: 'node', hash: `#/nodes/${cluster.node}`,
    ready: (page) => page.locator('[data-field="state"]').filter({ hasText: 'Ready' }) },
  { name: 'projects', hash: '#/projects',
    ready: (page) => page.locator(`tr[data-project="${cluster.project}"]`) },
  { name: 'project', hash: `#/projects/${cluster.project}`,
    ready: (page) => page.locator('[data-field="phase"]').filter({ hasText: 'Running' }) },
  { name: 'syncruns', hash: '#/syncruns',
    ready: (page) => page.locator('h1').filter({ hasText: 'Sync runs' }) },
];

// Throws with `message` unless `condition` holds.
export function check(condition, message) {
  if (!condition) throw new Error(message);
}

// Runs one scenario in a fresh chromium: exit code 0 when `body` returns and
// no page reported an error, 1 (with the reason on stderr) otherwise.
export async function runScenario(name, body) {
  const deadline = setTimeout(() => {
    console.error(`FAIL ${name}: no result within ${kScenarioDeadlineMs} ms`);
    process.exit(1);
  }, kScenarioDeadlineMs);
  const started = Date.now();
  let browser;
  let ui;
  try {
    // Playwright gives each launch a new, empty --user-data-dir.
    browser = await chromium.launch({
      executablePath: process.env.CARA_CHROMIUM || '/usr/bin/chromium',
      args: [...kChromiumFlags, `--ignore-certificate-errors-spki-list=${serverSpkiHash()}`],
    });
    ui = new Ui(browser);
    await body(ui);
    ui.assertNoProblems();
    console.log(`ok ${name} (${Date.now() - started} ms)`);
  } catch (error) {
    console.error(redact(`FAIL ${name}: ${error.stack ?? error}`));
    for (const line of ui?.problems ?? []) console.error(redact(`  then: ${line}`));
    for (const line of ui?.pendingRequests() ?? []) console.error(redact(`  pending: ${line}`));
    process.exitCode = 1;
  } finally {
    await browser?.close().catch(() => {});
    clearTimeout(deadline);
  }
}
