// Every screen: each page and state reflows at 320, 390, 768 and 1280 px (and embedded in
// a 400 px panel) with no sideways scrolling and no control smaller than 24 by 24 px
// (WCAG 1.4.10 and 2.5.8, which axe-core does not check); the narrow header folds the
// navigation behind a menu button; 200 % text zoom keeps the pages usable. Screenshots
// at 390 px are kept in target/e2e-artifacts/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { launch, BASE } from './browser.mjs';

const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');
const ARTIFACTS = new URL('../target/e2e-artifacts/', import.meta.url).pathname;
const WIDTHS = [320, 390, 768, 1280];
const LONG = `https://example.com/${'a-very-long-path-segment/'.repeat(6)}reference.png`;

let browser;
let imageTask;
let videoTask;

async function create(path, body) {
  const res = await fetch(`${BASE}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  }).then((r) => r.json());
  assert.equal(res.code, 0, JSON.stringify(res));
  return res.data.task_id;
}

before(async () => {
  browser = await launch();
  mkdirSync(ARTIFACTS, { recursive: true });
  imageTask = await create('/kling/v1/images/omni-image', { prompt: `${'a harbour at dawn, long exposure, '.repeat(12)}`, n: 3 });
  videoTask = await create('/kling/v1/videos/omni-video', { prompt: 'waves', aspect_ratio: '9:16', duration: '5' });
});
after(async () => { await browser?.close(); });

/// What a page at this width does wrong: wider than the window, or controls under 24 px.
async function reflowProblems(page, where) {
  const found = await page.evaluate(() => {
    const w = window.innerWidth;
    const problems = [];
    if (document.documentElement.scrollWidth > w) {
      const wide = [...document.querySelectorAll('body *')]
        .filter((e) => e.getBoundingClientRect().right > w + 1 && e.getBoundingClientRect().width > 0)
        .slice(0, 3)
        .map((e) => `${e.tagName.toLowerCase()}${e.id ? `#${e.id}` : ''}.${e.className}`);
      problems.push(`scrolls sideways: ${document.documentElement.scrollWidth} px in ${w} (${wide.join(', ')})`);
    }
    // Controls; links inside sentences are exempt (WCAG 2.5.8's inline exception).
    const controls = document.querySelectorAll('button, input, select, textarea, summary, a:not(p a):not(li.field-error a), [role="button"]');
    for (const e of controls) {
      const b = e.getBoundingClientRect();
      const hidden = b.width === 0 || getComputedStyle(e).visibility === 'hidden' || e.closest('.sr-only, [hidden]');
      if (hidden || e.classList.contains('skip-link')) continue;
      if (b.width < 24 || b.height < 24) {
        problems.push(`${e.tagName.toLowerCase()}[${e.getAttribute('data-testid') ?? e.getAttribute('aria-label') ?? e.textContent.trim().slice(0, 20)}] is ${Math.round(b.width)}x${Math.round(b.height)} px`);
      }
    }
    return problems;
  });
  return found.map((p) => `${where}: ${p}`);
}

/// An address builder for the states: this BFF, a language, and embedded or not.
const at = ({ lang = 'en', embed = false } = {}) => (path) => `${BASE}${path}?lang=${lang}${embed ? '&embed=1' : ''}`;

/// The pages and states to check, each opened on `page` (already at its width) with
/// addresses from `url`.
const STATES = [
  ['/image with references and errors', async (page, url) => {
    await page.goto(url(`/image`));
    await page.getByTestId('add-image-url').fill(LONG);
    await page.getByTestId('add-image-url').press('Enter');
    await page.getByTestId('element-id').fill('835266081714884677');
    await page.getByTestId('element-id').press('Enter');
    await page.getByTestId('prompt').fill('<<<image_1>>> beside <<<element_1>>> and <<<image_7>>>');
    await page.locator('#prompt-errors li').first().waitFor();
  }],
  ['/video with a storyboard', async (page, url) => {
    await page.goto(url(`/video`));
    await page.getByTestId('model').selectOption('kling-v3-omni');
    await page.getByTestId('storyboard').check();
    await page.getByTestId('add-shot').click();
    await page.getByTestId('shot-duration').nth(1).fill('40');
    await page.getByTestId('shot').nth(1).locator('.field-error').first().waitFor();
  }],
  ['/generate', async (page, url) => { await page.goto(url(`/generate`)); }],
  ['/quick', async (page, url) => { await page.goto(url(`/quick`)); }],
  ['/elements', async (page, url) => { await page.goto(url(`/elements`)); }],
  ['/tasks', async (page, url) => {
    await page.goto(url(`/tasks`));
    await page.locator('.history li').first().waitFor();
  }],
  ['a task with images', async (page, url) => {
    await page.goto(url(`/tasks/${imageTask}`));
    await page.getByTestId('result-image').first().waitFor({ timeout: 30_000 });
  }],
  ['the lightbox', async (page, url) => {
    await page.goto(url(`/tasks/${imageTask}`));
    await page.getByTestId('result-image').first().waitFor({ timeout: 30_000 });
    await page.locator('.result-open').first().click();
    await page.getByTestId('lightbox').waitFor();
  }],
  ['a task with a video', async (page, url) => {
    await page.goto(url(`/tasks/${videoTask}`));
    await page.getByTestId('result-video').first().waitFor({ timeout: 30_000 });
  }],
  ['/spend', async (page, url) => {
    await page.goto(url(`/spend`));
    await page.getByTestId('spend-person-row').first().waitFor();
  }],
  ['not found', async (page, url) => { await page.goto(url(`/no-such-page`)); }],
];

test('every page and state reflows from 320 px with controls of at least 24 px', async () => {
  const found = [];
  for (const width of WIDTHS) {
    const context = await browser.newContext({ viewport: { width, height: 900 } });
    const page = await context.newPage();
    page.on('pageerror', (e) => console.error('page error:', e.message));
    for (const [name, open] of STATES) {
      await open(page, at());
      await page.locator('main h1').first().waitFor();
      found.push(...await reflowProblems(page, `${name} at ${width} px`));
      if (width === 390) {
        await page.screenshot({ path: `${ARTIFACTS}390-${name.replace(/[^a-z0-9]+/gi, '-')}.png`, fullPage: true });
      }
    }
    await context.close();
  }
  assert.deepEqual(found, [], found.join('\n'));
});

test('embedded in a 400 px dashboard panel, every page fits', async () => {
  const context = await browser.newContext({ viewport: { width: 400, height: 800 } });
  const page = await context.newPage();
  const found = [];
  for (const [name, open] of STATES) {
    await open(page, at({ embed: true }));
    await page.locator('main h1').first().waitFor();
    assert.equal(await page.locator('.shell-header').count(), 0, 'no navigation when embedded');
    found.push(...await reflowProblems(page, `${name} embedded at 400 px`));
  }
  await context.close();
  assert.deepEqual(found, [], found.join('\n'));
});

test('the sign-in page fits a phone', { skip: !process.env.OMNI_SECURE_URL }, async () => {
  const context = await browser.newContext({ viewport: { width: 320, height: 700 } });
  const page = await context.newPage();
  await page.goto(`${process.env.OMNI_SECURE_URL}/image?lang=en`);
  await page.getByTestId('sign-in').waitFor();
  assert.deepEqual(await reflowProblems(page, 'sign-in at 320 px'), []);
  await context.close();
});

test('on a narrow screen the navigation is behind a menu button, by keyboard too', async () => {
  // bypassCSP lets the test add axe-core's script; the app itself runs under its CSP.
  const context = await browser.newContext({ viewport: { width: 390, height: 800 }, bypassCSP: true });
  const page = await context.newPage();
  await page.goto(`${BASE}/image?lang=en`);
  const menu = page.getByTestId('menu');
  const nav = page.locator('#main-nav');
  await menu.waitFor();
  assert.ok(await menu.isVisible());
  assert.ok(!(await nav.isVisible()), 'the links are folded away');
  assert.equal(await menu.getAttribute('aria-expanded'), 'false');
  await menu.focus();
  await page.keyboard.press('Enter');
  assert.equal(await menu.getAttribute('aria-expanded'), 'true');
  assert.ok(await nav.isVisible());
  await page.screenshot({ path: `${ARTIFACTS}390-menu-open.png` });
  // Escape closes it and gives the focus back to the button.
  await page.keyboard.press('Tab');
  await page.keyboard.press('Escape');
  assert.ok(!(await nav.isVisible()));
  assert.equal(await page.evaluate(() => document.activeElement.dataset.testid), 'menu');
  // Following a link closes it.
  await menu.click();
  await nav.getByRole('link', { name: 'History' }).click();
  await page.waitForURL(/\/tasks/);
  await page.waitForFunction(() => document.querySelector('[data-testid="menu"]').getAttribute('aria-expanded') === 'false');
  assert.ok(!(await nav.isVisible()));
  await page.addScriptTag({ path: AXE });
  const result = await page.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }));
  assert.deepEqual(result.violations.map((v) => v.id), []);
  await context.close();
  // Wide screens show the links and no menu button.
  const wide = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const p = await wide.newPage();
  await p.goto(`${BASE}/image?lang=en`);
  await p.locator('#main-nav').waitFor();
  assert.ok(await p.locator('#main-nav').isVisible());
  assert.ok(!(await p.getByTestId('menu').isVisible()));
  await wide.close();
});

test('the narrow layouts pass axe-core in both languages', async () => {
  for (const lang of ['en', 'zh-CN']) {
    const context = await browser.newContext({ viewport: { width: 320, height: 800 }, bypassCSP: true, locale: lang === 'en' ? 'en-US' : 'zh-CN' });
    const page = await context.newPage();
    const found = [];
    for (const [name, open] of STATES) {
      await open(page, at({ lang }));
      await page.locator('main h1').first().waitFor();
      if (!(await page.evaluate(() => 'axe' in window))) await page.addScriptTag({ path: AXE });
      const result = await page.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }));
      found.push(...result.violations.map((v) => `${name} (${lang}, 320 px): ${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`));
    }
    await context.close();
    assert.deepEqual(found, [], found.join('\n'));
  }
});

test('200 % text zoom on a 1280 px window keeps every page usable', async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const found = [];
  for (const [name, open] of STATES) {
    await open(page, at());
    await page.locator('main h1').first().waitFor();
    // Text-only zoom: the root font size doubles, as a browser's text size setting does.
    await page.evaluate(() => { document.documentElement.style.fontSize = '200%'; });
    found.push(...await reflowProblems(page, `${name} at 200 % text`));
  }
  await context.close();
  assert.deepEqual(found, [], found.join('\n'));
});
