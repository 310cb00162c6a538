// Following tasks to their end, finding them again, and using their results.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { launch, openPage, BASE } from './browser.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

async function create(body, kind = 'images/omni-image') {
  const res = await fetch(`${BASE}/kling/v1/${kind}`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body),
  }).then((r) => r.json());
  assert.equal(res.code, 0, JSON.stringify(res));
  return res.data.task_id;
}

const succeeded = '[data-testid="task-status"][data-status="succeed"]';

test('a task is followed to the end; its images open, download, and become references', async () => {
  const id = await create({ prompt: 'three kites over a beach', n: 3, aspect_ratio: '3:2' });
  const page = await openPage(browser, `/tasks/${id}`);
  await page.waitForSelector(succeeded, { timeout: 30_000 });
  assert.equal(await page.locator('.timeline [aria-current="step"]').textContent(), 'Succeeded');
  const images = page.getByTestId('result-image');
  assert.equal(await images.count(), 3);
  await page.waitForFunction(() => [...document.querySelectorAll('[data-testid="result-image"]')].every((i) => i.naturalWidth === 1024));
  // Three images at the catalog's 0.028 each (the simulator charges the price table).
  assert.match(await page.getByTestId('units').textContent(), /0\.084/);
  assert.match(await page.getByTestId('request-prompt').textContent(), /three kites/);

  // The lightbox, by keyboard.
  await images.first().click();
  const box = page.getByTestId('lightbox');
  await box.waitFor();
  assert.equal(await page.getByTestId('lightbox-position').textContent(), '1 / 3');
  await page.keyboard.press('ArrowRight');
  assert.equal(await page.getByTestId('lightbox-position').textContent(), '2 / 3');
  await page.keyboard.press('ArrowLeft');
  await page.keyboard.press('ArrowLeft');
  assert.equal(await page.getByTestId('lightbox-position').textContent(), '3 / 3');
  await page.keyboard.press('Escape');
  await box.waitFor({ state: 'detached' });

  // One download: the file arrives, named after the task, and is a PNG.
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('download-image').nth(1).click()]);
  assert.equal(download.suggestedFilename(), `omni-image-${id}-2.png`);
  const bytes = await readFile(await download.path());
  assert.deepEqual([...bytes.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

  // Download all: one ZIP.
  const [zip] = await Promise.all([page.waitForEvent('download'), page.getByTestId('download-all').click()]);
  assert.equal(zip.suggestedFilename(), `omni-image-${id}.zip`);
  assert.equal((await readFile(await zip.path())).subarray(0, 2).toString(), 'PK');

  // Reload: everything comes back from the BFF.
  await page.reload();
  await page.waitForSelector(succeeded);
  assert.equal(await page.getByTestId('result-image').count(), 3);

  // Use as reference: the Omni Image form opens with it (the BFF's copy once it exists,
  // which outlives the upstream's link).
  await page.getByTestId('use-as-reference').first().click();
  await page.waitForURL(/\/image$/);
  await page.getByTestId('image-ref').last().waitFor();
  assert.match(await page.getByTestId('image-ref').last().textContent(), /image_\d+ (images-)?0\.png/);
  await page.context().close();
});

test('a failure shows its reason, and retry runs it again', async () => {
  const prompt = `a risky scene ${Date.now()} [sim:failonce]`;
  const id = await create({ prompt });
  const page = await openPage(browser, `/tasks/${id}`);
  await page.waitForSelector('[data-testid="task-status"][data-status="failed"]', { timeout: 30_000 });
  assert.match(await page.getByTestId('failure-reason').textContent(), /content moderation/);
  assert.equal(await page.locator('.timeline .step.failed').textContent(), 'Failed');
  await page.getByTestId('run-again').click();
  await page.waitForURL((url) => url.pathname.startsWith('/tasks/') && !url.pathname.endsWith(id));
  await page.waitForSelector(succeeded, { timeout: 30_000 });
  assert.match(await page.getByTestId('request-prompt').textContent(), /a risky scene/);
  await page.context().close();
});

/// A finished task's page, then "edit and run again": the form it opens, at `form`.
async function editAgain(id, form) {
  const page = await openPage(browser, `/tasks/${id}`);
  await page.waitForSelector(succeeded, { timeout: 30_000 });
  await page.getByTestId('edit-again').click();
  await page.waitForURL(form);
  return page;
}

test('edit and run again opens the form filled in', async () => {
  const id = await create({ prompt: 'an owl in the snow', image_list: [{ image: 'https://example.com/owl.png' }] });
  const page = await editAgain(id, /\/image$/);
  assert.equal(await page.getByTestId('prompt').inputValue(), 'an owl in the snow');
  assert.equal(await page.getByTestId('image-ref').count(), 1);
  assert.match(await page.getByTestId('image-ref').textContent(), /image_1 owl\.png/);
  await page.context().close();
});

