// A deployer's drain of a node from its page, confirmed in the dialog,
// reaches the API; so does undraining it. Cancelling sends nothing.
import { api, cluster, runScenario, waitUntil } from './harness.mjs';

async function nodeState() {
  const r = await api('GET', `/api/v1/nodes/${cluster.node}`);
  return r.json?.status?.state ?? `HTTP ${r.status}`;
}

await runScenario('a deployer drains and undrains a node from its page', async (ui) => {
  await waitUntil('the node to be Ready', async () => (await nodeState()) === 'Ready');
  const page = await ui.open();
  await ui.signIn(page, 'deployer');
  await ui.route(page, `#/nodes/${cluster.node}`);
  await page.locator('h1').filter({ hasText: cluster.node }).waitFor();
  const state = page.locator('[data-field="state"]');
  await state.filter({ hasText: 'Ready' }).waitFor();

  await ui.cancel(page, 'Drain node');
  await ui.confirm(page, 'Drain node');
  await waitUntil('the API to report the node Draining',
                  async () => (await nodeState()) === 'Draining');
  await state.filter({ hasText: 'Draining' }).waitFor();

  await ui.confirm(page, 'Undrain node');
  await waitUntil('the API to report the node no longer Draining',
                  async () => (await nodeState()) !== 'Draining');
  await state.filter({ hasText: 'Ready' }).waitFor();
});
