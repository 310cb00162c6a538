// Shared set-up for the end-to-end tests: Debian's Chromium through playwright-core,
// against the omni-bff that `cargo xtask test` started (OMNI_URL).
import { chromium } from 'playwright-core';

export const BASE = process.env.OMNI_URL ?? 'http://127.0.0.1:8080';
/// The BFF's simulator, to read what the upstream received (set by `cargo xtask test`).
export const SIM = process.env.OMNI_SIM_URL;

// Without the background-networking flags Chromium keeps dialling out, and this
// machine's closed network refuses it many times a second.
const FLAGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic',
  '--disable-background-networking', '--disable-component-update',
  '--disable-sync', '--no-first-run',
];

export async function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: FLAGS,
  });
}

/// A fresh page whose console errors fail loudly in the test output; `before(page)`
/// runs ahead of the navigation (to watch or route requests from the first one).
export async function openPage(browser, path, before) {
  const context = await browser.newContext({ acceptDownloads: true });
  const page = await context.newPage();
  page.on('pageerror', (e) => console.error('page error:', e.message));
  if (before) await before(page);
  await page.goto(BASE + path);
  return page;
}

/// After a submit from a form page: the new task lands at the top of the workspace
/// column beside the form (the form stays); opens its task page and answers its id.
export async function openSubmitted(page) {
  const row = page.locator('[data-testid="submitted-tasks"] [data-testid="history-row"]').first();
  await row.waitFor();
  await row.locator('a').click();
  await page.waitForURL(/\/tasks\/[^/]+$/);
  return page.url().split('/').pop();
}
