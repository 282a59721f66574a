// A token the server does not know gets a clear message and nothing else:
// no navigation, no data, no role, and the token is not kept.
import { check, cluster, runScenario } from './harness.mjs';

// Well-formed (a revoked token looks like this), but unknown to the server.
const kUnknownToken = `cara_${'0'.repeat(12)}_${'0'.repeat(64)}`;

await runScenario('a wrong token is told it was not accepted', async (ui) => {
  // The refused request is the outcome under test; chromium logs its 401.
  ui.allowConsoleError(/status of 401/);
  const page = await ui.open();
  await ui.load(page, `${cluster.url}/ui/`);
  await ui.submitToken(page, kUnknownToken);
  await page.getByRole('alert').filter({ hasText: 'not accepted' }).waitFor();

  const shown = {
    'a nav link': page.getByRole('link', { name: /^(Overview|Nodes|Projects|Sync runs)$/ }),
    'a Sign out button': page.getByRole('button', { name: 'Sign out' }),
    'a node row': page.locator('tr[data-node]'),
    'a project row': page.locator('tr[data-project]'),
    'a role': page.locator('[data-role]').filter({ hasText: /\S/ }),
  };
  for (const [what, locator] of Object.entries(shown)) {
    const visible = await locator.filter({ visible: true }).count();
    check(visible === 0, `after a refused token the page shows ${what} (${visible})`);
  }
  const kept = await page.evaluate(() => window.sessionStorage.getItem('cara.token'));
  check(kept === null, 'the refused token was kept in sessionStorage');
});
