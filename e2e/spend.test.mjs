// Who spent what, on the BFF with named access tokens: tasks remember the name that made
// them (bearer token or browser session), history filters by person, and the spend
// page sums what each person was charged, draws it, and exports the same as CSV.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { launch } from './browser.mjs';

const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');
const SECURE = process.env.OMNI_SECURE_URL;
const ANN = process.env.OMNI_ANN_TOKEN;
const BO = process.env.OMNI_BO_TOKEN;
const skip = !(SECURE && ANN && BO) && 'OMNI_SECURE_URL and the named tokens are not set';

let browser;
before(async () => { if (!skip) browser = await launch(); });
after(async () => { await browser?.close(); });

/// A task made through the gateway-compatible route with `token`; answers its id.
async function create(token, prompt) {
  const r = await fetch(`${SECURE}/kling/v1/images/omni-image`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ prompt }),
  });
  const body = await r.json();
  assert.equal(r.status, 200, JSON.stringify(body));
  return body.data.task_id;
}

/// Waits for a task to finish; answers it as the studio reads it.
async function finished(token, id) {
  for (let i = 0; i < 150; i++) {
    const body = await (await fetch(`${SECURE}/api/v1/tasks/${id}`, { headers: { authorization: `Bearer ${token}` } })).json();
    if (body.data.task_status === 'succeed') return body.data;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${id} did not finish`);
}

/// A browser signed in as `token` (`bypassCSP` lets a test add axe-core's script; the
/// app itself runs under its CSP).
async function signedIn(token, path, { bypassCSP = false } = {}) {
  const context = await browser.newContext({ acceptDownloads: true, bypassCSP });
  const page = await context.newPage();
  page.on('pageerror', (e) => console.error('page error:', e.message));
  await page.goto(`${SECURE}${path}`);
  await page.getByLabel('Access token').fill(token);
  await page.getByLabel('Access token').press('Enter');
  await page.getByRole('navigation', { name: 'Main' }).waitFor();
  return page;
}

const sum = (tasks) => tasks.reduce((s, t) => s + Number(t.final_unit_deduction), 0);

test('two named tokens: tasks are filtered by person and their spend summed, drawn and exported', { skip }, async () => {
  const ann = [await create(ANN, 'ann: a lighthouse at dawn'), await create(ANN, 'ann: a lighthouse at dusk')];
  // Bo makes one from the form, signed in: the session remembers whose token it was.
  const page = await signedIn(BO, '/image');
  await page.getByTestId('prompt').fill('bo: a harbour in fog');
  await page.getByTestId('submit').click();
  const boRow = page.locator('[data-testid="submitted-tasks"] [data-testid="history-row"]').first();
  await boRow.waitFor();
  const bo = [await boRow.getAttribute('data-task-id')];
  const annTasks = await Promise.all(ann.map((id) => finished(ANN, id)));
  const boTasks = await Promise.all(bo.map((id) => finished(BO, id)));
  assert.equal(boTasks[0].created_by, 'bo');

  // History: by person, each row saying who made it.
  await page.getByRole('link', { name: 'History' }).click();
  await page.getByTestId('filter-person').selectOption('ann');
  const rows = page.locator('[data-testid="history-row"]');
  await page.waitForFunction(() => {
    const by = [...document.querySelectorAll('[data-testid="history-row"] [data-testid="created-by"]')].map((e) => e.textContent);
    return by.length > 0 && by.every((n) => n === 'ann');
  });
  const shown = await rows.evaluateAll((rs) => rs.map((r) => r.dataset.taskId));
  for (const id of ann) assert.ok(shown.includes(id), `${id} is in ann's history`);
  assert.ok(!shown.includes(bo[0]), "bo's task is not in ann's history");

  // Spend: today's units for each person are what their tasks were charged.
  await page.getByRole('link', { name: 'Spend' }).click();
  const people = page.getByTestId('spend-person-row');
  await people.first().waitFor();
  const units = async (name) => {
    const row = people.filter({ has: page.locator('th', { hasText: new RegExp(`^${name}$`) }) });
    const cells = await row.locator('td').allTextContents();
    return { tasks: Number(cells[0]), units: Number(cells[1]) };
  };
  const annShown = await units('ann');
  const boShown = await units('bo');
  // Other tests may have made tasks as ann or bo before; at least these, and exactly
  // their charges when none did.
  assert.ok(annShown.tasks >= 2 && annShown.units >= sum(annTasks) - 1e-9, JSON.stringify(annShown));
  assert.ok(boShown.tasks >= 1 && boShown.units >= sum(boTasks) - 1e-9, JSON.stringify(boShown));
  await page.getByTestId('spend-chart').locator('rect').first().waitFor();
  // One person: the total is theirs.
  await page.getByTestId('spend-person').selectOption('bo');
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="spend-person-row"]').length === 1);
  assert.match(await page.getByTestId('spend-total').textContent(), new RegExp(`^${boShown.units} units`));

  // The CSV is the same report.
  const download = page.waitForEvent('download');
  await page.getByTestId('spend-csv').click();
  const csv = await (await download).createReadStream().then((s) => new Promise((res) => {
    let text = ''; s.on('data', (c) => { text += c; }); s.on('end', () => res(text));
  }));
  const lines = csv.trim().split('\r\n');
  assert.equal(lines[0], 'day,person,model,tasks,units');
  assert.ok(lines.slice(1).every((l) => l.split(',')[1] === 'bo'), csv);
  const csvUnits = lines.slice(1).reduce((s, l) => s + Number(l.split(',')[4]), 0);
  assert.ok(Math.abs(csvUnits - boShown.units) < 1e-9, csv);

  // The account's remaining units are in the header.
  assert.match(await page.getByTestId('account-units').textContent(), /\d+(\.\d+)? units left/);
  await page.context().close();
});

test('a range that ends before it starts is named at its input, and the spend page passes axe-core', { skip }, async () => {
  const page = await signedIn(ANN, '/spend', { bypassCSP: true });
  await page.getByTestId('spend-person-row').first().or(page.getByTestId('spend-empty')).waitFor();
  await page.getByTestId('spend-from').fill('2026-12-31');
  await page.getByTestId('spend-to').fill('2026-12-01');
  await page.locator('#spend-from-errors li').filter({ hasText: /after the last day \(2026-12-01\)/ }).waitFor();
  assert.equal(await page.getByTestId('spend-from').getAttribute('aria-invalid'), 'true');
  await page.getByTestId('spend-from').fill('2026-11-01');
  await page.locator('#spend-from-errors li').waitFor({ state: 'detached' });
  for (const theme of ['light', 'dark']) {
    await page.emulateMedia({ colorScheme: theme });
    if (!(await page.evaluate(() => 'axe' in window))) await page.addScriptTag({ path: AXE });
    const result = await page.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }));
    assert.deepEqual(result.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target).join(' ')}`), [], theme);
  }
  await page.context().close();
});
