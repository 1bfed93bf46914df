// Test harness: a static server for www/ and Debian's Chromium driven by playwright-core.
//
// - `serve()` serves www/ on 127.0.0.1 at a free port with the MIME types browsers insist on
//   (.wasm application/wasm for streaming compilation, .js/.mjs text/javascript for modules),
//   plus `/__test/blank.html`, an empty page of the same origin for API tests; `{cors: true}`
//   adds the header that lets another origin's pages use the files; `{gzip: true}` sends the
//   wasm and the weights gzip-encoded (Content-Length then counts the compressed bytes).
// - `launch({webgpu})` starts /usr/bin/chromium headless with the flags this closed network
//   needs; `webgpu: true` adds --enable-unsafe-webgpu (here that gives SwiftShader).
// - `withPage(browser, fn)` gives each test a fresh context and page, and appends the page's
//   console output to the error when the test fails.

import { chromium } from 'playwright-core';
import { createServer } from 'node:http';
import { createReadStream, existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
/** The web root under test: www/ (GENLAB_WWW overrides it, e.g. for a copy elsewhere). */
export const WWW = path.resolve(process.env.GENLAB_WWW || path.join(here, '../../www'));
export const ARTIFACTS = path.resolve(here, '../artifacts');
export const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';

const MIME = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.ico': 'image/x-icon',
  '.gz': 'application/gzip',
  '.bpk': 'application/octet-stream',
  '.map': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
};

const BLANK = '<!doctype html><html><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>blank</title></head><body></body></html>';

/** Fails early, with the reason, when the built package or its assets are missing. */
export function checkBuilt() {
  const need = ['pkg/genlab.js', 'pkg/genlab_bg.wasm', 'weights/vae.bpk', 'data/t10k-images-idx3-ubyte.gz', 'node_modules/uplot/dist/uPlot.esm.js'];
  const missing = need.filter((p) => !existsSync(path.join(WWW, p)));
  if (missing.length) {
    throw new Error(`www/ is missing ${missing.join(', ')}: run ./build.sh (wasm package, weights, MNIST) and 'npm install' in www/`);
  }
}

/** What `{gzip: true}` compresses: the big binary files. */
const GZIPPED = new Set(['.wasm', '.bpk']);

/**
 * Starts the static server; resolves to {url, close()}. `cors: true` lets pages of any other
 * origin read what it serves (Access-Control-Allow-Origin: *), as a server hosting the demo's
 * files for other sites' pages must. `gzip: true` serves .wasm and .bpk files gzip-encoded to
 * clients that accept it, as most production servers do.
 */
export function serve(root = WWW, { cors = false, gzip = false } = {}) {
  const compressed = new Map(); // file -> its gzip bytes, made once
  const server = createServer((req, res) => {
    if (cors) res.setHeader('access-control-allow-origin', '*');
    const url = new URL(req.url, 'http://localhost');
    if (url.pathname === '/__test/blank.html') {
      res.writeHead(200, { 'content-type': MIME['.html'], 'cache-control': 'no-store' });
      return res.end(BLANK);
    }
    let rel;
    try {
      rel = decodeURIComponent(url.pathname);
    } catch {
      res.writeHead(400);
      return res.end('bad path');
    }
    let file = path.normalize(path.join(root, rel));
    if (file !== root && !file.startsWith(root + path.sep)) {
      res.writeHead(403);
      return res.end('forbidden');
    }
    let st;
    try {
      st = statSync(file);
      if (st.isDirectory()) {
        file = path.join(file, 'index.html');
        st = statSync(file);
      }
    } catch {
      res.writeHead(404, { 'content-type': 'text/plain' });
      return res.end('not found');
    }
    const type = MIME[path.extname(file).toLowerCase()] || 'application/octet-stream';
    if (gzip && GZIPPED.has(path.extname(file).toLowerCase()) && /\bgzip\b/.test(req.headers['accept-encoding'] ?? '')) {
      if (!compressed.has(file)) compressed.set(file, gzipSync(readFileSync(file)));
      const body = compressed.get(file);
      res.writeHead(200, { 'content-type': type, 'content-encoding': 'gzip', 'content-length': body.length, 'cache-control': 'no-store' });
      return res.end(req.method === 'HEAD' ? undefined : body);
    }
    res.writeHead(200, {
      'content-type': type,
      'content-length': st.size,
      'cache-control': 'no-store',
    });
    if (req.method === 'HEAD') return res.end();
    createReadStream(file).pipe(res);
  });
  return new Promise((resolve, reject) => {
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      resolve({ url: `http://127.0.0.1:${port}/`, close: () => new Promise((r) => server.close(r)) });
    });
  });
}

