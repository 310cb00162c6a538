// The studio embedded in a dashboard on another origin: the dashboard opens a form
// filled in, the studio hides its own navigation, and every change of the task comes
// back to the dashboard as a message. The BFF lets that origin (and no other) frame it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { launch, BASE } from './browser.mjs';

const PORT = Number(process.env.OMNI_EMBED_HOST_PORT);
const HOST = `http://127.0.0.1:${PORT}`;

let browser;
let server;
before(async () => {
  browser = await launch();
  if (!PORT) return;
  // The dashboard: one page with the studio in an iframe, collecting its messages.
  server = http.createServer((req, res) => {
    res.setHeader('content-type', 'text/html');
    res.end(`<!DOCTYPE html><title>Ops dashboard</title>
      <iframe id="studio" title="Omni Studio" src="${BASE}/image?embed=1" style="width:1000px;height:800px"></iframe>
      <script>
        window.events = [];
        addEventListener('message', (e) => { if (e.origin === ${JSON.stringify(new URL(BASE).origin)}) window.events.push(e.data); });
      </script>`);
  });
  await new Promise((r) => server.listen(PORT, '127.0.0.1', r));
});
after(async () => { await browser?.close(); server?.close(); });

test('a dashboard on another origin embeds the studio, opens a form and hears of its task', { skip: !PORT && 'OMNI_EMBED_HOST_PORT is not set' }, async () => {
  const csp = (await fetch(`${BASE}/image`)).headers.get('content-security-policy');
  assert.match(csp, new RegExp(`frame-ancestors 'self' ${HOST}`));

  const page = await (await browser.newContext()).newPage();
  await page.goto(`${HOST}/`);
  const frame = page.frameLocator('#studio');
  await frame.getByTestId('prompt').waitFor();
  assert.equal(await frame.getByRole('navigation', { name: 'Main' }).count(), 0, 'no studio navigation inside the dashboard');

  // The dashboard opens the form with a prompt and a reference.
  await page.evaluate((origin) => document.getElementById('studio').contentWindow.postMessage({
    type: 'omni-studio:open', form: 'image', prompt: 'From the dashboard: <<<image_1>>> at night',
    references: ['https://example.com/harbour.png', 'javascript:alert(1)'],
  }, origin), new URL(BASE).origin);
  await frame.getByText('harbour.png').first().waitFor();
  assert.equal(await frame.getByTestId('prompt').inputValue(), 'From the dashboard: <<<image_1>>> at night');
  assert.equal(await frame.getByTestId('image-ref').count(), 1, 'only the http(s) reference');

  await frame.getByTestId('submit').click();
  await frame.getByTestId('task-status').waitFor();
  await page.waitForFunction(() => window.events.some((e) => e.task_status === 'succeed'), null, { timeout: 30_000 });
  const events = await page.evaluate(() => window.events);
  assert.ok(events.every((e) => e.type === 'omni-studio:task' && e.task_id === events[0].task_id));
  const done = events.find((e) => e.task_status === 'succeed');
  assert.ok(done.results.length > 0 && done.results.every((u) => u.startsWith(`${BASE}/api/v1/tasks/${done.task_id}/files/`)), JSON.stringify(done));
  assert.ok(events.length >= 2, 'more than the final state');
  await page.context().close();
});
