// The blog page (www/blog.html) and the <genlab-demo> element it is built of: nothing heavy is
// fetched before a demo nears the viewport; each demo, scrolled to, draws real digits (the
// judge reads the sample grids); one worker and one wasm download serve the whole page, each
// family's weights are fetched once, and every request stays on the page's host; the loading
// line shows the bytes of the wasm and of the weights; every picture is named for screen
// readers, every field labelled, and the keyboard alone draws again. Then the element on a
// page of another origin than its files (the `base` attribute), and the messages of a wrong
// base and of bad attributes, inside the element.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import path from 'node:path';
import { WWW, artifact, assertDigits, assertJudgedDigits, canvasStats, serve, withPage } from '../lib/harness.mjs';
import { testEnv } from '../lib/fixtures.mjs';

const env = testEnv();

/** The files the page must not fetch before a demo is due: the worker, the wasm, weights, MNIST. */
const HEAVY = /\/js\/worker\.js|\.wasm$|\/weights\/|\/data\//;
/** The page's height in the test: the first demo must start below it and the load margin. */
const VIEWPORT = { width: 1000, height: 500 };
const LOAD_MARGIN = 200; // genlab-demo.js's rootMargin

/** Waits until the element is drawn or has failed; its state and the error it shows. */
async function settle(page, selector, timeout = 90_000) {
  await page.waitForFunction((sel) => ['ready', 'error'].includes(document.querySelector(sel)?.getAttribute('state')), selector, { timeout, polling: 200 });
  return page.evaluate((sel) => {
    const el = document.querySelector(sel);
    const error = el.shadowRoot.querySelector('[part~="error"]');
    return { state: el.getAttribute('state'), error: error.hidden ? '' : error.textContent };
  }, selector);
}

/** Every picture is named for screen readers, every field labelled. */
async function checkAccessible(page, selector, what) {
  const unnamed = await page.evaluate((sel) => {
    const root = document.querySelector(sel).shadowRoot;
    const canvases = [...root.querySelectorAll('canvas')].filter((c) => c.getAttribute('role') !== 'img' || !c.getAttribute('aria-label'));
    const fields = [...root.querySelectorAll('input, select')].filter((f) => !f.labels?.length && !f.getAttribute('aria-label'));
    return [...canvases, ...fields].map((e) => e.id || e.outerHTML.slice(0, 60));
  }, selector);
  assert.deepEqual(unnamed, [], `${what}: pictures without a name or fields without a label`);
}

/** What each demo on the page draws, and how it is checked. */
async function checkDemo(page, selector, family, view) {
  const at = (inner) => `${selector} >>> ${inner}`;
  const what = `${family} (${view})`;
  await checkAccessible(page, selector, what);
  switch (view) {
    case 'samples':
    case 'train':
      // The DBM's chains find few kinds of digit (README: 0, 2, 3 and 6 never read): its eight
      // samples are held to two different digits, every other family's to the usual three.
      return assertJudgedDigits(assert, page, at('#samples'), what, family === 'dbm' ? { distinct: 2 } : {});
    case 'latent':
      return assertDigits(assert, await canvasStats(page, at('#interp')), what);
    case 'chain': {
      // The last stored state: the finished digits (the first ones are noise).
      await page.evaluate((sel) => {
        const range = document.querySelector(sel).shadowRoot.querySelector('#trajectory-scrubber');
        range.value = range.max;
        range.dispatchEvent(new Event('input'));
      }, selector);
      return assertJudgedDigits(assert, page, at('#traj-x'), what);
    }
    case 'complete':
      return assertDigits(assert, await canvasStats(page, at('#completions')), what);
    case 'filters': {
      const s = await canvasStats(page, at('#filters'));
      const tiles = await page.evaluate((sel) => document.querySelector(sel).shadowRoot.querySelector('#filters').dataset.images, selector);
      assert.equal(tiles, '64', `${what}: 64 filters drawn`);
      // Red, white and blue tiles, not a blank canvas: dark (blue) and light pixels both.
      assert.ok(s.dark > 0.01 && s.bright > 0.05, `${what}: a flat canvas (${JSON.stringify(s)})`);
      return null;
    }
    default:
      throw new Error(`the test does not know how to check the "${view}" view`);
  }
}

