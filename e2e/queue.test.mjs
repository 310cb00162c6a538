// Batches and the queue: a form sends several tasks at once (a line each, every {a|b}
// choice, or copies); each lands in the workspace column. On a BFF that runs one task at
// a time, the rest wait in its queue with their place shown, and one can be cancelled
// before it is sent.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, openPage } from './browser.mjs';

const QUEUE = process.env.OMNI_QUEUE_URL;

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

const column = '[data-testid="submitted-tasks"] [data-testid="history-row"]';

test('a batch of three prompts, one per line, lands in the column and completes', async () => {
  const page = await openPage(browser, '/image');
  await page.setViewportSize({ width: 1400, height: 900 });
  await page.getByTestId('prompt').fill('a lantern on a pier\na lantern in a forest\na lantern on the moon');
  await page.getByTestId('batch-mode').selectOption('lines');
  await page.getByTestId('batch-count').filter({ hasText: /^3 tasks/ }).waitFor();
  await page.getByTestId('submit').click();
  await page.waitForFunction((sel) => document.querySelectorAll(sel).length === 3, column);
  const texts = await page.locator(column).allTextContents();
  for (const where of ['on a pier', 'in a forest', 'on the moon']) {
    assert.ok(texts.some((t) => t.includes(`a lantern ${where}`)), `${where}: ${texts}`);
  }
  // Still on the form, with the lines as typed.
  assert.match(page.url(), /\/image$/);
  await page.waitForFunction((sel) => [...document.querySelectorAll(`${sel} [data-testid="history-status"]`)]
    .filter((s) => s.dataset.status === 'succeed').length === 3, column, { timeout: 30_000 });
  await page.context().close();
});

test('every {a|b} combination is a task, and a batch too large is named at the prompt', async () => {
  const page = await openPage(browser, '/image');
  await page.getByTestId('prompt').fill('a {red|blue} kite at {dawn|dusk}');
  await page.getByTestId('batch-mode').selectOption('alternatives');
  await page.getByTestId('batch-count').filter({ hasText: /^4 tasks/ }).waitFor();
  await page.getByTestId('prompt').fill('{a|b|c|d|e} {a|b|c|d|e}');
  // Said under the prompt as it is typed, and the submit waits for a fix.
  await page.locator('.field-error').filter({ hasText: /at most 20 tasks in one batch \(this one makes 25\)/ }).first().waitFor();
  assert.equal(await page.getByTestId('submit').isDisabled(), true);
  assert.equal(await page.locator(column).count(), 0, 'nothing was sent');
  await page.context().close();
});

test('copies beyond what the upstream runs wait with their place, and one is cancelled before it is sent', { skip: !QUEUE && 'OMNI_QUEUE_URL is not set' }, async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  page.on('pageerror', (e) => console.error('page error:', e.message));
  await page.goto(`${QUEUE}/image`);
  await page.setViewportSize({ width: 1400, height: 900 });
  await page.getByTestId('prompt').fill('a queue of paper boats');
  await page.getByTestId('batch-mode').selectOption('copies');
  await page.getByTestId('batch-copies').fill('3');
  await page.getByTestId('batch-count').filter({ hasText: /^3 tasks/ }).waitFor();
  await page.getByTestId('submit').click();
  await page.waitForFunction((sel) => document.querySelectorAll(sel).length === 3, column);
  // One is sent; the two others wait, second and first in line (newest first).
  const places = page.locator(`${column} [data-testid="queue-place"][data-place]`);
  await page.waitForFunction((sel) => document.querySelectorAll(`${sel} [data-testid="queue-place"][data-place]`).length === 2, column);
  assert.deepEqual(await places.evaluateAll((ps) => ps.map((p) => p.dataset.place)), ['2', '1']);
  assert.match(await places.first().textContent(), /Queued · 2 in line/);
  // The last in line is cancelled: it fails, saying why, and is never sent.
  const last = page.locator(column).first();
  const lastId = await last.getAttribute('data-task-id');
  await last.getByTestId('cancel-queued').click();
  await last.locator('[data-testid="history-status"][data-status="failed"]').waitFor();
  const read = await page.evaluate((id) => fetch(`/api/v1/tasks/${id}`).then((r) => r.json()), lastId);
  assert.equal(read.data.task_status_msg, 'cancelled before it was sent upstream');
  // The task page of a waiting create says where it stands.
  const waiting = page.locator(`${column} [data-testid="queue-place"][data-place="1"]`);
  if (await waiting.count() > 0) {
    const id = await page.locator(column).nth(1).getAttribute('data-task-id');
    const detail = await context.newPage();
    await detail.goto(`${QUEUE}/tasks/${id}`);
    await detail.getByTestId('task-queue').or(detail.locator('[data-testid="task-status"][data-status="processing"], [data-testid="task-status"][data-status="succeed"]')).first().waitFor();
    await detail.close();
  }
  // The other two are sent one after the other and finish.
  await page.waitForFunction((sel) => [...document.querySelectorAll(`${sel} [data-testid="history-status"]`)]
    .filter((s) => s.dataset.status === 'succeed').length === 2, column, { timeout: 60_000 });
  await context.close();
});
