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
