// What the dashboard costs: a fresh load through sign-in to the overview
// transfers under 300 KB, and visiting every page opens at most one watch
// stream per kind (nodes, projects, events).
import { check, dashboardPages, runScenario } from './harness.mjs';

const kMaxFirstLoadBytes = 300_000;
const kWatchedPaths = ['/api/v1/nodes', '/api/v1/projects', '/api/v1/events'];

// Bytes on the wire per request (headers and encoded body), counted by
// chromium itself; a watch stream never finishes, so its chunks are added
// up as they arrive.
async function countTransfer(page) {
  const cdp = await page.context().newCDPSession(page);
  const streamed = new Map();
  const finished = new Map();
  cdp.on('Network.responseReceived', (e) => {
    streamed.set(e.requestId, (streamed.get(e.requestId) ?? 0) + e.response.encodedDataLength);
  });
  cdp.on('Network.dataReceived', (e) => {
    streamed.set(e.requestId, (streamed.get(e.requestId) ?? 0) + e.encodedDataLength);
  });
  cdp.on('Network.loadingFinished', (e) => finished.set(e.requestId, e.encodedDataLength));
  await cdp.send('Network.enable');
  return () => {
    let total = 0;
    for (const [id, bytes] of streamed) total += finished.get(id) ?? bytes;
    return total;
  };
}

await runScenario('first load size and one watch per kind', async (ui) => {
  const page = await ui.open();
  const watches = new Map();
  page.on('request', (request) => {
    const url = new URL(request.url());
    if (url.searchParams.get('watch') !== 'true') return;
    watches.set(url.pathname, (watches.get(url.pathname) ?? 0) + 1);
  });
  const transferred = await countTransfer(page);
  await ui.signIn(page, 'admin');
  await ui.waitLive(page);
  const bytes = transferred();
  console.log(`first load: ${bytes} bytes`);
  check(bytes < kMaxFirstLoadBytes, `the first load transferred ${bytes} bytes`);

  for (const { hash, ready } of [...dashboardPages.slice(1), dashboardPages[0]]) {
    await ui.route(page, hash);
    await ready(page).waitFor();
    await ui.waitLive(page);
  }
  const counts = Object.fromEntries(watches);
  console.log(`watch requests: ${JSON.stringify(counts)}`);
  for (const [watchPath, n] of watches) check(n <= 1, `${n} watch requests to ${watchPath}`);
  for (const watchPath of kWatchedPaths) {
    check(watches.has(watchPath), `no watch of ${watchPath} (${JSON.stringify(counts)})`);
  }
});
