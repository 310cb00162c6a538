// Chinese and English, and accessibility: every page in both languages and both themes
// is checked with axe-core (zero violations), and every Chinese page for English left
// in what it shows (text, labels, titles, placeholders, alternative texts).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { launch, BASE } from './browser.mjs';

const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

let browser;
let taskId;
before(async () => {
  browser = await launch();
  const res = await fetch(`${BASE}/kling/v1/images/omni-image`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ prompt: 'a lighthouse at dusk', n: 2 }),
  }).then((r) => r.json());
  assert.equal(res.code, 0, JSON.stringify(res));
  taskId = res.data.task_id;
});
after(async () => { await browser?.close(); });

const ROUTES = () => ['/image', '/video', '/generate', '/quick', '/elements', '/tasks', `/tasks/${taskId}`, '/spend', '/no-such-page'];

async function open(path, { lang, theme }, base = BASE) {
  // bypassCSP lets the test add axe-core's script; the app itself runs under its CSP.
  const context = await browser.newContext({ locale: lang === 'zh-CN' ? 'zh-CN' : 'en-US', colorScheme: theme, bypassCSP: true });
  const page = await context.newPage();
  page.on('pageerror', (e) => console.error('page error:', e.message));
  await page.goto(`${base}${path}`);
  await page.locator('main h1, main h2, .sign-in h1').first().waitFor();
  return { page, context };
}

/// Runs axe-core on the page as it is: every violation, and where it is.
async function axeFindings(page, where) {
  if (!(await page.evaluate(() => 'axe' in window))) await page.addScriptTag({ path: AXE });
  const result = await page.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }));
  return result.violations.map((v) => `${where}: ${v.id} (${v.impact}): ${v.help}\n${v.nodes.map((n) => `    ${n.target.join(' ')}: ${n.failureSummary?.split('\n').slice(1).join('; ')}`).join('\n')}`);
}

async function axe(page, where) {
  const found = await axeFindings(page, where);
  assert.deepEqual(found, [], found.join('\n'));
}

