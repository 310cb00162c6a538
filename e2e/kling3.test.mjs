// Kling 3.0 in the studio: a three-shot storyboard with sound is built, a wrong sum is
// shown at its shot and blocks the submit, the fixed one runs and its 15 s video plays;
// the estimate follows duration and sound and matches the catalog's price table; an
// operator catalog without kling-v3-omni hides it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, openPage, BASE, openSubmitted } from './browser.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

/// /video in English with kling-v3-omni chosen.
async function v3(path = '/video?lang=en') {
  const page = await openPage(browser, path);
  await page.getByTestId('model').waitFor();
  await page.getByTestId('model').selectOption('kling-v3-omni');
  return page;
}

const amount = async (page) => Number(await page.getByTestId('estimate').getAttribute('data-amount'));

test('a three-shot storyboard with sound: a wrong sum is caught at its shot, the fixed one plays', async () => {
  const page = await v3();
  await page.getByTestId('storyboard').check();
  await page.getByTestId('duration').selectOption('15');
  await page.getByTestId('sound').selectOption('on');
  await page.getByTestId('add-shot').click();
  await page.getByTestId('add-shot').click();
  const prompts = page.getByTestId('shot-prompt');
  const seconds = page.getByTestId('shot-duration');
  assert.equal(await prompts.count(), 3);
  const shots = [['a door opens onto a rainy street', '6'], ['close-up on wet hands', '4'], ['wide shot, the street at night', '9']];
  for (const [i, [text, s]] of shots.entries()) {
    await prompts.nth(i).fill(text);
    await seconds.nth(i).fill(s);
  }
  // 6 + 4 + 9 = 19 of 15: the third shot is where the sum goes past, and submit waits.
  const third = page.getByTestId('shot').nth(2);
  await third.locator('.field-error[data-rule="shot_sum"]').waitFor();
  assert.match(await third.locator('.field-error').first().textContent(), /19 s.*15 s/);
  assert.equal(await page.getByTestId('shot').nth(0).locator('.field-error').count(), 0);
  assert.ok(await page.getByTestId('submit').isDisabled());
  assert.match(await page.getByTestId('shot-sum').textContent(), /19 of 15/);

  await seconds.nth(2).fill('5');
  await page.waitForFunction(() => !document.querySelector('[data-testid="shot"] .field-error'));
  // Pro with sound: 0.14 per second for 15 s.
  assert.equal(await amount(page), 2.1);
  await page.getByTestId('submit').click();
  await openSubmitted(page);
  await page.waitForSelector('[data-testid="task-status"][data-status="succeed"]', { timeout: 30_000 });
  assert.match(await page.getByTestId('units').textContent(), /2\.1/);
  assert.match(await page.getByTestId('estimate').textContent(), /2\.1 USD/);
  // The request shows its shots in order.
  assert.match(await page.getByTestId('request-shots').textContent(), /6 s.*rainy street.*4 s.*wet hands.*5 s/s);

  // The video: 15 s, it plays, and it has sound.
  const video = page.getByTestId('result-video').first();
  await video.waitFor();
  const played = await video.evaluate(async (v) => {
    v.muted = true;
    if (v.readyState < 1) await new Promise((ok) => v.addEventListener('loadedmetadata', ok, { once: true }));
    await v.play();
    await new Promise((ok) => setTimeout(ok, 1500));
    return { duration: v.duration, time: v.currentTime, audio: v.webkitAudioDecodedByteCount };
  });
  assert.ok(Math.abs(played.duration - 15) < 0.2, JSON.stringify(played));
  assert.ok(played.time > 0.5, JSON.stringify(played));
  assert.ok(played.audio > 0, `an audio track was decoded: ${JSON.stringify(played)}`);

  // What went upstream: the storyboard as built.
  const task = await fetch(`${BASE}/api/v1/tasks/${page.url().split('/tasks/')[1]}?request=full`).then((r) => r.json());
  const req = task.data.request;
  assert.equal(req.model_name, 'kling-v3-omni');
  assert.equal(req.multi_shot, true);
  assert.equal(req.shot_type, 'customize');
  assert.equal(req.sound, 'on');
  assert.equal(req.duration, '15');
  assert.deepEqual(req.multi_prompt.map((s) => s.duration), ['6', '4', '5']);
  await page.context().close();
});

test('the estimate follows duration, sound and mode, at the price table', async () => {
  const page = await v3();
  await page.getByTestId('duration').selectOption('5');
  assert.equal(await amount(page), 0.56); // pro, silent: 0.112 per second
  await page.getByTestId('sound').selectOption('on');
  assert.equal(await amount(page), 0.7); // pro with sound: 0.14
  await page.getByTestId('duration').selectOption('10');
  assert.equal(await amount(page), 1.4);
  await page.getByTestId('mode').selectOption('std');
  assert.equal(await amount(page), 1.12); // std with sound: 0.112
  assert.match(await page.getByTestId('estimate').textContent(), /estimate|Estimated/i);
  // Back to O1: sound is dropped, and the form says so.
  await page.getByTestId('model').selectOption('kling-video-o1');
  await page.getByTestId('model-dropped').waitFor();
  assert.match(await page.getByTestId('model-dropped').textContent(), /Sound/);
  assert.equal(await page.getByTestId('sound').count(), 0);
  assert.equal(await amount(page), 0.84); // O1 std 10 s: 0.084
  await page.context().close();
});

test('sound is off, with the reason, when a video is referenced', async () => {
  const page = await v3();
  await page.getByTestId('add-video-url').fill('https://example.com/clip.mp4');
  await page.getByTestId('add-video').click();
  await page.getByTestId('sound-why').waitFor();
  assert.match(await page.getByTestId('sound-why').textContent(), /video/);
  await page.context().close();
});

test('an operator catalog without kling-v3-omni hides it', { skip: !process.env.OMNI_CATALOG_URL }, async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  page.on('pageerror', (e) => console.error('page error:', e.message));
  await page.goto(`${process.env.OMNI_CATALOG_URL}/video?lang=en`);
  await page.getByTestId('model').waitFor();
  // From the first render: omni-bff wrote its configuration into the page.
  const models = await page.getByTestId('model').locator('option').evaluateAll((os) => os.map((o) => o.value));
  assert.deepEqual(models, ['kling-video-o1']);
  const refused = await fetch(`${process.env.OMNI_CATALOG_URL}/kling/v1/videos/omni-video`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model_name: 'kling-v3-omni', prompt: 'a', aspect_ratio: '16:9' }),
  }).then((r) => r.json());
  assert.equal(refused.errors[0].field, 'model_name');
  await page.context().close();
});
