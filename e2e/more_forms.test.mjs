// The Omni Video, Image Generation and all-in-one forms, as a person uses them.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, openPage, BASE, openSubmitted } from './browser.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

async function fresh(path) {
  const page = await openPage(browser, path);
  await page.evaluate(() => localStorage.clear());
  await page.reload();
  return page;
}

async function addUrl(page, url) {
  await page.getByTestId('add-image-url').fill(url);
  await page.getByTestId('add-image-url').press('Enter');
}

const scenario = (page) => page.getByTestId('scenario').getAttribute('data-scenario');

test('Omni Video shows the scenario the inputs make, and only the fields it allows', async () => {
  const page = await fresh('/video');
  assert.equal(await scenario(page), 'text_to_video');
  assert.deepEqual(await page.getByTestId('duration').locator('option').allTextContents(), ['5 s', '10 s']);

  await addUrl(page, 'https://example.com/start.png');
  assert.equal(await scenario(page), 'reference');
  assert.equal(await page.getByTestId('duration').locator('option').count(), 8, '3 to 10 s for references');

  await page.getByTestId('image-role-1').selectOption('first_frame');
  assert.equal(await scenario(page), 'first_frame');
  await page.getByTestId('aspect-why').waitFor();
  assert.match(await page.getByTestId('aspect-why').textContent(), /keeps the shape/);

  await addUrl(page, 'https://example.com/end.png');
  await page.getByTestId('image-role-2').selectOption('end_frame');
  assert.equal(await scenario(page), 'first_end_frame');
  await addUrl(page, 'https://example.com/third.png');
  await page.getByTestId('prompt').fill('from dawn to dusk');
  await page.locator('#image-1-type-errors').getByText('an end frame is only possible with at most 2 images').waitFor();
  await page.getByRole('button', { name: 'Remove image_3' }).click();

  await page.getByTestId('add-video-url').fill('https://example.com/clip.avi');
  await page.getByTestId('add-video').click();
  await page.locator('#video-url-errors').getByText('ends in .avi; only .mp4, .mov are accepted').waitFor();
  await page.getByTestId('add-video-url').fill('https://example.com/clip.mp4');
  await page.getByTestId('add-video').click();
  await page.getByTestId('refer_type').selectOption('base');
  assert.equal(await scenario(page), 'video_edit');
  await page.getByTestId('duration-why').waitFor();
  await page.getByTestId('frames-why').waitFor();
  assert.equal(await page.getByTestId('image-role-1').count(), 0, 'no roles while editing a video');
  await page.getByTestId('aspect-why').waitFor();
  assert.equal(await page.getByTestId('blocked').count(), 0, 'the edit request is valid as shown');
  // Back to a reference video: the roles return as they were.
  await page.getByTestId('refer_type').selectOption('feature');
  assert.equal(await page.getByTestId('image-role-1').inputValue(), 'first_frame');
  await page.context().close();
});

test('an Omni Video text-to-video task runs from the form to a playable video', async () => {
  const page = await fresh('/video');
  await page.getByTestId('prompt').fill('a paper boat on a river');
  await page.getByTestId('duration').selectOption('10');
  await page.getByTestId('watermark').check();
  await page.getByText('Advanced').click();
  const ext = `boat-${Date.now()}`;
  await page.getByTestId('external_task_id').fill(ext);
  await page.getByTestId('callback_url').fill('ftp://example.com/hook');
  await page.locator('#callback-errors').getByText('must use http or https, not ftp').waitFor();
  await page.getByTestId('callback_url').fill('');
  await page.getByTestId('submit').click();
  await openSubmitted(page);
  await page.waitForSelector('[data-testid="task-status"][data-status="succeed"]', { timeout: 30_000 });
  await page.getByTestId('result-video').waitFor();
  const id = page.url().split('/').pop();
  const task = await fetch(`${BASE}/api/v1/tasks/${id}?request=full`).then((r) => r.json());
  assert.equal(task.data.request.duration, '10');
  assert.equal(task.data.request.aspect_ratio, '16:9');
  assert.equal(task.data.request.external_task_id, ext);
  assert.deepEqual(task.data.request.watermark_info, { enabled: true });
  await page.context().close();
});

test('Image Generation turns the negative prompt off with an image, and asks kling-v1-5 for a reference type', async () => {
  const page = await fresh('/generate');
  await page.getByTestId('prompt').fill('a lighthouse');
  await page.getByTestId('negative_prompt').fill('blur');
  assert.equal(await page.getByTestId('negative_prompt').isDisabled(), false);
  await addUrl(page, 'https://example.com/face.png');
  assert.equal(await page.getByTestId('negative_prompt').isDisabled(), true);
  assert.match(await page.getByTestId('negative-why').textContent(), /image-to-image takes no negative prompt/);
  await page.getByTestId('reference-why').waitFor();
  await page.getByTestId('model').selectOption('kling-v1-5');
  await page.getByTestId('image_reference').selectOption('face');
  await page.getByTestId('aspect_ratio').selectOption('3:4');
  await page.getByTestId('n').fill('2');
  await page.getByTestId('submit').click();
  await openSubmitted(page);
  await page.waitForSelector('[data-testid="task-status"][data-status="succeed"]', { timeout: 30_000 });
  assert.equal(await page.getByTestId('result-image').count(), 2);
  const id = page.url().split('/').pop();
  const task = await fetch(`${BASE}/api/v1/tasks/${id}?request=full`).then((r) => r.json());
  assert.equal(task.data.request.image_reference, 'face');
  assert.equal(task.data.request.negative_prompt, undefined, 'not sent with an image');
  await page.context().close();
});

test('the all-in-one form maps onto Omni Image, and multi-shot asks for its subject image', async () => {
  const page = await fresh('/quick');
  await page.getByTestId('type').selectOption('ai-multi-shot');
  await page.getByTestId('prompt').fill('turnaround of the hero');
  await page.locator('#images-errors').getByText('ai-multi-shot needs one subject image').waitFor();
  await page.getByTestId('type').selectOption('image-to-image');
  await addUrl(page, 'https://example.com/city.png');
  await page.getByTestId('prompt').fill('<<<image_1>>> at night, neon signs');
  await page.getByTestId('num_images').fill('2');
  await page.getByTestId('submit').click();
  await openSubmitted(page);
  await page.waitForSelector('[data-testid="task-status"][data-status="succeed"]', { timeout: 30_000 });
  const id = page.url().split('/').pop();
  const task = await fetch(`${BASE}/api/v1/tasks/${id}?request=full`).then((r) => r.json());
  assert.equal(task.data.kind, 'omni-image');
  assert.equal(task.data.request.n, 2);
  assert.equal(task.data.request.image_list[0].image, 'https://example.com/city.png');
  await page.context().close();
});
