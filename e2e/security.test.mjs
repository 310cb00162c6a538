// The studio under its security policy: every page runs with the BFF's CSP and breaks
// none of it, and a BFF with access tokens asks for a sign-in whose session the page
// cannot read (HttpOnly) and the token is never stored.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, openPage, BASE } from './browser.mjs';

const SECURE = process.env.OMNI_SECURE_URL;
const TOKEN = process.env.OMNI_SECURE_TOKEN;

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

/// Collects CSP violations from the first script on.
async function watchCsp(page) {
  await page.addInitScript(() => {
    window.__csp = [];
    document.addEventListener('securitypolicyviolation', (e) => window.__csp.push(`${e.violatedDirective} ${e.blockedURI}`));
  });
}

test('every page runs under the CSP without a single violation', async () => {
  for (const path of ['/image', '/video', '/generate', '/quick', '/elements', '/tasks', '/tasks/nope']) {
    const page = await openPage(browser, path, watchCsp);
    const csp = (await page.context().request.get(BASE + path)).headers()['content-security-policy'];
    assert.match(csp, /script-src 'self' 'wasm-unsafe-eval' 'sha256-/);
    assert.doesNotMatch(csp.split(';').find((d) => d.includes('script-src')), /unsafe-inline/);
    await page.locator('main#main > *').first().waitFor();
    assert.deepEqual(await page.evaluate(() => window.__csp), [], path);
    await page.context().close();
  }
});

test('a path that starts with two slashes cannot move the app to another host', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  const hosts = new Set();
  page.on('request', (r) => hosts.add(new URL(r.url()).host));
  await page.goto(`${BASE}//evil.example/image`, { waitUntil: 'load' });
  // Read as the path prefix /evil.example/ on this host, never as the host evil.example.
  assert.equal(await page.evaluate(() => window.__omniBase), '/evil.example/');
  assert.equal(await page.evaluate(() => new URL(document.baseURI).host), new URL(BASE).host);
  assert.deepEqual([...hosts], [new URL(BASE).host], 'every request stayed on this host');
  await context.close();
});

test('a BFF with access tokens asks for a sign-in, keeps the session out of reach of scripts, and remembers it', { skip: !SECURE && 'OMNI_SECURE_URL is not set' }, async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${SECURE}/image`);
  await page.getByTestId('sign-in-form').waitFor();
  assert.equal(await page.getByRole('navigation', { name: 'Main' }).count(), 0, 'nothing else renders');
  // The label names the input.
  await page.getByLabel('Access token').fill('not-the-right-token');
  await page.getByTestId('sign-in').click();
  await page.getByTestId('sign-in-error').filter({ hasText: /not valid/ }).waitFor();

  await page.getByLabel('Access token').fill(TOKEN);
  await page.getByLabel('Access token').press('Enter');
  await page.getByRole('navigation', { name: 'Main' }).waitFor();
  await page.getByTestId('prompt').waitFor();
  // HttpOnly: the page's scripts cannot see the session; the token is stored nowhere.
  assert.equal(await page.evaluate(() => document.cookie.includes('omni_session')), false);
  const stored = await page.evaluate(() => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }));
  assert.ok(!stored.includes(TOKEN), 'the token is not in web storage');
  const cookie = (await context.cookies()).find((c) => c.name === 'omni_session');
  assert.ok(cookie.httpOnly && cookie.secure && cookie.sameSite === 'Strict', JSON.stringify(cookie));

  // A reload stays signed in, and the API answers.
  await page.reload();
  await page.getByTestId('prompt').waitFor();
  const status = await page.evaluate(() => fetch('/api/v1/tasks').then((r) => r.status));
  assert.equal(status, 200);
  await context.close();
});

/// Elements whose address has a scheme other than http(s) or the page's own blob:, or
/// is protocol-relative (relative paths stay on this origin).
const unsafeLinks = (page) => page.evaluate(() => [...document.querySelectorAll('[src], [href]')]
  .map((el) => (el.getAttribute('src') ?? el.getAttribute('href')).trim())
  .filter((u) => u.startsWith('//') || (/^[a-z][a-z0-9+.-]*:/i.test(u) && !/^(https?|blob):/i.test(u))));

test('javascript: and data: links from the upstream or typed by a person never reach a page', async () => {
  // A task whose first two result links are javascript: and data: URLs.
  const created = await fetch(`${BASE}/kling/v1/images/omni-image`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ prompt: 'hostile links [sim:scriptlinks]', n: 3 }),
  }).then((r) => r.json());
  const id = created.data.task_id;
  const page = await openPage(browser, `/tasks/${id}`);
  await page.waitForSelector('[data-testid="task-status"][data-status="succeed"]', { timeout: 30_000 });
  await page.getByTestId('result-image').first().waitFor();
  assert.equal(await page.getByTestId('result-image').count(), 3);
  assert.deepEqual(await unsafeLinks(page), []);
  // Only the one http(s) result can be reused as a reference.
  assert.equal(await page.getByTestId('use-as-reference').count(), 1);

  // A reference URL typed by a person: refused with its reason, never shown as an image.
  await page.goto(`${BASE}/image`);
  await page.getByTestId('add-image-url').fill('javascript:alert(document.domain)');
  await page.getByTestId('add-image-url-button').click();
  await page.getByText(/http\(s\)/).first().waitFor();
  assert.deepEqual(await unsafeLinks(page), []);
  await page.context().close();
});
