// End-to-end test of `vanban serve` in a real headless browser.
//
// Builds nothing: it runs an existing binary (target/release/vanban, or $VANBAN_BIN) to
// extract fixtures/seeds, index them into a temporary directory and serve that index on a
// free 127.0.0.1 port; then Debian's chromium (or $CHROMIUM), driven by playwright-core,
// types a query into the search box, checks the grouped results, opens a document, reads its
// tasks and follows a citation to every document citing the same id.
// Every request leaving 127.0.0.1 is aborted. The server is stopped at the end, whatever
// happens. Prints "N passed, N failed" and exits non-zero on failure.
//
//   npm ci --prefix tests/browser && node tests/browser/e2e.mjs

import { chromium } from 'playwright-core';
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import net from 'node:net';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const bin = process.env.VANBAN_BIN ?? join(root, 'target/release/vanban');
const browserPath = process.env.CHROMIUM ?? '/usr/bin/chromium';
const QUERY = 'thu tuc hanh chinh';

function freePort() {
  return new Promise((ok, fail) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', fail);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => ok(port));
    });
  });
}

async function waitForServer(url, child, ms = 15000) {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (child.exitCode !== null) throw new Error(`vanban serve exited with ${child.exitCode}`);
    try {
      const res = await fetch(url);
      if (res.ok) return;
    } catch { /* not listening yet */ }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} did not answer within ${ms} ms`);
}

const results = [];
async function check(name, fn) {
  try {
    await fn();
    results.push([name, true]);
    console.log(`ok   ${name}`);
  } catch (e) {
    results.push([name, false]);
    console.log(`FAIL ${name}: ${e.stack ?? e}`);
  }
}
function assert(cond, message) {
  if (!cond) throw new Error(message);
}

for (const [what, path] of [['vanban binary (cargo build --release)', bin], ['chromium (apt-get install -y chromium)', browserPath]]) {
  if (!existsSync(path)) {
    console.error(`e2e: missing ${what}: ${path}`);
    process.exit(2);
  }
}

const tmp = mkdtempSync(join(tmpdir(), 'vanban-e2e-'));
let server;
let context;
try {
  const json = join(tmp, 'json');
  const index = join(tmp, 'index');
  execFileSync(bin, ['extract', join(root, 'fixtures/seeds'), '-o', json], { stdio: 'inherit' });
  // The seeds as extracted today, plus a small archive with tasks and citations
  // (tests/browser/fixtures/archive.jsonl, kept current by tests/archive.rs).
  const fixture = join(root, 'tests/browser/fixtures/archive.jsonl');
  execFileSync(bin, ['index', json, fixture, '--index', index], { stdio: 'inherit' });

  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  server = spawn(bin, ['serve', '--index', index, '--addr', `127.0.0.1:${port}`], { stdio: ['ignore', 'inherit', 'inherit'] });
  await waitForServer(`${base}/`, server);

  context = await chromium.launchPersistentContext(join(tmp, 'profile'), {
    executablePath: browserPath,
    headless: true,
    args: [
      '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
    ],
  });
  await context.route('**/*', (route) => {
    const host = new URL(route.request().url()).hostname;
    return host === '127.0.0.1' ? route.continue() : route.abort();
  });
  const page = context.pages()[0] ?? (await context.newPage());

  await check('search page loads with a search box', async () => {
    await page.goto(`${base}/`);
    assert(await page.isVisible('#q'), 'no #q search box');
    const summary = await page.textContent('.summary');
    assert(/^\d+ văn bản/.test(summary), `summary: ${summary}`);
  });

  await check('typing a query without diacritics gives grouped, highlighted results', async () => {
    await page.fill('#q', QUERY);
    await Promise.all([page.waitForURL(/\?q=/), page.press('#q', 'Enter')]);
    await page.waitForSelector('#results .result');
    const groups = await page.locator('#results .result').count();
    assert(groups > 0, 'no result groups');
    const marks = await page.locator('#results mark').allTextContents();
    assert(marks.some((m) => m.toLowerCase() === 'thủ'), `marked words: ${marks.slice(0, 10)}`);
    assert((await page.inputValue('#q')) === QUERY, 'query kept in the box');
  });

  await check('opening a document shows its text with the hit, tasks and citations', async () => {
    const title = await page.locator('.doc-link').first().textContent();
    await Promise.all([page.waitForURL(/\/doc\//), page.locator('.doc-link').first().click()]);
    await page.waitForSelector('#doc-title');
    assert((await page.textContent('#doc-title')) === title, 'document title matches the result');
    assert(await page.isVisible('#hit'), 'hit span visible');
    assert((await page.locator('#text mark').count()) > 0, 'query words marked in the text');
    const headings = await page.locator('h2').allTextContents();
    assert(headings.some((h) => h.startsWith('Nhiệm vụ')), `headings: ${headings}`);
    assert(headings.some((h) => h.startsWith('Văn bản được trích dẫn')), `headings: ${headings}`);
    // Citations link to every citing document (present once extraction finds citations).
    const links = page.locator('a.citing');
    if ((await links.count()) > 0) {
      await Promise.all([page.waitForURL(/cites=/), links.first().click()]);
      assert((await page.locator('#results .result').count()) > 0, 'citing documents listed');
    }
  });

  await check('a document shows its tasks, and a citation links to every document citing it', async () => {
    await page.goto(`${base}/`);
    await page.fill('#q', 'hoi nghi tong ket');
    await Promise.all([page.waitForURL(/\?q=/), page.press('#q', 'Enter')]);
    const link = page.locator('.doc-link', { hasText: 'Ban hành Kế hoạch cải cách hành chính năm 2020' });
    await Promise.all([page.waitForURL(/\/doc\//), link.first().click()]);
    assert((await page.textContent('#hit')).startsWith('Tổ chức Hội nghị tổng kết'), 'hit is the task');
    const leads = await page.locator('#tasks tbody tr td:nth-child(3)').allTextContents();
    assert(leads.includes('Sở Nội vụ'), `task leads: ${leads}`);
    const citation = page.locator('#citations li', { hasText: '61/2018/NĐ-CP' }).locator('a.citing');
    assert(/^\d+ văn bản trích dẫn$/.test(await citation.textContent()), 'citing count shown');
    await Promise.all([page.waitForURL(/cites=/), citation.click()]);
    const paths = await page.locator('#results .meta').allTextContents();
    for (const p of ['corpus/001.txt', 'corpus/002.txt']) {
      assert(paths.some((m) => m.includes(p)), `${p} among citing documents: ${paths}`);
    }
    assert(paths.every((m) => !m.includes('corpus/damaged.txt')), 'a document not citing the id is not listed');
  });

  await check('filters are applied from the form', async () => {
    await page.goto(`${base}/`);
    await page.fill('#q', QUERY);
    await page.selectOption('#type', 'document');
    await Promise.all([page.waitForURL(/type=document/), page.click('#go')]);
    const kinds = await page.locator('#results .kind').allTextContents();
    assert(kinds.length > 0 && kinds.every((k) => k === 'document'), `kinds: ${kinds}`);

    await page.fill('#q', '');
    await page.fill('#cites', '61/2018/ND-CP');
    await Promise.all([page.waitForURL(/cites=61/), page.click('#go')]);
    const paths = await page.locator('#results .meta').allTextContents();
    assert(paths.some((m) => m.includes('corpus/001.txt')) && paths.some((m) => m.includes('corpus/002.txt')), `cites filter: ${paths}`);
  });
} catch (e) {
  results.push(['setup', false]);
  console.log(`FAIL setup: ${e.stack ?? e}`);
} finally {
  if (context) await context.close().catch(() => {});
  if (server && server.exitCode === null) server.kill('SIGTERM');
  rmSync(tmp, { recursive: true, force: true });
}

const failed = results.filter(([, ok]) => !ok).length;
console.log(`${results.length - failed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
