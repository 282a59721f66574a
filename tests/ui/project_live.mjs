// The Projects page follows a project's life through the watch API: a new
// project shows up Pending (or Scheduled) and turns Running, and a deleted
// one disappears, all without reloading the page.
import { api, check, cluster, runScenario } from './harness.mjs';

const name = cluster.project;
const kSleeper = ['sh', '-c', "trap 'exit 0' TERM; while true; do sleep 1; done"];

// Records every text the project's phase cell shows, however briefly, and
// marks the document so that a reload would be noticed.
function watchPhases(project) {
  window.__marker = 1;
  window.__phases = [];
  const cell = `tr[data-project="${project}"] [data-field="phase"]`;
  new MutationObserver(() => {
    const text = document.querySelector(cell)?.textContent.trim();
    if (text && window.__phases.at(-1) !== text) window.__phases.push(text);
  }).observe(document.documentElement, { subtree: true, childList: true, characterData: true });
}

async function checkNotReloaded(page, when) {
  const state = await page.evaluate(() => ({
    marker: window.__marker,
    navigations: performance.getEntriesByType('navigation').length,
  }));
  check(state.marker === 1 && state.navigations === 1, `the page was reloaded ${when}`);
}

await runScenario('a project turns Running and disappears without a reload', async (ui) => {
  const page = await ui.open();
  await ui.signIn(page, 'admin');
  await page.getByRole('navigation').getByRole('link', { name: 'Projects', exact: true }).click();
  await ui.waitLive(page);
  await page.evaluate(watchPhases, name);

  const spec = { services: [{ name: 'main', image: 'cara/busybox:test', command: kSleeper }] };
  const created = await api('POST', '/api/v1/projects', { body: { metadata: { name }, spec } });
  check(created.status === 201, `creating the project answered ${created.status}: ${created.text}`);
  const row = page.locator(`tr[data-project="${name}"]`);
  await row.locator('[data-field="phase"]').filter({ hasText: 'Running' }).waitFor({ timeout: 40_000 });
  await checkNotReloaded(page, 'while the project started');
  const phases = await page.evaluate(() => window.__phases);
  check(/Pending|Scheduled/.test(phases[0] ?? '') && /Running/.test(phases.at(-1)),
        `the phase cell showed ${JSON.stringify(phases)}, not Pending or Scheduled then Running`);

  const deleted = await api('DELETE', `/api/v1/projects/${name}`);
  check(deleted.status === 202 || deleted.status === 204, `deleting answered ${deleted.status}`);
  await row.waitFor({ state: 'detached', timeout: 40_000 });
  await checkNotReloaded(page, 'while the project was deleted');
});