/**
 * Computed styles of the comparison that only its own rules (js/compare/style.js) set, read
 * in `where`: '' for the page's document, or a selector of the element whose shadow root holds
 * it. Colours are read too, left as the site's (the element is not themed here).
 */
const COMPARE_STYLED = [
  ['section.compare', ['fontSize', 'minWidth']],
  ['.compare-toolbar', ['display', 'flexWrap', 'columnGap']],
  ['.compare-scroll', ['overflowX', 'borderTopStyle', 'borderTopWidth', 'borderTopColor', 'borderTopLeftRadius', 'backgroundColor']],
  ['table.compare-table', ['borderCollapse', 'minWidth']],
  ['table.compare-table > caption', ['captionSide', 'textAlign', 'fontWeight', 'paddingTop', 'paddingLeft']],
  ['table.compare-table > thead th', ['whiteSpace', 'fontWeight', 'cursor', 'borderTopStyle', 'color', 'paddingLeft']],
  ['table.compare-table > tbody td', ['paddingTop', 'paddingLeft', 'borderTopStyle', 'borderTopWidth', 'borderTopColor', 'verticalAlign', 'minWidth']],
  ['table.compare-table > tbody .live', ['borderLeftStyle', 'borderLeftWidth', 'borderLeftColor', 'paddingLeft']],
  ['.compare-offers-list', ['listStyleType', 'display', 'flexWrap', 'paddingLeft']],
  ['.compare-offers-list li', ['borderTopLeftRadius', 'whiteSpace', 'paddingLeft']],
  ['.compare-ll-groups', ['display', 'rowGap']],
  ['.compare-ll-scroll', ['overflowX', 'borderTopStyle']],
];

function compareStyles(page, where) {
  return page.evaluate(
    ([host, styled]) => {
      const root = host ? document.querySelector(host).shadowRoot : document;
      const out = {};
      for (const [sel, props] of styled) {
        const node = root.querySelector(sel);
        if (!node) {
          out[sel] = 'missing';
          continue;
        }
        const cs = getComputedStyle(node);
        out[sel] = Object.fromEntries(props.map((p) => [p, cs[p]]));
      }
      // Where its rules come from: adopted sheets holding the comparison's rules, and any other
      // sheet (a linked site.css) that still has some.
      const isCompareRule = (r) => /\.compare(?!\w|-page\b)/.test(r.selectorText ?? '');
      const holds = (sheet) => [...sheet.cssRules].some(isCompareRule);
      out.adopted = root.adoptedStyleSheets.filter(holds).length;
      out.linked = [...root.styleSheets].filter((sh) => {
        try {
          return holds(sh);
        } catch {
          return false;
        }
      }).length;
      return out;
    },
    [where, COMPARE_STYLED],
  );
}

