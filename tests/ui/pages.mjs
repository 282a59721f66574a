// Every page, signed in as admin, at desktop size and at 375 px: a
// screenshot of each (under CARA_SCREENSHOT_DIR), no horizontal overflow on
// the phone, a name on every control, and the actions an admin should see.
import { check, cluster, dashboardPages, runScenario, sizes } from './harness.mjs';

const kAdminActions = {
  node: ['Drain node'],
  project: ['Delete project', 'Restart project', 'Extend expiry'],
};

async function checkFits(page, name) {
  const width = page.viewportSize().width;
  if (width !== 375) return;
  const scrollWidth = await page.evaluate(() => document.documentElement.scrollWidth);
  check(scrollWidth <= width, `${name} at ${width} px is ${scrollWidth} px wide`);
}

// Controls without an accessible name show in the ARIA snapshot as a bare
// role ("- button"), where a named one reads '- button "Sign in"'.
const kUnnamedControl = /^\s*- (button|link|textbox|combobox|checkbox|searchbox|spinbutton)(\s*\[[^\]]*\])*:?$/;

async function checkNamed(page, name) {
  const snapshot = await page.locator('body').ariaSnapshot();
  const unnamed = snapshot.split('\n').filter((line) => kUnnamedControl.test(line));
  check(unnamed.length === 0, `${name} has controls without a name:\n${unnamed.join('\n')}`);
}

async function visitAll(ui, size) {
  const page = await ui.open(size);
  await ui.load(page, `${cluster.url}/ui/`);
  await page.getByLabel('Token', { exact: true }).waitFor();
  await checkFits(page, 'login');
  await checkNamed(page, 'login');
  await ui.shot(page, 'login');
  await ui.submitToken(page, cluster.tokens.admin);
  await page.locator('[data-role]').filter({ hasText: 'admin' }).waitFor();
  await ui.waitLive(page);
  for (const { name, hash, ready } of dashboardPages) {
    await ui.route(page, hash);
    await ready(page).waitFor();
    if (name === 'syncruns') await page.locator('table').first().waitFor();
    for (const action of kAdminActions[name] ?? []) {
      await page.getByRole('button', { name: action, exact: true }).waitFor();
    }
    await checkFits(page, name);
    await checkNamed(page, name);
    await ui.shot(page, name);
  }
  await page.context().close();
}

await runScenario('every page at desktop size and at 375 px', async (ui) => {
  for (const size of Object.keys(sizes)) await visitAll(ui, size);
});