/// English words shown on a Chinese page, outside what is data (translate="no": prompts,
/// names, ids, request fields) or marked as another language (the language menu).
function englishShown(page) {
  return page.evaluate(() => {
    // Product names, formats and units that Chinese UIs write in Latin letters too.
    const allowed = new Set(['Omni', 'Studio', 'JPEG', 'PNG', 'GIF', 'URL', 'ID', 'HTTP', 'MB', 'KB', 'JSON', 'CSV', 'fps',
      'http', 'https', 'base64', 'data', 'auto', 'true', 'false', 'image', 'element', 'video', 'mp4', 'mov', 'px']);
    const bad = [];
    const skipped = (el) => !el || el.closest('[translate="no"], script, style, code')
      || !(el.closest('[lang]')?.getAttribute('lang') ?? 'zh').startsWith('zh');
    const check = (text, el) => {
      // What the user typed or named is quoted “so” in Chinese sentences: data, not English.
      text = text.replace(/“[^”]*”/g, '');
      for (const found of text.match(/[A-Za-z0-9][A-Za-z0-9_.:'\/-]*/g) ?? []) {
        const word = found.replace(/[.:'\/-]+$/, ''); // "done." is a word, not a name
        // Identifiers (kling-v3-omni, image_1, 16:9, 2k) are names, not English.
        if (!/[A-Za-z]/.test(word) || /[0-9_:./-]/.test(word) || allowed.has(word)) continue;
        bad.push(`${word} in ${el.tagName.toLowerCase()}: "${text.trim().slice(0, 80)}"`);
      }
    };
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    while (walker.nextNode()) {
      const node = walker.currentNode;
      if (!skipped(node.parentElement)) check(node.textContent, node.parentElement);
    }
    for (const el of document.querySelectorAll('[aria-label], [title], [placeholder], [alt], optgroup[label]')) {
      if (skipped(el)) continue;
      for (const attr of ['aria-label', 'title', 'placeholder', 'alt', 'label']) {
        const value = el.getAttribute(attr);
        if (value) check(value, el);
      }
    }
    check(document.title, document.documentElement);
    return bad;
  });
}

for (const lang of ['en', 'zh-CN']) {
  for (const theme of ['light', 'dark']) {
    test(`every page passes axe-core in ${lang}, ${theme}${lang === 'zh-CN' ? ', with no English shown' : ''}`, async () => {
      const found = [];
      for (const path of ROUTES()) {
        const { page, context } = await open(path, { lang, theme });
        if (path.startsWith('/tasks/')) {
          await page.waitForSelector('[data-testid="task-status"][data-status="succeed"]', { timeout: 30_000 });
          await page.getByTestId('result-image').first().waitFor();
        }
        assert.equal(await page.evaluate(() => document.documentElement.lang), lang, `<html lang> on ${path}`);
        found.push(...await axeFindings(page, `${path} (${lang}, ${theme})`));
        if (lang === 'zh-CN') found.push(...(await englishShown(page)).map((e) => `${path}: English ${e}`));
        await context.close();
      }
      assert.deepEqual(found, [], found.join('\n'));
      // The sign-in page, from the BFF that asks for an access token.
      if (process.env.OMNI_SECURE_URL) {
        const { page, context } = await open('/image', { lang, theme }, process.env.OMNI_SECURE_URL);
        await page.getByTestId('sign-in').click();
        await page.getByTestId('sign-in-error').filter({ hasText: /./ }).waitFor();
        await axe(page, `sign-in (${lang}, ${theme})`);
        if (lang === 'zh-CN') assert.deepEqual(await englishShown(page), [], 'English on the sign-in page');
        await context.close();
      }
    });
  }
}

test('forms with their errors shown, the lightbox, and the open details pass axe-core too', async () => {
  for (const lang of ['en', 'zh-CN']) {
    const { page, context } = await open('/image', { lang, theme: 'light' });
    await page.getByTestId('prompt').fill('a cat like <<<image_2>>> and <<<img_1>>>');
    await page.getByTestId('add-image-url').fill('ftp://example.com/a.gif');
    await page.getByTestId('add-image-url-button').click();
    await page.locator('#prompt-errors li').first().waitFor();
    await page.locator('details.advanced summary').click();
    await page.getByTestId('pick-element').click();
    await page.locator('details.api-snippets summary').click();
    await page.getByTestId('snippet').filter({ hasText: 'curl' }).waitFor();
    await axe(page, `/image with errors (${lang})`);
    if (lang === 'zh-CN') assert.deepEqual(await englishShown(page), [], 'English in the errors');
    await context.close();

    // Embedded, without the studio's own navigation.
    const embedded = await open(`/video?embed=1&lang=${lang}`, { lang, theme: 'dark' });
    await axe(embedded.page, `/video embedded (${lang})`);
    if (lang === 'zh-CN') assert.deepEqual(await englishShown(embedded.page), [], 'English when embedded');
    await embedded.context.close();

    const task = await open(`/tasks/${taskId}`, { lang, theme: 'dark' });
    await task.page.getByTestId('result-image').first().click();
    await task.page.getByTestId('lightbox').waitFor();
    await axe(task.page, `lightbox (${lang})`);
    await task.context.close();
  }
});

test('the language follows the browser, switches without losing the form, and is remembered', async () => {
  const { page, context } = await open('/image', { lang: 'zh-CN', theme: 'light' });
  assert.equal(await page.locator('nav a').first().textContent(), 'Omni 图片', 'Chinese from the browser language');
  await page.getByTestId('prompt').fill('<<<image_3>>> 在雨中');
  const error = page.locator('#prompt-errors li').first();
  await error.waitFor();
  assert.equal(await error.getAttribute('data-rule'), 'placeholder_dangling');
  assert.equal(await error.textContent(), '第 0 个字符处的 <<<image_3>>> 没有对应的图片：image_list 只有 0 项');

  await page.getByTestId('lang').selectOption('en');
  await page.locator('nav a', { hasText: 'Omni Image' }).waitFor();
  assert.equal(await page.evaluate(() => document.documentElement.lang), 'en');
  assert.equal(await page.getByTestId('prompt').inputValue(), '<<<image_3>>> 在雨中', 'the prompt survives the switch');
  assert.equal(await page.locator('#prompt-errors li').first().textContent(),
    '<<<image_3>>> at character 0 points at nothing: image_list has 0 items', 'the same rule, in English');

  await page.reload();
  await page.locator('nav a', { hasText: 'Omni Image' }).waitFor();
  assert.equal(await page.getByTestId('lang').inputValue(), 'en', 'remembered over the browser language');
  await context.close();

  // An embedding page picks the language with ?lang=.
  const en = await open('/image?embed=1&lang=zh-CN', { lang: 'en', theme: 'light' });
  await en.page.getByText('提示词', { exact: true }).waitFor();
  await en.context.close();
});

test('everything works from the keyboard, with the focus always visible', async () => {
  const { page, context } = await open('/image', { lang: 'en', theme: 'light' });
  await page.evaluate(() => localStorage.clear());
  await page.reload();
  await page.getByTestId('prompt').waitFor();
  const focused = () => page.evaluate(() => {
    const el = document.activeElement;
    const ring = (e) => { const s = getComputedStyle(e); return s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2; };
    // A visually hidden file input shows its ring on the label that holds it.
    return { id: el.id, testid: el.dataset.testid, cls: el.className, text: el.textContent, visible: ring(el) || ring(el.closest('label') ?? el) };
  });

  // The first Tab reaches the skip link, which leads to the page's content.
  await page.keyboard.press('Tab');
  assert.deepEqual(await focused().then((f) => [f.cls, f.visible]), ['skip-link', true]);
  await page.keyboard.press('Enter');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'main');

  // Two references by URL, typed and added with Enter only.
  for (const name of ['a.png', 'b.png']) {
    await page.getByTestId('add-image-url').focus();
    await page.keyboard.type(`https://example.com/${name}`);
    await page.keyboard.press('Enter');
  }
  await page.getByTestId('image-ref').nth(1).waitFor();
  // The file picker is reachable by Tab, and shows where the focus is.
  await page.getByTestId('add-image-url-button').focus();
  await page.keyboard.press('Tab');
  assert.deepEqual(await focused().then((f) => [f.testid, f.visible]), ['add-image-file', true]);

  // Moving a reference is a button (the alternative to dragging); the prompt follows.
  const prompt = page.getByTestId('prompt');
  await prompt.focus();
  await page.keyboard.type('A boat like ');
  await page.keyboard.press('Shift+Tab'); // the last chip, image_2 (b.png)
  assert.deepEqual(await focused().then((f) => [f.testid, f.visible]), ['chip-image_2', true]);
  await page.keyboard.press('Enter');
  assert.equal(await prompt.inputValue(), 'A boat like <<<image_2>>>');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'prompt', 'typing goes on in the prompt');
  await page.getByRole('button', { name: 'Move image_2 up' }).focus();
  await page.keyboard.press('Enter');
  assert.match(await page.getByTestId('image-ref').first().textContent(), /b\.png/);
  assert.equal(await prompt.inputValue(), 'A boat like <<<image_1>>>');

  // Suggestions after <<< are picked with the arrow keys and Enter.
  await prompt.focus();
  await page.keyboard.press('End');
  await page.keyboard.type(' and <<<im');
  await page.getByTestId('suggestions').waitFor();
  assert.equal(await prompt.getAttribute('aria-activedescendant'), 'prompt-suggestion-0');
  await page.keyboard.press('ArrowDown');
  assert.equal(await prompt.getAttribute('aria-activedescendant'), 'prompt-suggestion-1');
  await page.keyboard.press('Enter');
  assert.equal(await prompt.inputValue(), 'A boat like <<<image_1>>> and <<<image_2>>>');
  await context.close();

  // The lightbox: opened with Enter, Tab stays inside, Escape closes it and the focus
  // returns to the image it came from.
  const task = await open(`/tasks/${taskId}`, { lang: 'en', theme: 'dark' });
  const p = task.page;
  await p.getByTestId('result-image').first().waitFor();
  await p.locator('.result-open').nth(1).focus();
  await p.keyboard.press('Enter');
  await p.getByTestId('lightbox').waitFor();
  assert.equal(await p.evaluate(() => document.activeElement.textContent), 'Close');
  await p.keyboard.press('Tab');
  assert.equal(await p.evaluate(() => document.activeElement.getAttribute('aria-label')), 'Previous image', 'Tab wraps inside the dialog');
  await p.keyboard.press('Shift+Tab');
  assert.equal(await p.evaluate(() => document.activeElement.textContent), 'Close');
  await p.keyboard.press('Escape');
  await p.getByTestId('lightbox').waitFor({ state: 'detached' });
  assert.equal(await p.evaluate(() => document.activeElement.getAttribute('aria-label')), 'Open image 2');
  // Status changes are announced: the status line is a polite live region.
  assert.equal(await p.locator('p.status').getAttribute('role'), 'status');
  await task.context.close();
});

test('the Kling 3.0 controls (storyboard, sound, estimate, model notes) pass axe-core in both languages', async () => {
  for (const lang of ['en', 'zh-CN']) {
    for (const theme of ['light', 'dark']) {
      const { page, context } = await open(`/video?lang=${lang}`, { lang, theme });
      await page.getByTestId('model').selectOption('kling-v3-omni');
      await page.getByTestId('storyboard').check();
      await page.getByTestId('sound').selectOption('on');
      await page.getByTestId('add-shot').click();
      await page.getByTestId('shot-prompt').nth(0).fill('<<<image_9>>> opens');
      await page.getByTestId('shot-duration').nth(1).fill('40');
      await page.getByTestId('shot').nth(1).locator('.field-error').first().waitFor();
      const where = `/video storyboard (${lang}, ${theme})`;
      const found = await axeFindings(page, where);
      if (lang === 'zh-CN') found.push(...(await englishShown(page)).map((e) => `${where}: English ${e}`));
      // A model change that drops what was chosen says so.
      await page.getByTestId('model').selectOption('kling-video-o1');
      await page.getByTestId('model-dropped').waitFor();
      found.push(...await axeFindings(page, `${where}, after a model change`));
      if (lang === 'zh-CN') found.push(...(await englishShown(page)).map((e) => `${where} after a model change: English ${e}`));
      assert.deepEqual(found, [], found.join('\n'));
      await context.close();
    }
  }
});