test('edit and run again on a multi-shot task opens the all-in-one form with its subject', async () => {
  const id = await create({ element_frontal_image: 'https://example.com/hero.png' }, 'general/ai-multi-shot');
  const page = await editAgain(id, /\/quick$/);
  assert.equal(await page.getByTestId('type').inputValue(), 'ai-multi-shot');
  assert.equal(await page.getByTestId('image-ref').count(), 1);
  assert.match(await page.getByTestId('image-ref').textContent(), /hero\.png/);
  await page.context().close();
});

test('the history lists tasks newest first, filters them, and updates running ones live', async () => {
  const tag = `hist${Date.now()}`;
  await create({ prompt: `${tag} a finished lake` });
  await create({ prompt: `${tag} a generation` }, 'images/generations');
  const slow = await create({ prompt: `${tag} a slow mountain [sim:delay=2500]` });
  // Rows poll: an open event stream per running row would use up the browser's six
  // connections to the origin and stall the page's other requests.
  let streams = 0;
  const page = await openPage(browser, '/tasks', (p) => p.on('request', (r) => {
    if (r.url().endsWith('/events')) streams += 1;
  }));
  await page.getByTestId('filter-search').fill(tag);
  await page.getByTestId('filter-search').press('Enter');
  const rows = page.getByTestId('history-row');
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="history-row"]').length === 3);
  assert.match(await rows.first().textContent(), /a slow mountain/);
  // The running task's row turns to succeed without a reload.
  const slowRow = page.locator(`a[href="/tasks/${slow}"] [data-testid="history-status"]`);
  assert.notEqual(await slowRow.textContent(), 'succeed');
  await page.waitForFunction((id) => document.querySelector(`a[href="/tasks/${id}"] [data-testid="history-status"]`)?.textContent === 'succeed', slow, { timeout: 30_000 });
  assert.equal(streams, 0);

  await page.getByTestId('filter-kind').selectOption('image-generation');
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="history-row"]').length === 1);
  assert.match(await rows.first().textContent(), /a generation/);
  await page.getByTestId('filter-search').fill(`${tag} nothing matches this`);
  await page.getByTestId('filter-search').press('Enter');
  await page.getByTestId('history-empty').waitFor();
  assert.match(await page.getByTestId('history-empty').textContent(), /Create an image/);

  // A reload keeps working: the history comes from the BFF.
  await page.reload();
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="history-row"]').length >= 3);
  await page.getByRole('link', { name: 'History' }).waitFor();
  await page.context().close();
});

test('video results play in a player with a poster and duration', async () => {
  const id = await create({ prompt: 'a drone flight over hills', aspect_ratio: '16:9', duration: '5' }, 'videos/omni-video');
  const page = await openPage(browser, `/tasks/${id}`);
  await page.waitForSelector(succeeded, { timeout: 30_000 });
  const video = page.getByTestId('result-video');
  assert.match(await video.getAttribute('poster'), /\/files\/covers\/0$/);
  await page.waitForFunction(() => document.querySelector('[data-testid="result-video"]').readyState >= 1);
  assert.equal(await video.evaluate((v) => Math.round(v.duration)), 5);
  assert.match(await page.locator('.video figcaption').textContent(), /5 s/);
  await page.context().close();
});

test('every kind can be edited again in its own form, and results can go to Omni Video', async () => {
  const video = await create({ prompt: 'waves at night', aspect_ratio: '9:16', duration: '10' }, 'videos/omni-video');
  const page = await editAgain(video, /\/video$/);
  assert.equal(await page.getByTestId('prompt').inputValue(), 'waves at night');
  assert.equal(await page.getByTestId('aspect_ratio').inputValue(), '9:16');
  assert.equal(await page.getByTestId('duration').inputValue(), '10');

  const gen = await create({ prompt: 'a quiet forest', n: 2 }, 'images/generations');
  await page.goto(`${BASE}/tasks/${gen}`);
  await page.waitForSelector(succeeded, { timeout: 30_000 });
  await page.getByTestId('edit-again').click();
  await page.waitForURL(/\/generate$/);
  assert.equal(await page.getByTestId('prompt').inputValue(), 'a quiet forest');
  assert.equal(await page.getByTestId('n').inputValue(), '2');

  // A result image becomes a reference of a new video.
  await page.goto(`${BASE}/tasks/${gen}`);
  await page.waitForSelector(succeeded);
  await page.getByTestId('use-in-video').first().click();
  await page.waitForURL(/\/video$/);
  assert.match(await page.getByTestId('image-ref').last().textContent(), /0\.png/);
  assert.equal(await page.getByTestId('scenario').getAttribute('data-scenario'), 'reference');
  await page.context().close();
});
