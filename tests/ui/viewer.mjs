// A viewer sees the project and node pages without any action button, and
// the API refuses the action anyway. The token lives in the tab's session
// storage until Sign out.
import { api, check, cluster, runScenario } from './harness.mjs';

const kActions = /Delete|Restart|Extend|Drain|Undrain/;

await runScenario('a viewer sees no actions', async (ui) => {
  const page = await ui.open();
  await ui.signIn(page, 'viewer');
  const actions = page.getByRole('button', { name: kActions });

  const visits = [
    [`#/projects/${cluster.project}`, cluster.project, '[data-field="phase"]', 'Running'],
    [`#/nodes/${cluster.node}`, cluster.node, '[data-field="state"]', 'Ready'],
    ['#/projects', null, `tr[data-project="${cluster.project}"]`, 'Running'],
    ['#/nodes', null, `tr[data-node="${cluster.node}"]`, 'Ready'],
  ];
  for (const [hash, heading, field, text] of visits) {
    await ui.route(page, hash);
    if (heading) await page.locator('h1').filter({ hasText: heading }).waitFor();
    // The page has its data (so it has decided what to show) before counting.
    await page.locator(field).filter({ hasText: text }).waitFor();
    const names = await actions.allTextContents();
    check(names.length === 0, `a viewer sees action buttons on ${hash}: ${names.join(', ')}`);
  }

  const stored = () => page.evaluate(() => window.sessionStorage.getItem('cara.token'));
  check((await stored()) === cluster.tokens.viewer, 'the token is not in sessionStorage cara.token');
  await page.getByRole('button', { name: 'Sign out', exact: true }).click();
  await page.getByLabel('Token', { exact: true }).waitFor();
  check((await stored()) === null, 'Sign out left the token in sessionStorage');
  const nav = page.getByRole('navigation').filter({ visible: true });
  check((await nav.count()) === 0, 'Sign out left the navigation shown');

  const refused = await api('DELETE', `/api/v1/projects/${cluster.project}`, { token: 'viewer' });
  check(refused.status === 403, `a viewer's DELETE answered ${refused.status}, not 403`);
  const still = await api('GET', `/api/v1/projects/${cluster.project}`);
  check(still.json?.status?.phase === 'Running',
        `after the refused DELETE the project is ${still.json?.status?.phase ?? still.status}`);
});
