// One dist/ build from a static host under a path prefix: nginx serves it at
// /tools/studio/ with a config.json that puts the BFF at /bff/ (set up by
// `cargo xtask test`, as the README describes).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, openSubmitted } from './browser.mjs';

const STATIC = process.env.OMNI_STATIC_URL;

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

test('the studio works under a path prefix, talking to the BFF config.json names', { skip: !STATIC && 'OMNI_STATIC_URL is not set' }, async () => {
  const page = await (await browser.newContext()).newPage();
  // Other tests' tasks in the history may have results that cannot be fetched on purpose.
  const failed = [];
  const others = (url) => /\/api\/v1\/tasks\/[^/]+\/files\//.test(url) && !(taskId && url.includes(taskId));
  let taskId;
  page.on('response', (r) => { if (r.status() >= 400 && !others(r.url())) failed.push(`${r.status()} ${r.url()}`); });
  page.on('requestfailed', (r) => failed.push(`failed ${r.url()}`));
  const api = [];
  page.on('request', (r) => { if (/\/(api|kling)\//.test(r.url())) api.push(new URL(r.url()).pathname); });

  // A deep link, straight from the address bar.
  await page.goto(`${STATIC}image`);
  await page.getByTestId('prompt').waitFor();
  assert.equal(await page.evaluate(() => document.baseURI), STATIC);
  const nav = await page.getByRole('navigation', { name: 'Main' }).locator('a').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
  assert.ok(nav.length > 3 && nav.every((h) => h.startsWith('/tools/studio/')), nav.join(' '));

  await page.getByTestId('prompt').fill('A lighthouse served from a sub-path');
  await page.getByTestId('submit').click();
  taskId = await openSubmitted(page);
  assert.match(page.url(), /\/tools\/studio\/tasks\/[^/]+$/);
  await page.waitForSelector('[data-testid="task-status"][data-status="succeed"]', { timeout: 30_000 });
  const img = page.getByTestId('result-image').first();
  await img.waitFor();
  await page.waitForFunction((el) => el.complete && el.naturalWidth > 0, await img.elementHandle());

  // Reload on the task's address and move around with the app's own links.
  await page.reload();
  await page.getByTestId('task-status').waitFor();
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'History' }).click();
  await page.waitForURL(`${STATIC}tasks`);
  await page.locator('.history-link').first().waitFor();

  assert.ok(api.length > 3 && api.every((p) => p.startsWith('/bff/')), `every BFF call under /bff/: ${api.join(' ')}`);
  assert.deepEqual(failed, []);
  await page.context().close();
});
