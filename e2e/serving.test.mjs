// dist/ as browsers get it, from omni-bff and from the README's nginx: the brotli or
// gzip copy made at build time when the client accepts it (and the same bytes once
// decoded), `Vary: Accept-Encoding`, hashed assets immutable for a year, index.html (and
// deep links) revalidated, and the app split by route. Headers and requests only: timings
// are the bench's job.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import zlib from 'node:zlib';
import { launch } from './browser.mjs';

const BFF = process.env.OMNI_URL;
const STATIC = process.env.OMNI_STATIC_URL;

/** GET `url` with `Accept-Encoding: encoding` (none when empty), undecoded. */
function get(url, encoding) {
  return new Promise((resolve, reject) => {
    const headers = encoding ? { 'accept-encoding': encoding } : {};
    http.get(url, { headers }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
    }).on('error', reject);
  });
}

function decode(answer) {
  switch (answer.headers['content-encoding']) {
    case 'br': return zlib.brotliDecompressSync(answer.body);
    case 'gzip': return zlib.gunzipSync(answer.body);
    default: return answer.body;
  }
}

const varies = (a) => /accept-encoding/i.test(a.headers.vary ?? '');

for (const [host, base] of [['omni-bff', BFF && `${BFF}/`], ['nginx (README setup)', STATIC]]) {
  test(`${host} serves dist/ precompressed, with cache headers`, { skip: !base && 'no URL for it' }, async () => {
    const index = await get(base, 'br, gzip');
    assert.equal(index.status, 200);
    assert.equal(index.headers['cache-control'], 'no-cache', 'index.html is revalidated');
    const html = decode(index).toString();
    if (host === 'omni-bff') {
      // The BFF writes the base into the page (so it is not the file's .br copy, and it
      // compresses what it made).
      const at = html.indexOf('<base href="/">');
      assert.ok(at > 0 && at < html.search(/<(script|link)/i), 'a <base> before the first asset');
      assert.equal(index.headers['content-encoding'], 'gzip', 'index.html as made, gzipped');
      assert.ok(varies(index), `Vary: ${index.headers.vary}`);
    } else {
      assert.equal(index.headers['content-encoding'], 'br', 'index.html.br is served');
      assert.ok(varies(index), `Vary: ${index.headers.vary}`);
    }
    const deep = await get(`${base}tasks/some-task`, 'gzip');
    assert.equal(deep.status, 200);
    assert.equal(deep.headers['cache-control'], 'no-cache', 'a deep link is index.html, revalidated');

    const assets = [...new Set([...html.matchAll(/\.\/([\w.-]+\.(?:js|wasm|css|svg))/g)].map((m) => m[1]))];
    assert.ok(['.wasm', '.js', '.css', '.svg'].every((ext) => assets.some((a) => a.endsWith(ext))), assets.join(' '));
    // A preload scanner that ran before `<base>` asks for assets under the deep link: the
    // answer is index.html, which must not be cached as that name for a year.
    const astray = await get(`${base}tasks/${assets[0]}`, '');
    assert.doesNotMatch(astray.headers['cache-control'] ?? '', /immutable/, `tasks/${assets[0]}`);
    for (const name of assets) {
      const plain = await get(base + name, '');
      assert.equal(plain.status, 200, name);
      assert.equal(plain.headers['content-encoding'], undefined, `${name} plain`);
      assert.match(plain.headers['cache-control'] ?? '', /max-age=31536000.*immutable/, `${name}: ${plain.headers['cache-control']}`);
      // The icon shows only when sent as what it is.
      if (name.endsWith('.svg')) assert.match(plain.headers['content-type'] ?? '', /^image\/svg\+xml/, name);
      for (const encoding of ['br', 'gzip']) {
        const packed = await get(base + name, encoding);
        assert.equal(packed.headers['content-encoding'], encoding, `${name} as ${encoding}`);
        assert.ok(varies(packed), `${name} as ${encoding}: Vary ${packed.headers.vary}`);
        assert.ok(packed.body.length < plain.body.length, `${name} as ${encoding} is smaller`);
        assert.ok(decode(packed).equals(plain.body), `${name} as ${encoding} decodes to the file`);
      }
    }
  });
}

