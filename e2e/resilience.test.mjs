// A create whose answer is lost on the way back: the person sees why, sends again, and
// the studio makes one task, not two (the same Idempotency-Key goes with both sends).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, openPage, SIM, openSubmitted } from './browser.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

test('sending again after a lost answer makes one task', async () => {
  const keys = [];
  let lost = false;
  const page = await openPage(browser, '/image', async (p) => {
    await p.route('**/kling/v1/images/omni-image', async (route) => {
      keys.push(route.request().headers()['idempotency-key']);
      if (!lost) {
        // The BFF gets the request and makes the task; the browser never hears back.
        lost = true;
        await route.fetch();
        await route.abort('connectionreset');
      } else {
        await route.continue();
      }
    });
  });
  await page.evaluate(() => localStorage.clear());
  await page.reload();
  const prompt = `A lighthouse whose answer was lost ${Date.now()}`;
  await page.getByTestId('prompt').fill(prompt);
  await page.getByTestId('submit').click();
  await page.getByTestId('submit-error').waitFor();
  assert.match(await page.getByTestId('submit-error').textContent(), /Cannot reach the server/);

  await page.getByTestId('submit').click();
  await openSubmitted(page);
  assert.equal(keys.length, 2);
  assert.ok(keys[0] && keys[0] === keys[1], `one key for both sends: ${keys}`);

  assert.ok(SIM, 'OMNI_SIM_URL is set by cargo xtask test');
  const stats = await fetch(`${SIM}/sim/stats`).then((r) => r.json());
  const made = stats.made.filter((m) => m.prompt === prompt);
  assert.equal(made.length, 1, 'one task upstream');
  assert.equal(page.url().split('/').pop(), made[0].task_id);

  // An edit makes it another request: the next send has a new key.
  await page.goBack();
  await page.getByTestId('prompt').fill(`${prompt}, at night`);
  await page.getByTestId('submit').click();
  await openSubmitted(page);
  assert.equal(keys.length, 3);
  assert.notEqual(keys[2], keys[0]);
});