const BASE_ARGS = [
  '--no-sandbox',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--headless',
];

/** Launches headless Chromium; `webgpu: true` enables WebGPU (SwiftShader on this machine). */
export function launch({ webgpu = false } = {}) {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [...BASE_ARGS, ...(webgpu ? ['--enable-unsafe-webgpu'] : [])],
  });
}

/** Runs `fn(page, logs)` in a fresh context; on failure the page's console is added to the error. */
export async function withPage(browser, fn) {
  const context = await browser.newContext({ viewport: { width: 1200, height: 900 }, acceptDownloads: true });
  const page = await context.newPage();
  const logs = [];
  page.on('console', (m) => logs.push(`[${m.type()}] ${m.text()}`));
  page.on('pageerror', (e) => logs.push(`[pageerror] ${e.message}`));
  page.on('worker', (w) => logs.push(`[worker started] ${w.url()}`));
  try {
    return await fn(page, logs);
  } catch (e) {
    const tail = logs.slice(-40).join('\n');
    let errorText = '';
    try {
      errorText = (await page.locator('#error').first().textContent({ timeout: 500 })) || '';
    } catch {
      // no page or no #error
    }
    e.message += `\n--- #error: ${errorText.trim() || '(empty)'}\n--- page console (last 40):\n${tail}`;
    throw e;
  } finally {
    await context.close();
  }
}

/** Waits for body[data-ready]; throws with the page's #error text unless it is '1'. */
export async function waitReady(page, timeout = 90_000) {
  await page.waitForFunction(() => document.body.dataset.ready, null, { timeout, polling: 200 });
  const ready = await page.evaluate(() => document.body.dataset.ready);
  if (ready !== '1') {
    const err = await page.locator('#error').textContent().catch(() => '');
    throw new Error(`page reports ready=${ready}: ${err}`);
  }
}

/**
 * Reads a canvas back in the page: its size and the fractions of dark (ink, intensity > 0.5)
 * and bright (paper, intensity < 0.1) pixels. Grids are drawn dark ink on light paper; the
 * lines between tiles (shade 215) count as neither. The selector may go into shadow roots with
 * ' >>> ' (a <genlab-demo>'s canvas: 'genlab-demo >>> #samples').
 */
export function canvasStats(page, selector) {
  return page.evaluate((sel) => {
    const c = sel.split(' >>> ').reduce((at, part) => at && (at.shadowRoot ?? at).querySelector(part), document);
    if (!c) throw new Error(`no canvas ${sel}`);
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let dark = 0;
    let bright = 0;
    const n = d.length / 4;
    for (let i = 0; i < d.length; i += 4) {
      if (d[i] < 128) dark++; // ink: intensity > 0.5
      else if (d[i] > 230) bright++; // paper: intensity < 0.1
    }
    return { width: c.width, height: c.height, dark: dark / n, bright: bright / n };
  }, selector);
}

/** Asserts that a canvas shows digits: a meaningful share of ink and of paper. */
export function assertDigits(assert, stats, what) {
  assert.ok(stats.width >= 28 && stats.height >= 28, `${what}: canvas is ${stats.width}x${stats.height}`);
  assert.ok(stats.dark > 0.015, `${what}: only ${(stats.dark * 100).toFixed(1)}% dark pixels (blank?)`);
  assert.ok(stats.bright > 0.3, `${what}: only ${(stats.bright * 100).toFixed(1)}% bright pixels (all ink?)`);
}

/**
 * Asserts what a family's samples canvas should show: digits the judge reads
 * (assertJudgedDigits) for a generator; for a family that is no generator alone (`generator:
 * false` in its info: latent diffusion's autoencoder, whose decoded noise is smudges) only that
 * something was drawn.
 */
