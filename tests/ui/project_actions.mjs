// An admin's project actions from the project page, each confirmed, each
// seen in the API: extend the expiry, restart (a new generation), delete.
import { api, check, cluster, runScenario, waitUntil } from './harness.mjs';

const kHour = 3600_000;
const kRestartedAt = 'caravanserai.io/restarted-at';

async function project() {
  const r = await api('GET', `/api/v1/projects/${cluster.project}`);
  return r.status === 200 ? r.json : null;
}

await runScenario('an admin extends, restarts and deletes a project', async (ui) => {
  // The agent's status reports may land between the dashboard's GET and PUT:
  // the PUT gets 409 and the dashboard retries on the fresh object (a spec
  // change would stay a 409). Chromium logs every 4xx as a console error;
  // the outcome of each action is checked through the API below.
  ui.allowConsoleError(/status of 409 \(Conflict\) \(https:[^)]*\/api\/v1\/projects\//);
  const before = await project();
  check(before?.spec?.expireAt, `the project has no spec.expireAt: ${JSON.stringify(before)}`);
  const page = await ui.open();
  await ui.signIn(page, 'admin');
  await ui.route(page, `#/projects/${cluster.project}`);
  await page.locator('[data-field="phase"]').filter({ hasText: 'Running' }).waitFor();

  // The dialog offers +1h first.
  await ui.confirm(page, 'Extend expiry');
  const extended = await waitUntil('the API to report a later expireAt', async () => {
    const p = await project();
    return Date.parse(p?.spec?.expireAt) >= Date.parse(before.spec.expireAt) + kHour - 1000 && p;
  });

  await ui.confirm(page, 'Restart project');
  await waitUntil('the API to report the restart', async () => {
    const p = await project();
    return p?.metadata?.annotations?.[kRestartedAt] &&
           p.metadata.generation > extended.metadata.generation;
  });

  await ui.confirm(page, 'Delete project');
  await waitUntil('the API to report the project Terminating or gone', async () => {
    const p = await project();
    return p === null || p.status?.phase === 'Terminating';
  });
});