test('a deep link into omni-bff loads nothing from the wrong directory, and no config.json', { skip: !BFF && 'OMNI_URL is not set' }, async () => {
  const browser = await launch();
  try {
    const page = await browser.newPage();
    const astray = [];
    page.on('request', (r) => {
      const path = new URL(r.url()).pathname;
      if (/^\/tasks\/.+\.(css|js|wasm)$/.test(path)) astray.push(path);
      // config.json and the studio configuration are in the page omni-bff serves (its
      // API needs no sign-in here): no round trip for either.
      if (path.endsWith('/config.json') || path === '/api/v1/config') astray.push(path);
    });
    await page.goto(`${BFF}/tasks/no-such-task`);
    await page.locator('main').first().waitFor();
    await page.waitForLoadState('networkidle');
    assert.deepEqual(astray, [], 'the preload scanner saw the <base>, and the app read its configuration from the page');
  } finally {
    await browser.close();
  }
});

// Each answer a first visit needs, read once: the account figure was read a second time
// when the configuration arrived and replaced the built-in one (a static host's first
// visit); omni-bff writes the configuration into the page, so there it is not read.
for (const [host, base, api, configReads] of [['omni-bff', BFF && `${BFF}/`, '/api/v1', 0], ['nginx (README setup)', STATIC, '/bff/api/v1', 1]]) {
  test(`${host}: a first visit reads each of its answers once`, { skip: !base && 'no URL for it' }, async () => {
    const browser = await launch();
    try {
      const page = await browser.newPage();
      const reads = [];
      page.on('request', (r) => reads.push(new URL(r.url()).pathname));
      await page.goto(`${base}image`);
      await page.getByTestId('account-units').waitFor();
      await page.getByTestId('recent-tasks').waitFor();
      await page.waitForLoadState('networkidle');
      // (The column's covers are files, not reads.)
      const count = (path) => reads.filter((r) => r === `${api}${path}`).length;
      assert.deepEqual(['/account', '/tasks', '/config'].map(count), [1, 1, configReads], reads.join(' '));
    } finally {
      await browser.close();
    }
  });
}


