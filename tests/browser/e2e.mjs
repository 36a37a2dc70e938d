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
  // A native PDF, for the page-image view (its source path stays valid for /file and pdftoppm).
  const pdfJson = join(tmp, 'pdf-json');
  execFileSync(bin, ['extract', join(root, 'fixtures/brokenfonts/clean_notosans.pdf'), '-o', pdfJson], { stdio: 'inherit' });
  execFileSync(bin, ['index', json, fixture, pdfJson, '--index', index], { stdio: 'inherit' });

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
      await Promise.all([page.waitForURL(/decree/), links.first().click()]);
      assert((await page.locator('#citing .citing-doc').count()) > 0, 'citing documents listed');
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
    await Promise.all([page.waitForURL(/decree/), citation.click()]);
    const paths = await page.locator('#citing .doc-link').evaluateAll((as) => as.map((a) => decodeURIComponent(a.getAttribute('href'))));
    for (const p of ['corpus/001.txt', 'corpus/002.txt']) {
      assert(paths.some((m) => m.includes(p)), `${p} among citing documents: ${paths}`);
    }
    assert(paths.every((m) => !m.includes('corpus/damaged.txt')), 'a document not citing the id is not listed');
  });

  // A screenshot that is a real picture: a PNG, and large enough not to be a blank area.
  async function screenshotOf(locator, name, minBytes) {
    const png = await locator.screenshot({ path: join(tmp, `${name}.png`) });
    assert(png.subarray(1, 4).toString() === 'PNG', `${name}: not a PNG`);
    assert(png.length > minBytes, `${name}: ${png.length} bytes, looks blank`);
    const box = await locator.boundingBox();
    assert(box && box.width > 100 && box.height > 50, `${name}: box ${JSON.stringify(box)}`);
  }

  await check('facets count documents and a facet link filters', async () => {
    await page.goto(`${base}/?q=cai+cach+hanh+chinh`);
    const facet = page.locator('#facets section[data-facet="cites"] li', { hasText: '61/2018/NĐ-CP' });
    const count = Number(await facet.locator('.count').textContent());
    assert(count >= 2, `documents citing 61/2018/NĐ-CP: ${count}`);
    const agencies = await page.locator('#facets section[data-facet="agency"] h3').allTextContents();
    assert(agencies.includes('Cơ quan ban hành'), `facet headings: ${agencies}`);
    await Promise.all([page.waitForURL(/cites=61/), facet.locator('a').click()]);
    const groups = await page.locator('#results .result').count();
    assert(groups === count, `${groups} documents listed, facet said ${count}`);
    await screenshotOf(page.locator('#facets'), 'facets', 3000);
  });

  await check('pagination moves through the results', async () => {
    await page.goto(`${base}/?q=hanh+chinh&limit=2`);
    const first = await page.locator('#results .hit .snippet').allTextContents();
    assert(first.length === 2, `hits on page 1: ${first.length}`);
    assert((await page.locator('#prev').count()) === 0, 'no previous page on page 1');
    await Promise.all([page.waitForURL(/page=2/), page.click('#next')]);
    const second = await page.locator('#results .hit .snippet').allTextContents();
    assert(second.length > 0 && second.join() !== first.join(), 'page 2 shows other hits');
    assert((await page.textContent('#summary')).includes('trang 2'), 'summary names the page');
    await Promise.all([page.waitForURL((u) => !u.toString().includes('page=2')), page.click('#prev')]);
    assert((await page.locator('#results .hit .snippet').allTextContents()).join() === first.join(), 'back to page 1');
  });

  await check('a decree page lists every document citing it', async () => {
    await page.goto(`${base}/decree/61%2F2018%2FN%C4%90-CP`);
    assert((await page.textContent('#decree-title')) === '61/2018/NĐ-CP', 'decree title');
    const metas = await page.locator('#citing .citing-doc').allTextContents();
    assert(metas.length >= 2, `citing documents: ${metas.length}`);
    assert(metas.some((m) => m.includes('Ban hành Kế hoạch cải cách hành chính năm 2020')), `citing: ${metas}`);
    await Promise.all([page.waitForURL(/\/doc\//), page.locator('#citing .doc-link').first().click()]);
    assert(await page.isVisible('#hit'), 'the citing line is shown');
  });

  await check('the overview draws its charts on the server', async () => {
    await Promise.all([page.waitForURL(/overview/), page.click('#nav-overview')]);
    for (const id of ['chart-tasks', 'chart-cited', 'chart-figures']) {
      const bars = await page.locator(`#${id} rect.bar`).count();
      assert(bars > 0, `${id}: no bars`);
      await screenshotOf(page.locator(`#${id}`), id, 2500);
    }
    const titles = await page.locator('#chart-cited rect.bar title').allTextContents();
    assert(titles.some((t) => t.startsWith('61/2018/NĐ-CP:')), `most cited: ${titles}`);
    assert((await page.locator('script').count()) === 0, 'no script on the page');
  });

  await check('a PDF page is shown as an image with the box of a value, and the original file downloads', async () => {
    await page.goto(`${base}/?q=&type=document`);
    const pdfDoc = page.locator('.doc-link').filter({ hasText: /./ });
    const hrefs = await page.locator('.result').evaluateAll((rs) => rs
      .filter((r) => r.querySelector('.meta').textContent.includes('clean_notosans.pdf'))
      .map((r) => r.querySelector('.doc-link').getAttribute('href')));
    assert(hrefs.length === 1, `PDF document listed: ${hrefs} (${await pdfDoc.count()} documents)`);
    await page.goto(`${base}${hrefs[0]}`);
    const download = await page.request.get(`${base}${await page.getAttribute('#download', 'href')}`);
    assert(download.ok() && (await download.body()).subarray(0, 5).toString() === '%PDF-', 'original PDF served');
    const docUrl = page.url();
    await Promise.all([page.waitForURL(/\/page\//), page.locator('#pages a.page-link').first().click()]);
    await page.waitForFunction(() => document.querySelector('#page-image')?.naturalWidth > 0);
    const width = await page.evaluate(() => document.querySelector('#page-image').naturalWidth);
    assert(width > 300, `page image width ${width}`);
    assert((await page.textContent('#no-box')).includes('Không có toạ độ'), 'a bare page link says there is no box');
    await screenshotOf(page.locator('#page-image'), 'page-image', 5000);

    // A task's page link boxes where its row was read; figures link the same way.
    await page.goto(docUrl);
    assert((await page.locator('#figures a.page-link').count()) > 0, 'figures link to their page');
    await Promise.all([page.waitForURL(/box=/), page.locator('#tasks a.page-link').first().click()]);
    await page.waitForFunction(() => document.querySelector('#page-image')?.naturalWidth > 0);
    assert((await page.locator('#no-box').count()) === 0, 'no missing-box note when the place is known');
    const image = await page.locator('#page-image').boundingBox();
    const box = await page.locator('#value-box').boundingBox();
    assert(box && box.width > 20 && box.height > 5, `value box ${JSON.stringify(box)}`);
    assert(box.x >= image.x - 1 && box.y >= image.y - 1
      && box.x + box.width <= image.x + image.width + 1
      && box.y + box.height <= image.y + image.height + 1,
      `value box ${JSON.stringify(box)} inside the page ${JSON.stringify(image)}`);
    await screenshotOf(page.locator('#page-frame'), 'page-value-box', 5000);
  });

  await check('filters are applied from the form', async () => {
    await page.goto(`${base}/`);
    await page.fill('#q', QUERY);
    await page.selectOption('#type', 'document');
    await Promise.all([page.waitForURL(/type=document/), page.click('#go')]);
    const kinds = await page.locator('#results .kind').allTextContents();
    assert(kinds.length > 0 && kinds.every((k) => k === 'văn bản'), `kinds: ${kinds}`);

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
