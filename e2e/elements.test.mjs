// The element library: make an element once, then use it by name and picture.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, openPage, BASE, SIM, openSubmitted } from './browser.mjs';
import { makePng } from './png.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

test('create an element from a PNG, find it, pick it in Omni Video, refer to it, and run the task', async () => {
  const page = await openPage(browser, '/elements');
  await page.evaluate(() => localStorage.clear());
  const name = `Capt ${Date.now() % 100000}`;
  await page.getByTestId('element_name').fill(name);
  await page.getByTestId('element_description').fill('a cheerful sea captain');
  await page.getByTestId('add-image-file').first().setInputFiles({ name: 'captain.png', mimeType: 'image/png', buffer: makePng(600, 800) });
  const refers = page.getByTestId('refer-images');
  await refers.getByTestId('add-image-url').fill('https://example.com/captain-side.png');
  await refers.getByTestId('add-image-url').press('Enter');
  await page.getByTestId('tag-person').check();
  await page.getByTestId('submit').click();

  // It appears in the library, findable by name, with an id beyond what a JS number holds.
  await page.getByTestId('element-search').fill(name);
  const card = page.getByTestId('own-elements').getByTestId('element-card');
  await card.waitFor();
  assert.equal(await card.count(), 1);
  const id = await card.getByTestId('element-card-id').textContent();
  assert.ok(BigInt(id) > 2n ** 53n, id);
  await page.waitForFunction(() => document.querySelector('[data-testid="own-elements"] img')?.naturalWidth === 600);
  await page.getByTestId('element-tag-filter').selectOption('o_103');
  assert.equal(await card.count(), 0, 'not an animal');
  await page.getByTestId('element-tag-filter').selectOption('o_102');
  assert.equal(await card.count(), 1);

  // Picked in a form: the chip shows its name and picture.
  await page.goto(`${BASE}/video`);
  await page.evaluate(() => localStorage.clear());
  await page.reload();
  await page.getByTestId('pick-element').click();
  await page.getByRole('button', { name: `Add ${name}` }).click();
  const chip = page.getByTestId('chip-element_1');
  await chip.waitFor();
  assert.match(await chip.textContent(), new RegExp(name));
  await page.getByTestId('prompt').fill('waves behind ');
  await chip.click();
  assert.equal(await page.getByTestId('prompt').inputValue(), 'waves behind <<<element_1>>>');
  assert.equal(await page.getByTestId('scenario').getAttribute('data-scenario'), 'reference');
  await page.getByTestId('submit').click();
  await openSubmitted(page);
  await page.waitForSelector('[data-testid="task-status"][data-status="succeed"]', { timeout: 30_000 });
  const task = page.url().split('/').pop();
  const raw = await fetch(`${BASE}/api/v1/tasks/${task}?request=full`).then((r) => r.text());
  assert.ok(raw.includes(`"element_list":[{"element_id":${id}}]`), raw.slice(0, 300));
  // And the upstream (the simulator) received it digit for digit.
  assert.ok(SIM, 'OMNI_SIM_URL is set by cargo xtask test');
  const received = await fetch(`${SIM}/sim/stats`).then((r) => r.text());
  assert.ok(received.includes(`"element_id":${id}`), 'the simulator received the exact id');

  // Delete, with a confirmation step.
  await page.goto(`${BASE}/elements`);
  await page.getByTestId('element-search').fill(name);
  await card.getByTestId('delete-element').click();
  await card.getByTestId('confirm-delete').click();
  await card.waitFor({ state: 'detached' });
  const left = await fetch(`${BASE}/kling/v1/general/custom-elements`).then((r) => r.text());
  assert.ok(!left.includes(id));
  await page.context().close();
});

test('presets are listed, and a bad element is refused field by field before upload', async () => {
  const page = await openPage(browser, '/elements');
  await page.getByTestId('preset-elements').getByText('835266081714884677').waitFor();
  await page.getByTestId('element_name').fill('a name much longer than twenty');
  await page.locator('#element-name-errors').getByText('at most 20 characters (this one has 30)').waitFor();
  await page.locator('#frontal-errors').getByText('is required').waitFor();
  await page.locator('#refer-errors').getByText('needs at least 1 further reference image').waitFor();
  assert.equal(await page.getByTestId('submit').isDisabled(), true);
  assert.match(await page.getByTestId('blocked').textContent(), /element_name: at most 20 characters/);
  await page.context().close();
});
