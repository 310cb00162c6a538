// The thin slice, as a person uses it: open the Omni Image form, type, submit, and get
// an image back from the simulator through the real BFF.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, openPage, BASE, openSubmitted } from './browser.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

test('typing a prompt and submitting shows the status and then the image', async () => {
  const page = await openPage(browser, '/image');
  await page.getByTestId('prompt').fill('A lighthouse on a cliff at dusk');
  await page.getByTestId('submit').click();

  await openSubmitted(page);
  const status = page.getByTestId('task-status');
  await status.waitFor();
  await page.waitForSelector('[data-testid="task-status"][data-status="succeed"]', { timeout: 30_000 });
  assert.equal(await status.textContent(), 'succeed');

  const image = page.getByTestId('result-image').first();
  await image.waitFor({ state: 'visible' });
  // The picture really arrived: the browser decoded it at the size asked for (1k, auto = square).
  await page.waitForFunction(() => document.querySelector('[data-testid="result-image"]')?.naturalWidth > 0);
  const size = await image.evaluate((img) => [img.naturalWidth, img.naturalHeight]);
  assert.deepEqual(size, [1024, 1024]);
  await page.context().close();
});

test('errors appear under the prompt as the user types, and submit says why it is disabled', async () => {
  const page = await openPage(browser, '/image');
  await page.getByTestId('prompt').fill('<<<image_2>>> in watercolour');
  const errors = page.locator('#prompt-errors');
  await errors.getByText('<<<image_2>>> at character 0 points at nothing').waitFor();
  assert.equal(await page.getByTestId('submit').isDisabled(), true);
  assert.match(await page.getByRole('note').textContent(), /prompt: <<<image_2>>>/);

  // Giving it a reference image fixes one placeholder; the second one is still dangling.
  await page.getByTestId('add-image-url').fill('https://example.com/ref.png');
  await page.getByTestId('add-image-url').press('Enter');
  await page.getByTestId('prompt').fill('<<<image_1>>> and <<<image_2>>>');
  await errors.getByText('<<<image_2>>> at character 18 points at nothing: image_list has 1 item').waitFor();

  await page.getByTestId('prompt').fill('<<<image_1>>> in watercolour');
  await page.waitForFunction(() => document.querySelectorAll('#prompt-errors li').length === 0);
  assert.equal(await page.getByTestId('submit').isDisabled(), false);

  // A URL of another format is refused by the same rule the BFF runs.
  await page.getByTestId('add-image-url').fill('https://example.com/ref.gif');
  await page.getByTestId('add-image-url').press('Enter');
  await page.locator('#image-url-errors').getByText('ends in .gif; only .jpg, .jpeg, .png are accepted').waitFor();
  await page.context().close();
});

test('the task page is a deep link that survives a reload', async () => {
  const created = await fetch(`${BASE}/kling/v1/images/omni-image`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ prompt: 'a red kite', aspect_ratio: '16:9', n: 2 }),
  }).then((r) => r.json());
  assert.equal(created.code, 0);
  const page = await openPage(browser, `/tasks/${created.data.task_id}`);
  await page.waitForSelector('[data-testid="task-status"][data-status="succeed"]', { timeout: 30_000 });
  await page.reload();
  await page.waitForSelector('[data-testid="task-status"][data-status="succeed"]');
  assert.equal(await page.getByTestId('result-image').count(), 2);
  await page.waitForFunction(() => [...document.querySelectorAll('[data-testid="result-image"]')].every((i) => i.naturalWidth > 0));
  const size = await page.getByTestId('result-image').first().evaluate((img) => [img.naturalWidth, img.naturalHeight]);
  assert.deepEqual(size, [1024, 576]);
  await page.context().close();
});