test('the blog: lazy demos, one worker, real digits in each, byte progress, one host', { timeout: 300_000 }, async () => {
  await withPage(env.browser, async (page) => {
    await page.setViewportSize(VIEWPORT);
    const requests = [];
    const workers = [];
    page.on('request', (r) => requests.push(r.url()));
    page.on('worker', (w) => workers.push(w.url()));
    // Every progress report, with the loading line the element showed for it.
    await page.addInitScript(() => {
      window.progressSeen = [];
      document.addEventListener('genlab-progress', (e) => {
        const status = e.target.shadowRoot.querySelector('[part~="status"]');
        window.progressSeen.push({ ...e.detail, demo: e.target.getAttribute('family'), text: status.textContent, shown: !status.hidden });
      });
    });
    await page.goto(`${env.url}blog.html?backend=cpu`);
    await page.waitForFunction(() => customElements.get('genlab-demo') && document.querySelectorAll('.snippet').length > 0, null, { timeout: 30_000 });

    // ---- Lazy: nothing heavy before the first demo is scrolled to.
    const first = await page.evaluate(() => document.querySelector('genlab-demo').getBoundingClientRect().top);
    assert.ok(first > VIEWPORT.height + LOAD_MARGIN, `the first demo starts at ${first}px: below the viewport and its load margin, or the test proves nothing`);
    await page.waitForTimeout(1500);
    const early = requests.filter((u) => HEAVY.test(new URL(u).pathname));
    assert.deepEqual(early, [], 'nothing heavy fetched before any demo is in view');
    assert.equal(workers.length, 0, 'no worker before any demo is in view');
    const demos = await page.evaluate(() => [...document.querySelectorAll('article genlab-demo')].map((d) => ({ family: d.getAttribute('family'), view: d.getAttribute('view') ?? 'samples', state: d.getAttribute('state') })));
    assert.ok(demos.length >= 10, `${demos.length} demos on the page`);
    assert.ok(demos.every((d) => d.state === 'waiting'), `every demo waits: ${demos.map((d) => d.state).join(', ')}`);

    // ---- Each demo, scrolled to, draws.
    const t0 = Date.now();
    for (let i = 0; i < demos.length; i++) {
      const { family, view } = demos[i];
      const selector = `article genlab-demo:nth-of-type(${i + 1})`;
      await page.locator(selector).scrollIntoViewIfNeeded();
      const s = await settle(page, selector);
      assert.equal(s.state, 'ready', `${family} (${view}) failed: ${s.error}`);
      await checkDemo(page, selector, family, view);
      // The markup under it is the element's own, with an absolute script URL to copy.
      const snippet = await page.evaluate((sel) => document.querySelector(sel).nextElementSibling.querySelector('pre code').textContent, selector);
      assert.match(snippet, new RegExp(`^<script type="module" src="${env.url}js/genlab-demo\\.js"></script>\\n<genlab-demo family="${family}"`), `${family}: the snippet`);
      assert.ok(!snippet.includes('state='), `${family}: the snippet has only the author's attributes`);
    }
    console.log(`# ${demos.length} demos drawn in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

    // The keyboard alone draws again: a new seed typed, then the "sample" button by Tab and Enter.
    const firstDemo = 'article genlab-demo:nth-of-type(1)';
    assert.equal(await page.locator(firstDemo).locator('#samples').getAttribute('aria-label'), '16 digits sampled by the Variational autoencoder, seed 3');
    await page.locator(firstDemo).locator('#sample-seed').focus();
    await page.keyboard.press('Control+A');
    await page.keyboard.type('5');
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate((sel) => document.querySelector(sel).shadowRoot.activeElement?.id, firstDemo), 'sample-btn', 'Tab reaches the sample button');
    await page.keyboard.press('Enter');
    await page.waitForFunction((sel) => document.querySelector(sel).shadowRoot.querySelector('#samples').getAttribute('aria-label').endsWith('seed 5'), firstDemo, { timeout: 30_000 });
    // A control's failure shows in its element, not in the page around it.
    await page.locator(firstDemo).locator('#sample-seed').fill('-4');
    await page.locator(firstDemo).locator('#sample-btn').click();
    await page.locator(firstDemo).locator('[part~="error"]').waitFor({ state: 'visible', timeout: 10_000 });
    assert.match(await page.locator(firstDemo).locator('[part~="error"]').textContent(), /seed must be a whole number in \[0, 4294967295\], got '-4'/);
    assert.equal(await page.evaluate(() => document.getElementById('error')), null, "no error box added to the author's page");
    await page.screenshot({ path: artifact('blog.png'), fullPage: true });

    // Every registered family is on the page.
    const families = await page.evaluate(() => document.querySelector('genlab-demo').lab.families().map((f) => f.name));
    assert.deepEqual([...new Set(demos.map((d) => d.family))].sort(), [...families].sort(), 'a demo of every family');

    // ---- One worker, one wasm, each family's weights once, one host.
    assert.equal(workers.length, 1, `one worker for the page: ${workers.join(', ')}`);
    const count = (suffix) => requests.filter((u) => new URL(u).pathname.endsWith(suffix)).length;
    assert.equal(count('/pkg/genlab_bg.wasm'), 1, 'the wasm is fetched once');
    for (const f of families) assert.equal(count(`/weights/${f}.bpk`), 1, `${f}'s weights are fetched once (vae has three demos)`);
    const host = new URL(env.url).host;
    const elsewhere = requests.filter((u) => !u.startsWith('data:') && new URL(u).host !== host);
    assert.deepEqual(elsewhere, [], 'no request to another host');

    // ---- The loading line showed real bytes: the wasm's and the weights' Content-Length.
    const seen = await page.evaluate(() => window.progressSeen);
    const wasmBytes = statSync(path.join(WWW, 'pkg/genlab_bg.wasm')).size;
    const wasm = seen.filter((p) => p.stage === 'wasm');
    assert.ok(wasm.length >= 2, `wasm progress reported ${wasm.length} time(s)`);
    assert.ok(wasm.every((p) => p.total === wasmBytes), `the wasm's total is its size, ${wasmBytes} bytes: ${wasm.map((p) => p.total).join(', ')}`);
    assert.equal(wasm[0].loaded, 0, 'from 0 bytes');
    assert.ok(wasm.some((p) => p.done && p.loaded === wasmBytes), 'to the last byte');
    const mb = (wasmBytes / 1e6).toFixed(1);
    assert.ok(wasm.some((p) => p.shown && p.text.includes(`of ${mb} MB`)), `the line read "… of ${mb} MB": ${wasm.map((p) => p.text).join(' | ')}`);
    const vaeBytes = statSync(path.join(WWW, 'weights/vae.bpk')).size;
    const vae = seen.filter((p) => p.stage === 'weights' && p.family === 'vae');
    assert.ok(vae.some((p) => p.done && p.loaded === vaeBytes && p.total === vaeBytes), `the VAE's weights, ${vaeBytes} bytes: ${JSON.stringify(vae)}`);
    assert.ok(vae.some((p) => p.shown && /Variational autoencoder's weights: .* of 1\.9 MB/.test(p.text)), `the line named the VAE's weights: ${vae.map((p) => p.text).join(' | ')}`);
  });
});

test('a page of another origin embeds a demo (base), and bad values are named in the element', { timeout: 180_000 }, async () => {
  const files = await serve(WWW, { cors: true }); // the demo's files; the page is env.server's
  try {
    await withPage(env.browser, async (page) => {
      const workers = [];
      const requests = [];
      page.on('worker', (w) => workers.push(w.url()));
      page.on('request', (r) => requests.push(r.url()));
      await page.goto(`${env.url}__test/blank.html`);
      assert.notEqual(new URL(files.url).origin, new URL(env.url).origin, 'two origins');
      await page.evaluate((filesUrl) => {
        document.body.innerHTML = `
          <genlab-demo id="good" family="cgan" label="7" n="8" backend="cpu" base="${filesUrl}"></genlab-demo>
          <genlab-demo id="no-view" family="gan" view="filters" backend="cpu" base="${filesUrl}"></genlab-demo>
          <genlab-demo id="lost" family="vae" backend="cpu" base="${filesUrl}nowhere/"></genlab-demo>
          <genlab-demo id="bad-backend" family="vae" backend="gpu"></genlab-demo>
          <genlab-demo id="bad-seed" family="vae" seed="-1"></genlab-demo>`;
        const script = Object.assign(document.createElement('script'), { type: 'module', src: `${filesUrl}js/genlab-demo.js` });
        document.head.append(script);
      }, files.url);

      // Drawn from the other origin's files: the cGAN's 7s, as the judge reads them.
      const good = await settle(page, '#good');
      assert.equal(good.state, 'ready', `the cross-origin demo failed: ${good.error}`);
      const judged = await assertJudgedDigits(assert, page, '#good >>> #samples', 'cross-origin cgan 7s');
      assert.deepEqual(judged.asked, Array(8).fill(7), 'eight 7s asked for');
      assert.ok(workers.some((u) => u.startsWith('blob:')), `the worker of another origin's script starts from a blob: module (${workers.join(', ')})`);
      assert.ok(requests.includes(`${files.url}pkg/genlab_bg.wasm`) && requests.includes(`${files.url}weights/cgan.bpk`), 'the wasm and the weights come from the files server');

      // A view the family lacks: named, with the ones it has (read off its capabilities).
      const noView = await settle(page, '#no-view');
      assert.equal(noView.state, 'error');
      assert.match(noView.error, /no "filters" view: its views are samples, train, latent/);

      // A wrong base: which URL failed, and how.
      const lost = await settle(page, '#lost');
      assert.equal(lost.state, 'error');
      assert.ok(lost.error.includes(`${files.url}nowhere/pkg/genlab.js`), `names the URL: ${lost.error}`);
      assert.match(lost.error, /HTTP 404/);

      // Bad attributes: said at once, nothing loaded for them.
      const badBackend = await settle(page, '#bad-backend', 10_000);
      assert.match(badBackend.error, /backend="gpu" is not a backend: use auto, webgpu, cpu/);
      const badSeed = await settle(page, '#bad-seed', 10_000);
      assert.match(badSeed.error, /seed="-1" is not a whole number in 0\.\.4294967295/);
      await page.screenshot({ path: artifact('blog-cross-origin.png'), fullPage: true });
    });
  } finally {
    await files.close();
  }
});

test('view="compare" puts every family side by side inside the element', { timeout: 180_000 }, async () => {
  await withPage(env.browser, async (page) => {
    await page.goto(`${env.url}__test/blank.html`);
    await page.evaluate(() => {
      document.body.innerHTML = '<genlab-demo id="all" view="compare" backend="cpu" seed="2"></genlab-demo>';
      document.head.append(Object.assign(document.createElement('script'), { type: 'module', src: '/js/genlab-demo.js' }));
    });
    const s = await settle(page, '#all');
    assert.equal(s.state, 'ready', `the comparison failed: ${s.error}`);
    // A picture per family (its samples), each named, once the comparison has drawn them all.
    const families = await page.evaluate(() => document.querySelector('#all').lab.families().length);
    await page.waitForFunction(
      (n) => [...document.querySelector('#all').shadowRoot.querySelectorAll('canvas')].filter((c) => Number(c.dataset.images) > 0).length >= n,
      families,
      { timeout: 150_000, polling: 500 },
    );
    assert.equal(await page.evaluate(() => document.getElementById('error')), null, "nothing in the author's page");

    // ---- Styled inside the shadow root as on compare.html, from one copy of the rules.
    await page.waitForFunction(() => ['ready', 'error'].includes(document.querySelector('#all').shadowRoot.querySelector('section.compare')?.dataset.state), null, { timeout: 60_000, polling: 200 });
    const inElement = await compareStyles(page, '#all');
    const other = await page.context().newPage();
    await other.goto(`${env.url}compare.html?backend=cpu`);
    await other.waitForSelector('#compare section.compare .compare-ll-scroll', { timeout: 60_000 });
    const onPage = await compareStyles(other, '');
    await other.close(); // its first pass is not needed: the styles are there from the start
    // Not the browser's defaults: the comparison's rules apply at all (on both, by the equality below).
    const td = inElement['table.compare-table > tbody td'];
    assert.equal(inElement['table.compare-table'].borderCollapse, 'collapse', `the table's rules apply in the element: ${JSON.stringify(inElement['table.compare-table'])}`);
    assert.deepEqual([td.paddingTop, td.borderTopStyle, td.borderTopWidth], ['8px', 'solid', '1px'], `a cell's padding and rule in the element: ${JSON.stringify(td)}`);
    assert.equal(inElement['.compare-scroll'].overflowX, 'auto', 'the table scrolls in its box');
    const { adopted: a1, linked: l1, ...styleInElement } = inElement;
    const { adopted: a2, linked: l2, ...styleOnPage } = onPage;
    assert.deepEqual(styleInElement, styleOnPage, 'the comparison looks the same in the element as on compare.html');
    assert.deepEqual([a1, l1], [1, 0], 'in the shadow root: one adopted sheet of the comparison\'s rules, none in a linked sheet');
    assert.deepEqual([a2, l2], [1, 0], 'on compare.html: one adopted sheet of them, none left in site.css');

    // A blog author's theme reaches the table: the element's custom properties.
    await page.evaluate(() => document.querySelector('#all').style.cssText = '--genlab-line: rgb(1, 2, 3); --genlab-accent: rgb(4, 5, 6); --genlab-muted: rgb(7, 8, 9)');
    const themed = await compareStyles(page, '#all');
    assert.equal(themed['table.compare-table > tbody td'].borderTopColor, 'rgb(1, 2, 3)', '--genlab-line: the rules between rows');
    assert.equal(themed['table.compare-table > tbody .live'].borderLeftColor, 'rgb(4, 5, 6)', '--genlab-accent: the mark of a live figure');
    assert.equal(themed['table.compare-table > thead th'].color, 'rgb(7, 8, 9)', '--genlab-muted: the column headers');

    // In a narrow column the table scrolls sideways in its box; the page does not.
    await page.setViewportSize({ width: 420, height: 900 });
    const narrow = await page.evaluate(() => {
      const host = document.querySelector('#all');
      const box = host.shadowRoot.querySelector('.compare-scroll');
      return {
        page: [document.documentElement.scrollWidth, document.documentElement.clientWidth],
        host: [host.getBoundingClientRect().right, window.innerWidth],
        box: [box.scrollWidth, box.clientWidth, box.getBoundingClientRect().right, host.getBoundingClientRect().right],
      };
    });
    assert.ok(narrow.page[0] <= narrow.page[1], `the page does not scroll sideways at 420px: ${narrow.page[0]}px of content in ${narrow.page[1]}px`);
    assert.ok(narrow.host[0] <= narrow.host[1], `the element fits the viewport: right edge ${narrow.host[0]} of ${narrow.host[1]}`);
    assert.ok(narrow.box[0] > narrow.box[1], `the table scrolls in its box: ${narrow.box[0]}px in ${narrow.box[1]}px`);
    assert.ok(narrow.box[2] <= narrow.box[3], `the box stays inside the element: ${narrow.box[2]} vs ${narrow.box[3]}`);
    await page.screenshot({ path: artifact('blog-compare-narrow.png'), fullPage: true });
  });
});

test('a demo moved while it loads shows one view; after its shared lab is closed it opens another', { timeout: 180_000 }, async () => {
  await withPage(env.browser, async (page) => {
    // The VAE's weights are held back until the element has been moved: its first view is
    // then still mounting (waiting for them) when the move starts a second one.
    let asked;
    const weightsAsked = new Promise((resolve) => (asked = resolve));
    let release;
    const released = new Promise((resolve) => (release = resolve));
    await page.route('**/weights/vae.bpk', async (route) => {
      asked();
      await released;
      await route.continue();
    });
    await page.goto(`${env.url}__test/blank.html`);
    await page.evaluate(async () => {
      await import('/js/genlab-demo.js');
      document.body.innerHTML = '<div id="a"><genlab-demo id="moved" family="vae" view="train" n="8" backend="cpu" loading="eager"></genlab-demo></div><div id="b"></div>';
    });
    await weightsAsked;
    await page.evaluate(() => document.getElementById('b').append(document.getElementById('moved')));
    release();
    const s = await settle(page, '#moved');
    assert.equal(s.state, 'ready', `the moved demo failed: ${s.error}`);
    await page.waitForTimeout(1000); // room for a second view to turn up
    const views = await page.evaluate(() => {
      const root = document.getElementById('moved').shadowRoot;
      return { start: root.querySelectorAll('#train-start').length, samples: root.querySelectorAll('#samples').length, bodies: root.querySelectorAll('[part~="body"]').length };
    });
    assert.deepEqual(views, { start: 1, samples: 1, bodies: 1 }, 'one view in the moved element, not the one it started and the one it restarted');
    await assertJudgedDigits(assert, page, '#moved >>> #samples', 'the moved VAE demo');

    // A page's script closes the lab the demos share: the next draw opens a new one.
    await page.evaluate(() => {
      const demo = document.getElementById('moved');
      window.closedLab = demo.lab;
      demo.lab.close();
      demo.setAttribute('seed', '4');
    });
    await page.waitForFunction(() => document.getElementById('moved').lab !== window.closedLab || document.getElementById('moved').state === 'error', null, { timeout: 60_000 });
    const again = await settle(page, '#moved');
    assert.equal(again.state, 'ready', `after the lab was closed: ${again.error}`);
    assert.equal(await page.evaluate(() => document.getElementById('moved').lab.closed), false, 'a lab that is open');
    assert.equal(await page.evaluate(() => document.getElementById('error')), null, "nothing in the author's page");
  });
});

test('gzip-encoded files: the loading line never takes the compressed length for the total', { timeout: 120_000 }, async () => {
  const files = await serve(WWW, { gzip: true });
  try {
    await withPage(env.browser, async (page) => {
      const encodings = new Map();
      page.on('response', async (r) => {
        if (/\.(wasm|bpk)$/.test(new URL(r.url()).pathname)) encodings.set(new URL(r.url()).pathname, (await r.allHeaders())['content-encoding'] ?? null);
      });
      await page.addInitScript(() => {
        window.progressSeen = [];
        document.addEventListener('genlab-progress', (e) => {
          window.progressSeen.push({ ...e.detail, text: e.target.shadowRoot.querySelector('[part~="status"]').textContent });
        });
      });
      await page.goto(`${files.url}__test/blank.html`);
      await page.evaluate(async () => {
        await import('/js/genlab-demo.js');
        document.body.innerHTML = '<genlab-demo id="z" family="vae" n="8" backend="cpu" loading="eager"></genlab-demo>';
      });
      const s = await settle(page, '#z');
      assert.equal(s.state, 'ready', `the demo on a gzip server failed: ${s.error}`);
      assert.equal(encodings.get('/pkg/genlab_bg.wasm'), 'gzip', `the wasm came gzip-encoded: ${JSON.stringify([...encodings])}`);
      const seen = await page.evaluate(() => window.progressSeen);
      for (const [stage, file] of [['wasm', 'pkg/genlab_bg.wasm'], ['weights', 'weights/vae.bpk']]) {
        const bytes = statSync(path.join(WWW, file)).size;
        const reports = seen.filter((p) => p.stage === stage);
        assert.ok(reports.length >= 2, `${stage}: ${reports.length} report(s)`);
        // Unknown while it downloads (an indeterminate bar), the real size once done; never
        // the compressed length, which the bytes read would overtake.
        assert.deepEqual(reports.filter((p) => p.total !== null && p.total !== bytes).map((p) => `${p.loaded}/${p.total}`), [], `${stage}: no total but its ${bytes} bytes`);
        assert.ok(reports.some((p) => p.done && p.loaded === bytes && p.total === bytes), `${stage}: done at its ${bytes} bytes`);
        assert.ok(reports.filter((p) => !p.done).every((p) => !/ of /.test(p.text)), `${stage}: no "x of y" while the size is unknown: ${reports.map((p) => p.text).join(' | ')}`);
      }
    });
  } finally {
    await files.close();
  }
});