export async function assertFamilySamples(assert, page, selector, what, info, floors) {
  if (info.generator) return assertJudgedDigits(assert, page, selector, what, floors);
  const stats = await canvasStats(page, selector);
  assert.ok(stats.width >= 28 && stats.height >= 28, `${what}: canvas is ${stats.width}x${stats.height}`);
  assert.ok(stats.bright < 0.97, `${what}: ${(stats.bright * 100).toFixed(1)}% of the canvas is blank paper`);
  return null;
}

/**
 * Asks the page's judge (window.genlab.classes, the classifier that scores every model; for a
 * canvas in a <genlab-demo>, reached with ' >>> ' as for canvasStats, the element's lab) what
 * a grid canvas shows. The canvas is read back and cut into its 28 x 28 tiles as ui/grid.js
 * draws them (a 1-pixel gap between tiles, dark ink on light paper: intensity = 1 - shade).
 * Resolves to `{n, labels, asked, confidence}`: the judge's digit for each tile, the digits the
 * page asked the model for (the canvas's data-labels; null when none were), and the judge's
 * mean top probability.
 */
export function judgeCanvas(page, selector) {
  return page.evaluate(async (sel) => {
    const c = sel.split(' >>> ').reduce((at, part) => at && (at.shadowRoot ?? at).querySelector(part), document);
    if (!c) throw new Error(`no canvas ${sel}`);
    const n = Number(c.dataset.images);
    if (!(n >= 1)) throw new Error(`${sel} has drawn no images (data-images = ${c.dataset.images})`);
    const size = 28;
    const cols = (c.width + 1) / (size + 1);
    if (!Number.isInteger(cols)) throw new Error(`${sel} is ${c.width} pixels wide: not a grid of 28-pixel tiles`);
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    const images = new Float32Array(n * size * size);
    for (let k = 0; k < n; k++) {
      const x0 = (k % cols) * (size + 1);
      const y0 = Math.floor(k / cols) * (size + 1);
      for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) images[k * size * size + y * size + x] = 1 - d[((y0 + y) * c.width + x0 + x) * 4] / 255;
    }
    const r = await (window.genlab ?? c.getRootNode().host.lab).classes(images);
    const asked = c.dataset.labels ? c.dataset.labels.split(',').map(Number) : null;
    return { n, labels: Array.from(r.labels), asked, confidence: r.classes.confidence };
  }, selector);
}

/**
 * Asserts that a canvas shows digits, as the judge reads them, not blanks or noise: ink and
 * paper in digit-like shares (assertDigits), at least `distinct` different digits among the
 * tiles (noise and blobs read as one or two classes; where the page asked for fewer different
 * digits, that many), and where it asked for digits, at least a share `agree` of the tiles read
 * as the digit asked for (chance is 0.1).
 * @param {{distinct?: number, agree?: number}} [floors]
 * @returns {Promise<object>} what judgeCanvas found
 */
export async function assertJudgedDigits(assert, page, selector, what, { distinct = 3, agree = 0.35 } = {}) {
  assertDigits(assert, await canvasStats(page, selector), what);
  const r = await judgeCanvas(page, selector);
  const seen = new Set(r.labels).size;
  const want = Math.min(distinct, r.asked ? new Set(r.asked).size : distinct);
  assert.ok(seen >= want, `${what}: the judge reads ${seen} different digit(s) in ${r.n} images (${r.labels.join('')}), want >= ${want}`);
  if (r.asked) {
    assert.equal(r.asked.length, r.n, `${what}: a requested digit per image`);
    const share = r.labels.filter((l, i) => l === r.asked[i]).length / r.n;
    assert.ok(share >= agree, `${what}: ${(100 * share).toFixed(0)}% read as the digit asked for (want >= ${(100 * agree).toFixed(0)}%): asked ${r.asked.join('')}, read ${r.labels.join('')}`);
  }
  return r;
}

/** A canvas's pixels as a data URL: equal strings, equal pictures. */
export function canvasImage(page, selector) {
  return page.evaluate((sel) => document.querySelector(sel).toDataURL(), selector);
}

export function artifact(name) {
  mkdirSync(ARTIFACTS, { recursive: true });
  return path.join(ARTIFACTS, name);
}
