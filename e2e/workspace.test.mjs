// The workspace: a form with its recent tasks beside it. Variations are sent one after
// another without leaving the form, and each lands in the column and finishes there.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { launch, openPage } from './browser.mjs';

const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

test('three variations are sent without leaving the form, and each finishes in the column', async () => {
  const page = await openPage(browser, '/image');
  await page.setViewportSize({ width: 1400, height: 900 });
  const rows = page.locator('[data-testid="submitted-tasks"] [data-testid="history-row"]');
  const prompts = ['a red kite over the hills', 'a blue kite over the hills', 'a green kite over the hills'];
  for (const [i, prompt] of prompts.entries()) {
    await page.getByTestId('prompt').fill(prompt);
    await page.getByTestId('submit').click();
    await page.waitForFunction((n) => document.querySelectorAll('[data-testid="submitted-tasks"] [data-testid="history-row"]').length === n, i + 1);
    // Still on the form, with what was typed.
    assert.match(page.url(), /\/image$/);
    assert.equal(await page.getByTestId('prompt').inputValue(), prompt);
  }
  // Newest first, each with its prompt from the moment it lands (a row starts from its
  // create's answer), each followed to the end.
  for (const [i, prompt] of [...prompts].reverse().entries()) {
    assert.match(await rows.nth(i).textContent(), new RegExp(prompt));
  }
  await page.waitForFunction(() => [...document.querySelectorAll('[data-testid="submitted-tasks"] [data-testid="history-status"]')]
    .filter((s) => s.dataset.status === 'succeed').length === 3, null, { timeout: 30_000 });
  // The last change was said to screen readers.
  assert.match(await page.locator('[data-testid="recent-tasks"] [role="status"]').textContent(), /kite over the hills/);
  // Beside the form on a wide screen, with thumbnails of the results.
  const [form, column] = await Promise.all([page.locator('.workspace-form').boundingBox(), page.getByTestId('recent-tasks').boundingBox()]);
  assert.ok(column.x >= form.x + form.width, 'the column is beside the form');
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="submitted-tasks"] img').length === 3);

  // On a narrow screen the column goes below the form.
  await page.setViewportSize({ width: 600, height: 900 });
  const [narrowForm, narrowColumn] = await Promise.all([page.locator('.workspace-form').boundingBox(), page.getByTestId('recent-tasks').boundingBox()]);
  assert.ok(narrowColumn.y >= narrowForm.y + narrowForm.height, 'the column is below the form');

  // A row opens the task page.
  await rows.first().locator('a').click();
  await page.waitForURL(/\/tasks\/[^/]+$/);
  await page.context().close();
});

test('the workspace passes axe-core with tasks in its column', async () => {
  const context = await browser.newContext({ bypassCSP: true });
  const page = await context.newPage();
  await page.goto(`${process.env.OMNI_URL ?? 'http://127.0.0.1:8080'}/video`);
  await page.getByTestId('recent-tasks').waitFor();
  await page.getByTestId('prompt').fill('a paper boat on a river');
  await page.getByTestId('submit').click();
  await page.locator('[data-testid="submitted-tasks"] [data-testid="history-row"]').first().waitFor();
  await page.addScriptTag({ path: AXE });
  const result = await page.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }));
  assert.deepEqual(result.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`), []);
  await context.close();
});

test('a finished row runs again into the column, or puts its request back in the form', async () => {
  const page = await openPage(browser, '/image');
  await page.setViewportSize({ width: 1400, height: 900 });
  const rows = page.locator('[data-testid="submitted-tasks"] [data-testid="history-row"]');
  await page.getByTestId('prompt').fill('a kite made of maple leaves');
  await page.getByTestId('submit').click();
  await rows.first().locator('[data-testid="history-status"][data-status="succeed"]').waitFor({ timeout: 30_000 });
  // Run again: the same request, a new task, beside the form.
  const first = await rows.first().getAttribute('data-task-id');
  await rows.first().getByTestId('row-run-again').click();
  await page.waitForFunction((id) => {
    const r = document.querySelector('[data-testid="submitted-tasks"] [data-testid="history-row"]');
    return r && r.dataset.taskId !== id;
  }, first);
  assert.match(await rows.first().textContent(), /a kite made of maple leaves/);
  assert.match(page.url(), /\/image$/);
  // Reuse: after typing something else, the row's request comes back into the form.
  await page.getByTestId('prompt').fill('something else entirely');
  const reused = page.locator('[data-testid="history-row"]').filter({ has: page.getByTestId('row-reuse') }).first();
  const prompt = await reused.locator('.history-prompt').textContent();
  await reused.getByTestId('row-reuse').click();
  await page.waitForFunction((p) => document.querySelector('[data-testid="prompt"]')?.value === p, prompt);
  await page.context().close();
});
