// Light and dark: the system's choice by default, the header's switch overrides it and
// is remembered, and an embedding page can ask with ?theme=.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, BASE } from './browser.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

const background = (page) => page.evaluate(() => getComputedStyle(document.body).backgroundColor);

test('the theme follows the system, can be switched, and is remembered', async () => {
  const context = await browser.newContext({ colorScheme: 'dark' });
  const page = await context.newPage();
  await page.goto(`${BASE}/image`);
  await page.getByTestId('theme').waitFor();
  assert.equal(await background(page), 'rgb(15, 17, 21)', 'dark, as the system says');

  await page.getByTestId('theme').selectOption('light');
  assert.equal(await page.evaluate(() => document.documentElement.dataset.theme), 'light');
  assert.equal(await background(page), 'rgb(246, 247, 249)');
  await page.reload();
  await page.getByTestId('theme').waitFor();
  assert.equal(await page.getByTestId('theme').inputValue(), 'light');
  assert.equal(await background(page), 'rgb(246, 247, 249)', 'remembered across a reload');
  await context.close();

  const light = await browser.newContext({ colorScheme: 'light' });
  const embedded = await light.newPage();
  await embedded.goto(`${BASE}/image?embed=1&theme=dark`);
  await embedded.getByTestId('prompt').waitFor();
  assert.equal(await background(embedded), 'rgb(15, 17, 21)', '?theme=dark from the embedding page');
  await light.close();
});
