// The Omni Image form as a person uses it: references from files and ids, placeholders
// in the prompt, errors in place, and the exact request reaching the BFF.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, openPage, BASE, openSubmitted } from './browser.mjs';
import { makePng } from './png.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

const ELEMENT = '835266081714884677';

test('upload a PNG, refer to it and to an element, submit, and reach the task page', async () => {
  // The code that checks a picked file is fetched with the first one (src/deferred.rs).
  const checker = [];
  const page = await openPage(browser, '/image', (p) => {
    p.on('request', (r) => { if (/\/split_checked-[0-9a-f]{16}\.wasm$/.test(r.url())) checker.push(r.url()); });
  });
  await page.evaluate(() => localStorage.clear());
  await page.reload();
  assert.equal(checker.length, 0, 'not fetched before a file is picked');
  await page.getByTestId('add-image-file').setInputFiles({ name: 'harbour.png', mimeType: 'image/png', buffer: makePng(640, 400) });
  const ref = page.getByTestId('image-ref');
  await ref.waitFor();
  assert.match(await ref.textContent(), /image_1 harbour\.png.*640×400 px/);
  assert.equal(checker.length, 1, `${checker}`);

  await page.getByTestId('element-id').fill(ELEMENT);
  await page.getByTestId('add-element').click();
  await page.getByTestId('element-ref').waitFor();

  // Type, then insert placeholders from the chips at the caret.
  const prompt = page.getByTestId('prompt');
  await prompt.fill('A watercolour of  with ');
  await prompt.evaluate((el) => el.setSelectionRange(17, 17));
  await page.getByTestId('chip-image_1').click();
  await prompt.press('End');
  await page.getByTestId('chip-element_1').click();
  assert.equal(await prompt.inputValue(), 'A watercolour of <<<image_1>>> with <<<element_1>>>');
  assert.equal(await page.getByTestId('bad-placeholder').count(), 0);

  await page.getByTestId('submit').click();
  await openSubmitted(page);
  const id = page.url().split('/').pop();
  await page.waitForSelector('[data-testid="task-status"][data-status="succeed"]', { timeout: 30_000 });

  // The BFF received the id exactly: read the raw text, never through a JS number.
  const raw = await fetch(`${BASE}/api/v1/tasks/${id}?request=full`).then((r) => r.text());
  assert.ok(raw.includes(`"element_list":[{"element_id":${ELEMENT}}]`), raw.slice(0, 400));
  assert.match(raw, /"image_list":\[\{"image":"iVBORw0KGgo/);
  await page.context().close();
});

test('a placeholder pointing past the references is marked, with its field error', async () => {
  const page = await openPage(browser, '/image');
  await page.evaluate(() => localStorage.clear());
  await page.reload();
  await page.getByTestId('add-image-url').fill('https://example.com/one.png');
  await page.getByTestId('add-image-url').press('Enter');
  await page.getByTestId('image-ref').waitFor();
  await page.getByTestId('prompt').fill('<<<image_1>>> next to <<<image_2>>>');
  await page.locator('#prompt-errors').getByText('<<<image_2>>> at character 22 points at nothing: image_list has 1 item').waitFor();
  assert.equal(await page.getByTestId('bad-placeholder').textContent(), '<<<image_2>>> (there is no image_2)');
  assert.equal(await page.getByTestId('submit').isDisabled(), true);
  assert.match(await page.getByTestId('blocked').textContent(), /prompt: <<<image_2>>>/);
  await page.context().close();
});

test('removing or moving a reference renumbers the prompt, with undo', async () => {
  const page = await openPage(browser, '/image');
  await page.evaluate(() => localStorage.clear());
  await page.reload();
  for (const name of ['a', 'b', 'c']) {
    await page.getByTestId('add-image-url').fill(`https://example.com/${name}.png`);
    await page.getByTestId('add-image-url').press('Enter');
  }
  const prompt = page.getByTestId('prompt');
  await prompt.fill('<<<image_1>>> <<<image_2>>> <<<image_3>>>');
  await page.getByRole('button', { name: 'Remove image_2' }).click();
  assert.equal(await prompt.inputValue(), '<<<image_1>>>  <<<image_2>>>');
  await page.getByTestId('undo').click();
  assert.equal(await prompt.inputValue(), '<<<image_1>>> <<<image_2>>> <<<image_3>>>');
  assert.equal(await page.getByTestId('image-ref').count(), 3);
  await page.getByRole('button', { name: 'Move image_1 down' }).click();
  assert.equal(await prompt.inputValue(), '<<<image_2>>> <<<image_1>>> <<<image_3>>>');
  assert.match(await page.getByTestId('image-ref').first().textContent(), /b\.png/);
  await page.context().close();
});

test('a file of the wrong format is refused before it is added; the form survives a reload', async () => {
  const page = await openPage(browser, '/image');
  await page.evaluate(() => localStorage.clear());
  await page.reload();
  await page.getByTestId('add-image-file').setInputFiles({ name: 'anim.gif', mimeType: 'image/gif', buffer: Buffer.from('GIF89a\x10\x00\x10\x00\x00\x00\x00;', 'binary') });
  await page.getByTestId('add-image-error').getByText('anim.gif: is a GIF image; only JPEG and PNG are accepted').waitFor();
  assert.equal(await page.getByTestId('image-ref').count(), 0);
  await page.getByTestId('add-image-file').setInputFiles({ name: 'tiny.png', mimeType: 'image/png', buffer: makePng(200, 200) });
  await page.getByTestId('add-image-error').getByText('shorter side must be at least 300 px').waitFor();

  await page.getByTestId('prompt').fill('kept after reload');
  await page.getByTestId('n').fill('4');
  await page.reload();
  assert.equal(await page.getByTestId('prompt').inputValue(), 'kept after reload');
  assert.equal(await page.getByTestId('n').inputValue(), '4');
  await page.getByTestId('n').fill('12');
  await page.locator('#n-errors').getByText('must be from 1 to 9 (got 12)').waitFor();
  await page.context().close();
});

test('typing <<< offers the references that exist', async () => {
  const page = await openPage(browser, '/image');
  await page.evaluate(() => localStorage.clear());
  await page.reload();
  await page.getByTestId('add-image-url').fill('https://example.com/x.png');
  await page.getByTestId('add-image-url').press('Enter');
  await page.getByTestId('prompt').pressSequentially('see <<<');
  await page.getByTestId('suggestions').waitFor();
  assert.match(await page.getByTestId('suggestions').textContent(), /image_1/);
  await page.getByTestId('prompt').press('Enter');
  assert.equal(await page.getByTestId('prompt').inputValue(), 'see <<<image_1>>>');
  await page.context().close();
});

test("the BFF's own refusal is shown under the input it names, in either language", async () => {
  for (const [lang, words] of [['en', /[a-z]/], ['zh-CN', /[\u4e00-\u9fff]/]]) {
    // The browser's check passes; the body is changed on its way, as a client that
    // skips the form would send it, so the answer is the BFF's (its error envelope).
    let refused;
    // The code that reads an error envelope is fetched with the first one (src/deferred.rs).
    const reader = [];
    const page = await openPage(browser, `/image?lang=${lang}`, async (p) => {
      p.on('request', (r) => { if (/\/split_read_error-[0-9a-f]{16}\.wasm$/.test(r.url())) reader.push(r.url()); });
      await p.route('**/kling/v1/images/omni-image', async (route) => {
        const body = { ...route.request().postDataJSON(), n: 99 };
        const res = await route.fetch({ postData: JSON.stringify(body) });
        refused = res.status();
        await route.fulfill({ response: res });
      });
    });
    await page.evaluate(() => localStorage.clear());
    await page.reload();
    await page.getByTestId('prompt').fill('a harbour at dawn');
    assert.equal(reader.length, 0, 'not fetched before an error');
    await page.getByTestId('submit').click();
    const error = page.locator('#n-errors .field-error');
    await error.waitFor();
    assert.equal(refused, 400);
    assert.equal(reader.length, 1, `${reader}`);
    assert.match(await error.textContent(), words);
    assert.match(await page.getByTestId('submit-error').textContent(), /1201/);
    await page.context().close();
  }
});