// The release build is split by route (docs/design.md): /image loads the shell and its
// own page only; opening another page fetches that page's module, from beside the
// loader (so under any prefix), content-hashed, cached for good and sent compressed.
for (const [host, base] of [['omni-bff', BFF && `${BFF}/`], ['nginx (README setup)', STATIC]]) {
  test(`${host}: a visit loads only its page's code, and another page's on the way there`, { skip: !base && 'no URL for it' }, async () => {
    const browser = await launch();
    try {
      const page = await browser.newPage();
      const wasm = [];
      page.on('requestfinished', (r) => {
        if (new URL(r.url()).pathname.endsWith('.wasm')) wasm.push(r.url());
      });
      // A first visit says nothing in the console (Chromium warned on every one while
      // the main module's preload carried an integrity it ignores, and a static host
      // answered the browser's /favicon.ico with 404). The files of earlier tests' tasks,
      // which the recent-tasks column shows, are the history's, not the visit's.
      const said = [];
      page.on('console', (m) => {
        const at = m.location().url;
        if (/\/api\/v1\/tasks\/[^/]+\/files\//.test(at)) return;
        if (m.type() === 'warning' || m.type() === 'error') said.push(`${m.type()}: ${m.text()} (${at})`);
      });
      await page.goto(`${base}image`);
      await page.getByTestId('prompt').waitFor();
      await page.waitForLoadState('networkidle');
      assert.deepEqual(said, [], 'the console of a first visit');
      // The sign-in gate runs first where the page does not say that no sign-in is
      // needed: a static host cannot say it before config.json is read (omni-bff writes
      // it into the page).
      const gate = await page.evaluate(() => JSON.parse(document.getElementById('omni-split').textContent).gate);
      assert.ok(gate.length > 0, 'the gate is a module of its own');
      const gated = wasm.filter((u) => gate.some((file) => u.endsWith(`/${file}`)));
      assert.equal(gated.length, host === 'omni-bff' ? 0 : gate.length, `the gate's modules: ${wasm.join(' ')}`);
      const own = wasm.filter((u) => !gated.includes(u));
      assert.equal(own.length, 1, `one module for /image: ${wasm.join(' ')}`);
      assert.match(own[0], /\/omni-studio-[0-9a-f]{16}_bg\.wasm$/);

      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Omni Video' }).click();
      await page.getByRole('heading', { name: 'Omni Video' }).waitFor();
      await page.getByTestId('prompt').waitFor();
      const video = wasm.filter((u) => /\/split_page_video_\d+-[0-9a-f]{16}\.wasm$/.test(u));
      assert.equal(video.length, 1, `the video page's module: ${wasm.join(' ')}`);
      assert.ok(wasm.every((u) => u.startsWith(base)), `every module from beside the app: ${wasm.join(' ')}`);
      assert.ok(!wasm.some((u) => /split_page_(tasks|spend|elements|generate|quick)/.test(u)), `no other page's module: ${wasm.join(' ')}`);
      for (const url of wasm.filter((u) => u !== own[0])) {
        const packed = await get(url, 'br');
        assert.equal(packed.status, 200, url);
        assert.equal(packed.headers['content-encoding'], 'br', url);
        assert.match(packed.headers['cache-control'] ?? '', /max-age=31536000.*immutable/, url);
      }
    } finally {
      await browser.close();
    }
  });
}

// A deep link's page modules are fetched beside the main module (index.html's first script
// preloads them from the list the build writes), once: the loader takes the preloaded ones.
for (const [host, base] of [['omni-bff', BFF && `${BFF}/`], ['nginx (README setup)', STATIC]]) {
  test(`${host}: a deep link preloads its page's modules, and fetches each once`, { skip: !base && 'no URL for it' }, async () => {
    const browser = await launch();
    try {
      const page = await browser.newPage();
      await page.goto(`${base}tasks/no-such-task`);
      await page.getByRole('heading', { name: /no-such-task/ }).waitFor();
      // The BFF's answer read: its status is in the words.
      await page.getByRole('alert').filter({ hasText: /HTTP 404/ }).waitFor();
      const entries = await page.evaluate(() => performance.getEntriesByType('resource')
        .filter((e) => e.name.endsWith('.wasm'))
        .map((e) => ({ name: e.name.replace(/.*\//, ''), by: e.initiatorType })));
      const own = entries.filter((e) => /^split_page_tasks_id_\d+-[0-9a-f]{16}\.wasm$/.test(e.name));
      assert.deepEqual(own.map((e) => e.by), ['link'], JSON.stringify(entries));
      // (A static host's preload scanner also asks for the main module under the deep
      // link's directory before the first script sets <base>: known, and the BFF's <base>
      // is the cure, so only the page's own modules are counted here.)
      const modules = entries.filter((e) => e.name.startsWith('split_') || e.name.startsWith('chunk_'));
      const names = modules.map((e) => e.name);
      assert.equal(new Set(names).size, names.length, `each module once: ${names.join(' ')}`);
      // The page's modules, as the build listed them: each preloaded. (The 404's error
      // envelope is read by code fetched when it comes, src/deferred.rs: its modules
      // are the loader's own fetches.)
      const split = await page.evaluate(() => JSON.parse(document.getElementById('omni-split').textContent));
      assert.ok(split.page_tasks_id.length > 1, JSON.stringify(split));
      // And the sign-in gate's, where the page does not say that none is needed (above).
      const listed = host === 'omni-bff' ? split.page_tasks_id : [...new Set([...split.page_tasks_id, ...split.gate])];
      for (const file of listed) {
        assert.deepEqual(modules.filter((e) => e.name === file).map((e) => e.by), ['link'], `${file} preloaded: ${JSON.stringify(entries)}`);
      }
      const others = modules.filter((e) => !listed.includes(e.name));
      assert.ok(others.every((e) => e.by === 'fetch'), JSON.stringify(others));
      assert.ok(others.some((e) => /^split_read_error-/.test(e.name)), `the error reader: ${JSON.stringify(others)}`);
    } finally {
      await browser.close();
    }
  });
}
