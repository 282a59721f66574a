// Draining a node from its page, confirmed in the dialog, reaches the API;
// so does undraining it.
import { api, cluster, runScenario, waitUntil } from './harness.mjs';

async function nodeState() {
  const r = await api('GET', `/api/v1/nodes/${cluster.node}`);
  return r.json?.status?.state ?? `HTTP ${r.status}`;
}

async function confirmAction(page, button) {
  await page.getByRole('button', { name: button, exact: true }).click();
  const dialog = page.getByRole('dialog');
  await dialog.getByRole('button', { name: 'Confirm', exact: true }).click();
  await dialog.waitFor({ state: 'hidden' });
}

await runScenario('a node is drained and undrained from its page', async (ui) => {
  await waitUntil('the node to be Ready', async () => (await nodeState()) === 'Ready');
  const page = await ui.open();
  await ui.signIn(page, 'admin');
  await ui.route(page, `#/nodes/${cluster.node}`);
  await page.locator('h1').filter({ hasText: cluster.node }).waitFor();
  const state = page.locator('[data-field="state"]');
  await state.filter({ hasText: 'Ready' }).waitFor();

  await confirmAction(page, 'Drain node');
  await waitUntil('the API to report the node Draining',
                  async () => (await nodeState()) === 'Draining');
  await state.filter({ hasText: 'Draining' }).waitFor();

  await confirmAction(page, 'Undrain node');
  await waitUntil('the API to report the node no longer Draining',
                  async () => (await nodeState()) !== 'Draining');
  await state.filter({ hasText: 'Ready' }).waitFor();
});
