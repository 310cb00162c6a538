// A finished video taken further in one click: "next shot" and "edit" open Omni Video
// with the result as its reference video (feature or base), the scenario's rules applied.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, openPage, BASE } from './browser.mjs';

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
    // The result as this BFF serves it, absolute, so the upstream can fetch it.
    assert.match(await ref.textContent(), new RegExp(`${BASE}/api/v1/media/|https?://`));
    assert.equal(await page.getByTestId('refer_type').inputValue(), refer);
    assert.match(await page.getByTestId('prompt').inputValue(), prompt);
    // The scenario's rules apply: an edit takes its length from the video.
    if (refer === 'base') await page.getByTestId('duration-why').waitFor();
    else await page.getByTestId('duration').waitFor();
    await page.context().close();
  });
}
