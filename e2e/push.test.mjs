// Push updates and durable results in the browser: a watched task arrives through its
// event stream without polling, the page falls back to polling when streams are
// blocked, and results stay viewable after the upstream forgot them.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, openPage, BASE, SIM } from './browser.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

async function create(prompt) {
  const res = await fetch(`${BASE}/kling/v1/images/omni-image`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ prompt, n: 2 }),
  }).then((r) => r.json());
  assert.equal(res.code, 0, JSON.stringify(res));
  return res.data.task_id;
}

const status = (s) => `[data-testid="task-status"][data-status="${s}"]`;

/// Counts the page's requests for the task itself and for its event stream.
function watch(page, id) {
  const seen = { reads: 0, streams: 0, statuses: [] };
  page.on('request', (r) => {
    const path = new URL(r.url()).pathname;
    if (path === `/api/v1/tasks/${id}`) seen.reads += 1;
    if (path === `/api/v1/tasks/${id}/events`) seen.streams += 1;
  });
  return seen;
}

test('a watched task is pushed to the browser: one read, then events, no polling', async () => {
  const id = await create(`pushed ${Date.now()} [sim:delay=3000]`);
  let seen;
  const page = await openPage(browser, `/tasks/${id}`, (p) => { seen = watch(p, id); });
  await page.waitForSelector(status('processing'), { timeout: 15_000 });
  // Record every status the page shows, as it shows it.
  await page.evaluate(() => {
    window.__statuses = [];
    const el = () => document.querySelector('[data-testid="task-status"]');
    new MutationObserver(() => window.__statuses.push({ status: el()?.dataset.status, at: Date.now() }))
      .observe(document.body, { subtree: true, attributes: true, attributeFilter: ['data-status'] });
  });
  await page.waitForSelector(status('succeed'), { timeout: 20_000 });
  assert.equal(seen.reads, 1, 'the task was read once, then pushed');
  assert.ok(seen.streams >= 1, 'the event stream was opened');
  const shown = (await page.evaluate(() => window.__statuses)).find((s) => s.status === 'succeed');
  assert.ok(shown, 'the page showed succeed');
  // A measurement, not a limit (shared machines are noisy): from the upstream's change
  // (its updated_at) to the page showing it.
  const task = (await fetch(`${BASE}/api/v1/tasks/${id}`).then((r) => r.json())).data;
  console.log(`# pushed: upstream change to page update in ${shown.at - task.updated_at} ms`);
  await page.waitForFunction(() => [...document.querySelectorAll('[data-testid="result-image"]')].every((i) => i.naturalWidth > 0));
  // Nothing more is asked once the task ended.
  const before = { ...seen };
  await page.waitForTimeout(2500);
  assert.deepEqual({ reads: seen.reads, streams: seen.streams }, { reads: before.reads, streams: before.streams });
  await page.context().close();
});

test('with event streams blocked the page polls to the same end', async () => {
  const id = await create(`polled ${Date.now()} [sim:delay=1000]`);
  let seen;
  const page = await openPage(browser, `/tasks/${id}`, async (p) => {
    seen = watch(p, id);
    await p.route('**/events', (r) => r.abort());
  });
  await page.waitForSelector(status('succeed'), { timeout: 30_000 });
  assert.ok(seen.reads >= 2, `polled (${seen.reads} reads)`);
  assert.equal(await page.getByTestId('result-image').count(), 2);
  await page.context().close();
});

test('results stay viewable after the upstream forgot them', { skip: !SIM && 'OMNI_SIM_URL is not set' }, async () => {
  const id = await create(`kept ${Date.now()}`);
  // Wait until the BFF has copied both images.
  let task;
  for (let i = 0; i < 100; i += 1) {
    task = (await fetch(`${BASE}/api/v1/tasks/${id}`).then((r) => r.json())).data;
    const urls = (task.task_result?.images ?? []).map((img) => img.url);
    if (urls.length === 2 && urls.every((u) => u.startsWith('/api/v1/media/'))) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  assert.ok(task.task_result.images.every((img) => img.url.startsWith('/api/v1/media/')), JSON.stringify(task));
  const expired = await fetch(`${SIM}/sim/expire?task_id=${id}`, { method: 'POST' }).then((r) => r.json());
  assert.equal(expired.expired, 1);

  const page = await openPage(browser, `/tasks/${id}`);
  await page.waitForSelector(status('succeed'));
  await page.waitForFunction(() => {
    const imgs = [...document.querySelectorAll('[data-testid="result-image"]')];
    return imgs.length === 2 && imgs.every((i) => i.complete && i.naturalWidth > 0);
  }, null, { timeout: 15_000 });
  await page.context().close();
});
