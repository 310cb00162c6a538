// A finished video taken further in one click: "next shot" and "edit" open Omni Video
// with the result as its reference video (feature or base), the scenario's rules applied;
// and a local video used as the reference (checked in the browser, kept by the BFF at an
// address the upstream can fetch).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { launch, openPage, openSubmitted, BASE } from './browser.mjs';

let browser;
let taskId;
before(async () => {
  browser = await launch();
  const res = await fetch(`${BASE}/kling/v1/videos/omni-video`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ prompt: 'a paper boat on a river', duration: '5', aspect_ratio: '16:9' }),
  }).then((r) => r.json());
  assert.equal(res.code, 0, JSON.stringify(res));
  taskId = res.data.task_id;
});
after(async () => { await browser?.close(); });

for (const [button, refer, prompt] of [['next-shot', 'feature', /next shot after <<<video_1>>>/], ['edit-video', 'base', /Change <<<video_1>>>/]]) {
  test(`"${button}" opens Omni Video with the result as the ${refer} video`, async () => {
    const page = await openPage(browser, `/tasks/${taskId}`);
    await page.waitForSelector('[data-testid="task-status"][data-status="succeed"]', { timeout: 30_000 });
    await page.getByTestId(button).first().click();
    await page.waitForURL(/\/video$/);
    const ref = page.getByTestId('video-ref');
    await ref.waitFor();
    // The result as this BFF serves it, absolute, so the upstream can fetch it; read by
    // the browser and within the reference-video rules (the simulator makes 720p).
    assert.match(await ref.textContent(), new RegExp(`${BASE}/api/v1/media/|https?://`));
    await ref.filter({ hasText: /5\.0 s · 1280×720 px/ }).waitFor();
    assert.equal(await page.locator('#video-errors li').count(), 0);
    assert.equal(await page.getByTestId('refer_type').inputValue(), refer);
    assert.match(await page.getByTestId('prompt').inputValue(), prompt);
    // The scenario's rules apply: an edit takes its length from the video.
    if (refer === 'base') await page.getByTestId('duration-why').waitFor();
    else await page.getByTestId('duration').waitFor();
    await page.context().close();
  });
}

test('a local MP4 is checked in the browser, kept by the BFF, and goes upstream as a URL it can fetch', async () => {
  const page = await openPage(browser, '/video');
  const file = page.getByTestId('add-video-file');
  // Until the page has mounted there is no input yet: wait for it, then for it enabled.
  await page.waitForFunction(() => document.querySelector('[data-testid="add-video-file"]')?.disabled === false);
  // A 640x360 clip is too small: said under the input, not uploaded.
  await file.setInputFiles(new URL('./fixtures/clip-360p-4s.mp4', import.meta.url).pathname);
  await page.locator('#video-file-errors li').first().waitFor();
  assert.match(await page.locator('#video-file-errors').textContent(), /720/);
  assert.equal(await page.getByTestId('video-ref').count(), 0);

  const clip = new URL('./fixtures/clip-720p-4s.mp4', import.meta.url);
  await file.setInputFiles(clip.pathname);
  const ref = page.getByTestId('video-ref');
  await ref.waitFor();
  assert.match(await ref.textContent(), /\/api\/v1\/uploads\/.*4\.0 s · 1280×720 px/);
  await page.getByTestId('prompt').fill('the next shot after <<<video_1>>>');
  await page.getByTestId('submit').click();
  const id = await openSubmitted(page);
  // What went upstream names the upload; anyone with that address gets the file itself.
  const request = (await fetch(`${BASE}/api/v1/tasks/${id}?request=full`).then((r) => r.json())).data.request;
  const url = request.video_list[0].video_url;
  assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/api\/v1\/uploads\/\d+-[0-9a-f]{32}\.mp4$/);
  const got = Buffer.from(await (await fetch(url, { credentials: 'omit' })).arrayBuffer());
  assert.ok(got.equals(readFileSync(clip)), 'the uploaded bytes');
  await page.waitForSelector('[data-testid="task-status"][data-status="succeed"]', { timeout: 30_000 });
  await page.context().close();
});
