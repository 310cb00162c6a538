// Browser figures for `cargo xtask bench`: time to interactive of the Omni Image form
// (median of 30 fresh loads, alternating with as many of its static twin, for a ratio),
// the time one keystroke takes to validate a 2500-character prompt with 10 references
// (median of 200), and what a first visit to each route downloads. Prints `name=value`
// lines.
import { launch } from '../browser.mjs';
import { makePng } from '../png.mjs';
import { functionSizes } from './wasm-code.mjs';

const BASE = process.env.OMNI_URL;
const LOADS = 30;
const KEYSTROKES = 200;
/// The routes whose first visit is weighed: every page, a task's by a deep link.
const ROUTES = ['/image', '/video', '/generate', '/quick', '/elements', '/tasks', '/tasks/no-such-task', '/spend'];

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
};
const p90 = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length * 0.9)];

const browser = await launch();
try {
  // Time to interactive: navigation start to the prompt box present and enabled, taken
  // inside the page by a MutationObserver so polling does not add to it.
  // `html`: the document to answer /image with instead of the server's (the static twin).
  const load = async (html) => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.addInitScript(() => {
      const mark = () => {
        const el = document.querySelector('[data-testid="prompt"]');
        if (el && !el.disabled && window.__ready === undefined) window.__ready = performance.now();
      };
      new MutationObserver(mark).observe(document, { childList: true, subtree: true, attributes: true });
    });
    if (html) {
      await page.route(`${BASE}/image`, (route) => route.fulfill({ status: 200, contentType: 'text/html; charset=utf-8', body: html }));
    }
    await page.goto(`${BASE}/image`);
    await page.waitForFunction(() => window.__ready !== undefined);
    const ms = await page.evaluate(() => window.__ready);
    await context.close();
    return ms;
  };

  // What the time goes to: Chromium compiles a WebAssembly function the first time it
  // runs (lazily, on the page's thread), so the code the start-up runs is compiled during
  // it. Traced on one fresh load: each function compiled before the form was ready,
  // weighed by its body in the main module; and, the trace kept until the network has
  // been quiet and a second more, each function the whole visit ran: what the main
  // module holds that this visit never ran is what further split points could take.
  {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.addInitScript(() => {
      new MutationObserver((_, observer) => {
        const el = document.querySelector('[data-testid="prompt"]');
        if (el && !el.disabled) {
          performance.mark('omni-ready');
          observer.disconnect();
        }
      }).observe(document, { childList: true, subtree: true, attributes: true });
    });
    await browser.startTracing(page, { categories: ['v8.wasm', 'blink.user_timing'] });
    await page.goto(`${BASE}/image`);
    await page.waitForFunction(() => performance.getEntriesByName('omni-ready').length > 0);
    await page.waitForLoadState('networkidle');
    await page.waitForTimeout(1000);
    const trace = JSON.parse(await browser.stopTracing());
    const main = await page.evaluate(() => performance.getEntriesByType('resource')
      .map((e) => e.name).find((n) => /omni-studio-[0-9a-f]+_bg\.wasm$/.test(n)));
    await context.close();
    const events = trace.traceEvents ?? trace;
    const ready = events.find((e) => e.name === 'omni-ready')?.ts ?? Infinity;
    const lazy = events.filter((e) => e.name === 'wasm.CompileLazy');
    const compiled = new Set(lazy.filter((e) => e.ts < ready).map((e) => e.args.func_index));
    const visited = new Set(lazy.map((e) => e.args.func_index));
    const { imported, sizes } = functionSizes(new Uint8Array(await (await fetch(main)).arrayBuffer()));
    const weigh = (functions) => [...functions].reduce((n, f) => n + (sizes[f - imported] ?? 0), 0);
    const all = sizes.reduce((n, s) => n + s, 0);
    console.log(`startup_code_bytes=${weigh(compiled)}`);
    console.log(`startup_functions=${compiled.size}`);
    console.log(`visit_code_bytes=${weigh(visited)}`);
    console.log(`visit_functions=${visited.size}`);
    console.log(`main_code_bytes=${all}`);
    console.log(`main_functions=${sizes.length}`);
  }

  // The same form as a static page: /image as the app rendered it, its scripts and
  // preloads taken out, its stylesheet still fetched from the BFF. What HTML and CSS
  // alone cost on this machine, so the app's time reads as a ratio to it. The app's
  // loads and the twin's alternate, so a machine that slows down during the run (this
  // one's medians moved from 165 to 210 ms within minutes) weighs on both alike.
  const snap = await (await browser.newContext()).newPage();
  await snap.goto(`${BASE}/image`);
  await snap.waitForSelector('[data-testid="prompt"]');
  const twin = await snap.evaluate(() => {
    const doc = document.documentElement.cloneNode(true);
    doc.querySelectorAll('script, link[rel="modulepreload"], link[rel="preload"]').forEach((e) => e.remove());
    return `<!DOCTYPE html>${doc.outerHTML}`;
  });
  await snap.context().close();
  const tti = [];
  const still = [];
  for (let i = 0; i < LOADS; i++) {
    // Which goes first alternates too: a load just after another finds the machine busier.
    if (i % 2 === 0) {
      tti.push(await load(null));
      still.push(await load(twin));
    } else {
      still.push(await load(twin));
      tti.push(await load(null));
    }
  }
  console.log(`tti_median_ms=${median(tti).toFixed(1)}`);
  console.log(`tti_p90_ms=${p90(tti).toFixed(1)}`);
  console.log(`static_tti_median_ms=${median(still).toFixed(1)}`);
  console.log(`tti_ratio=${(median(tti) / median(still)).toFixed(2)}`);

  // One keystroke: the input event, the rules of omni-api over the whole request, and
  // the page updated (the character counter shows the new length).
  const page = await (await browser.newContext()).newPage();
  await page.goto(`${BASE}/image`);
  await page.evaluate(() => localStorage.clear());
  await page.reload();
  const files = Array.from({ length: Number(process.env.REFS ?? 10) }, (_, i) => ({
    name: `ref${i + 1}.png`, mimeType: 'image/png', buffer: makePng(320 + i, 320),
  }));
  if (files.length) await page.getByTestId('add-image-file').setInputFiles(files);
  await page.waitForFunction((n) => document.querySelectorAll('[data-testid="image-ref"]').length === n, files.length);
  const refs = Array.from({ length: files.length }, (_, i) => `<<<image_${i + 1}>>>`).join(' ');
  const filler = '一只猫在雨中的城市里散步, cinematic light. ';
  let prompt = refs + ' ';
  while (prompt.length < 2499) prompt += filler;
  prompt = prompt.slice(0, 2499);
  await page.getByTestId('prompt').fill(prompt);
  const times = await page.evaluate(async (n) => {
    const el = document.querySelector('[data-testid="prompt"]');
    const counter = document.getElementById('prompt-count');
    const tick = () => new Promise((r) => { const c = new MessageChannel(); c.port1.onmessage = r; c.port2.postMessage(0); });
    const out = [];
    for (let i = 0; i < n; i++) {
      const next = i % 2 === 0 ? el.value + 'a' : el.value.slice(0, -1);
      const want = `${[...next].length} /`;
      const t0 = performance.now();
      el.value = next;
      el.dispatchEvent(new Event('input', { bubbles: true }));
      while (!counter.textContent.startsWith(want)) await tick();
      out.push(performance.now() - t0);
    }
    return out;
  }, KEYSTROKES);
  console.log(`keystroke_median_ms=${median(times).toFixed(2)}`);
  console.log(`keystroke_p90_ms=${p90(times).toFixed(2)}`);

  // Bytes on the wire by route: a fresh visit to each, every file of the app as the
  // server sent it (compressed bodies; the API's answers left out), the whole visit:
  // until the page's heading is there and the network has been quiet for half a second,
  // so code fetched after the form is usable (the deferred functions) counts too.
  for (const route of ROUTES) {
    const context = await browser.newContext();
    const visit = await context.newPage();
    const sizes = [];
    // The app's own files only: not the API's answers, nor pictures from elsewhere (the
    // element library's come from the upstream's host). A file finishing after the count
    // is taken has its sizes asked for as the context closes: that answer fails, and
    // unhandled it ended the run (those pictures, once).
    visit.on('requestfinished', (r) => {
      const url = new URL(r.url());
      if (url.origin === new URL(BASE).origin && !url.pathname.includes('/api/')) sizes.push(r.sizes().catch(() => null));
    });
    await visit.goto(`${BASE}${route}`);
    await visit.locator('main h1').first().waitFor();
    // (At most 3 s: an open event stream would keep it from ever being quiet.)
    await Promise.race([visit.waitForLoadState('networkidle'), visit.waitForTimeout(3000)]);
    const counted = (await Promise.all(sizes)).filter((s) => s !== null);
    const bytes = counted.reduce((n, s) => n + s.responseBodySize, 0);
    console.log(`route_bytes ${route}=${bytes} files=${counted.length}`);
    await context.close();
  }
} finally {
  await browser.close();
}
