// Every family compared: compare.html (js/compare.js) on the CPU backend. A row per registered
// family with digits the judge reads, a positive time per digit on the backend it names,
// eval.json's likelihood (kind and data model as the file says, ranked only within its data
// model), FID-MNIST and conditional accuracy, labelled as read from eval.json; a live score
// that fills in with progress before the table's own remaining work; training timed without
// leaving the fine-tuned weights behind; one family's failure kept in its row.
//
// Hooks (under #compare; see the top of js/compare/row.js and js/compare/likelihood-groups.js):
//   table.compare-table > caption, thead th[scope=col], tbody tr[data-family][data-cost] > th[scope=row]
//   canvas.compare-samples[role=img][aria-label][data-images][data-labels][data-seed]
//   td.compare-time[data-ms-per-digit][data-n][data-backend]
//   td.compare-likelihood .from-file[data-kind][data-pixels][data-rank][data-of], .live[data-kind]
//   td.compare-fid .from-file[data-fid], button.compare-score-btn, progress[data-updates], .live[data-fid]
//   td.compare-cond .from-file[data-accuracy]; td.compare-train[data-ms-per-step], button.compare-train-btn
//   td.compare-offers li[data-capability]; table.compare-ll-group[data-pixels] tr[data-family][data-rank]
//   .compare-error (a failure, in its cell); body[data-ready] '1', or 'error' when something failed

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { WWW, artifact, assertDigits, assertFamilySamples, assertJudgedDigits, canvasStats, waitReady, withPage } from '../lib/harness.mjs';
import { testEnv } from '../lib/fixtures.mjs';

const env = testEnv();

// The test's own reading of eval.json, not the page's: each family's report with default settings.
const EVAL = JSON.parse(readFileSync(path.join(WWW, 'weights/eval.json'), 'utf8'));
const report = (family) => EVAL.reports.find((r) => r.family === family && Object.keys(r.settings ?? {}).length === 0) ?? null;

const row = (f) => `#compare table.compare-table > tbody > tr[data-family="${f}"]`;
const KIND_WORDS = { exact: /exact/, bound: /lower bound/, estimate: /an estimate \(standard error ±/ };

/** What the page knows of its families: name, title and capabilities, in registry order. */
function familiesOf(page) {
  return page.evaluate(() => window.genlab.families().map((f) => ({ name: f.name, title: f.title, capabilities: f.capabilities, generator: f.generator })));
}

test('compare.html has a row for every family: digits, time per digit, and eval.json\'s figures labelled and grouped', { timeout: 180_000 }, async () => {
  await withPage(env.browser, async (page) => {
    await page.goto(`${env.url}compare.html?backend=cpu`);
    await waitReady(page, 150_000);
    const families = await familiesOf(page);
    assert.ok(families.length >= 2, `registered: ${families.map((f) => f.name).join(', ')}`);
    const rows = await page.locator('#compare table.compare-table > tbody > tr').evaluateAll((els) => els.map((e) => e.dataset.family));
    assert.deepEqual(rows, families.map((f) => f.name), 'one row per family, in registry order');

    // A real table: caption, column and row headers.
    assert.ok((await page.locator('#compare table.compare-table > caption').textContent()).trim().length > 10, 'a caption');
    assert.ok((await page.locator('#compare table.compare-table > thead th[scope="col"]').count()) >= 8, 'column headers');
    await page.screenshot({ path: artifact('compare.png'), fullPage: true });

    for (const f of families) {
      const F = f.name;
      const r = row(F);
      assert.equal(await page.locator(`${r} > th[scope="row"]`).count(), 1, `${F}: a row header`);

      // Samples: digits the judge reads (ten where the draw is cheap: one of each digit asked
      // of a conditional family; five for the long Gibbs chains), from the table's seed 0.
      const canvas = `${r} canvas.compare-samples`;
      const n = Number(await page.locator(canvas).getAttribute('data-images'));
      assert.ok(n >= 5, `${F}: ${n} samples`);
      assert.equal(await page.locator(canvas).getAttribute('data-seed'), '0', `${F}: drawn from the seed asked for`);
      assert.equal(await page.locator(canvas).getAttribute('role'), 'img', `${F}: the canvas is an image to assistive technology`);
      assert.match(await page.locator(canvas).getAttribute('aria-label'), new RegExp(`${n} samples of the ${f.title.replace(/[()]/g, '\\$&')} from seed 0`), `${F}: the canvas says what it shows`);
      assert.equal((await page.locator(canvas).getAttribute('data-labels')) !== null, !!f.capabilities.conditional, `${F}: digits asked for exactly when conditional`);
      await assertFamilySamples(assert, page, canvas, `compare '${F}'`, f, n >= 10 ? {} : { distinct: 2, agree: 0.25 });

      // Time per digit: positive, over the digits drawn, on the backend the page runs.
      const time = await page.locator(`${r} td.compare-time`).evaluate((td) => ({ ...td.dataset, text: td.textContent }));
      assert.ok(Number(time.msPerDigit) > 0 && Number.isFinite(Number(time.msPerDigit)), `${F}: time per digit ${time.msPerDigit}`);
      assert.equal(time.n, String(n), `${F}: timed over the digits drawn`);
      assert.equal(time.backend, 'cpu', `${F}: timed on the CPU`);
      assert.match(time.text, new RegExp(`${n} digits in one call .* on CPU`), `${F}: says over how many digits and where`);

      // Likelihood: kind and data model as eval.json has them, labelled as read from it.
      const rep = report(F);
      const ll = await page.locator(`${r} td.compare-likelihood .from-file`).evaluate((d) => ({ ...d.dataset, text: d.textContent }));
      if (rep?.likelihood) {
        assert.equal(ll.kind, rep.likelihood.kind, `${F}: likelihood kind`);
        assert.equal(ll.pixels, rep.likelihood.pixels, `${F}: data model`);
        assert.match(ll.text, KIND_WORDS[rep.likelihood.kind], `${F}: the kind in words`);
        assert.ok(ll.text.includes(rep.likelihood.nats.toFixed(1).replace('-', '−')), `${F}: the figure ${rep.likelihood.nats.toFixed(1)} in "${ll.text}"`);
        assert.match(ll.text, /from eval\.json \(native, 10,000 test digits\)/, `${F}: labelled as eval.json's`);
      } else {
        assert.equal(ll.kind, undefined, `${F}: no likelihood kind without a figure`);
        assert.match(ll.text, f.capabilities.likelihood ? /not in eval\.json/ : /no likelihood/, `${F}: says why there is none`);
      }

      // FID-MNIST and conditional accuracy from eval.json, labelled.
      const fid = await page.locator(`${r} td.compare-fid .from-file`).evaluate((d) => ({ fid: d.dataset.fid, text: d.textContent }));
      if (rep) {
        assert.equal(Number(fid.fid), rep.fid, `${F}: eval.json's FID`);
        assert.match(fid.text, /from eval\.json \(native, 1,000 samples, seed 0\)/, `${F}: FID labelled as eval.json's`);
      }
      const cond = await page.locator(`${r} td.compare-cond .from-file`).evaluate((d) => ({ accuracy: d.dataset.accuracy, text: d.textContent }));
      if (f.capabilities.conditional && rep?.conditional_accuracy != null) {
        assert.equal(Number(cond.accuracy), rep.conditional_accuracy, `${F}: eval.json's conditional accuracy`);
        assert.match(cond.text, /from eval\.json/, `${F}: accuracy labelled`);
      } else if (!f.capabilities.conditional) assert.match(cond.text, /unconditional/, `${F}: no accuracy for an unconditional family`);

      // Offers: one item per capability the family declares.
      const offered = await page.locator(`${r} td.compare-offers li`).evaluateAll((els) => els.map((e) => e.dataset.capability).sort());
      const declared = Object.entries(f.capabilities).filter(([, v]) => v).map(([k]) => k).sort();
      assert.deepEqual(offered, declared, `${F}: offers its capabilities`);
    }

    // Likelihoods ranked only within a data model: one table per data model, holding exactly
    // the families whose eval.json likelihood is of it, best first, ranks 1..m, and each row's
    // rank matching its place there.
    const groups = await page.locator('#compare table.compare-ll-group').evaluateAll((tables) =>
      tables.map((t) => ({ pixels: t.dataset.pixels, caption: t.caption.textContent, rows: [...t.tBodies[0].rows].map((tr) => ({ family: tr.dataset.family, rank: Number(tr.dataset.rank) })) })),
    );
    const withLl = families.filter((f) => report(f.name)?.likelihood);
    assert.deepEqual(groups.map((g) => g.pixels).sort(), [...new Set(withLl.map((f) => report(f.name).likelihood.pixels))].sort(), 'one group per data model');
    assert.deepEqual(groups.flatMap((g) => g.rows.map((x) => x.family)).sort(), withLl.map((f) => f.name).sort(), 'every likelihood in exactly one group');
    for (const g of groups) {
      assert.match(g.caption, /eval\.json/, `${g.pixels}: labelled as eval.json's`);
      g.rows.forEach((x, i) => {
        const rep = report(x.family).likelihood;
        assert.equal(rep.pixels, g.pixels, `${x.family} ranked with ${g.pixels} figures but is ${rep.pixels}`);
        assert.equal(x.rank, i + 1, `${g.pixels}: ranks in order`);
        if (i) assert.ok(report(g.rows[i - 1].family).likelihood.nats >= rep.nats, `${g.pixels}: best first`);
      });
      for (const x of g.rows) {
        const cell = await page.locator(`${row(x.family)} td.compare-likelihood .from-file`).evaluate((d) => ({ rank: d.dataset.rank, of: d.dataset.of }));
        assert.deepEqual(cell, { rank: String(x.rank), of: String(g.rows.length) }, `${x.family}: its row ranks it among its data model only`);
      }
    }
    assert.equal(await page.locator('#compare .compare-error').count(), 0, 'no failure in any row');
    assert.equal(await page.locator('#error').isVisible(), false, 'no error shown');
  });
});

test('a live score goes before the table\'s own work and fills in with progress; timing training leaves the shipped weights', { timeout: 150_000 }, async () => {
  await withPage(env.browser, async (page) => {
    await page.goto(`${env.url}compare.html?backend=cpu`);
    await page.waitForFunction((sel) => document.querySelector(sel)?.dataset.images, `${row('vae')} canvas.compare-samples`, { timeout: 60_000 });
    const families = await familiesOf(page);
    // The table draws cheapest first (data-cost; the registry's order on ties), so the last of
    // the costliest rows is drawn last. A score asked for as soon as the VAE is drawn goes
    // before the table's own work: it is done before that row is drawn.
    const last = await page.locator('#compare table.compare-table > tbody > tr').evaluateAll((els) =>
      els.reduce((a, b) => (Number(b.dataset.cost) >= Number(a.dataset.cost) ? b : a)).dataset.family,
    );
    await page.selectOption('#compare .compare-toolbar select', '100');
    await page.click(`${row('vae')} button.compare-score-btn`);
    await page.waitForFunction((sel) => document.querySelector(sel)?.dataset.fid, `${row('vae')} td.compare-fid .live`, { timeout: 60_000 });
    const drawnBefore = await page.locator(`${row(last)} canvas.compare-samples`).getAttribute('data-images');
    assert.equal(drawnBefore, null, `the live score waited for the table's own work: '${last}' was drawn first`);

    const live = await page.locator(`${row('vae')} td.compare-fid`).evaluate((td) => ({
      fid: Number(td.querySelector('.live').dataset.fid),
      n: td.querySelector('.live').dataset.n,
      text: td.querySelector('.live').textContent,
      updates: Number(td.querySelector('progress').dataset.updates),
    }));
    assert.ok(live.fid > 0 && Number.isFinite(live.fid), `live FID ${live.fid}`);
    assert.equal(live.n, '100', 'scored on the count chosen');
    assert.ok(live.updates >= 1, `the progress bar moved (${live.updates} reports)`);
    assert.match(live.text, /^live: .*100 real digits.*in this browser on CPU/, 'labelled live, with its baseline and backend');
    const liveLl = await page.locator(`${row('vae')} td.compare-likelihood .live`).evaluate((d) => ({ ...d.dataset, text: d.textContent }));
    assert.equal(liveLl.kind, families.find((f) => f.name === 'vae').capabilities.likelihood, 'the live likelihood has the family\'s kind');
    assert.match(liveLl.text, /^live: log p\(x\) ≥ .* 100 test digits/, 'live likelihood labelled, over the test digits it used');

    await waitReady(page, 120_000);

    // Training: a few steps timed, with progress; then the pretrained weights are back (the
    // same seed draws the same digits as before the run).
    const probe = () => page.evaluate(async () => Array.from((await window.genlab.sample('vae', { n: 4, seed: 7 })).pixels.slice(0, 3136)));
    const before = await probe();
    await page.click(`${row('vae')} button.compare-train-btn`);
    await page.waitForFunction((sel) => document.querySelector(sel)?.dataset.msPerStep, `${row('vae')} td.compare-train`, { timeout: 60_000 });
    const train = await page.locator(`${row('vae')} td.compare-train`).evaluate((td) => ({ ms: Number(td.dataset.msPerStep), text: td.textContent, updates: Number(td.querySelector('progress').dataset.updates) }));
    assert.ok(train.ms > 0 && Number.isFinite(train.ms), `ms per step ${train.ms}`);
    assert.ok(train.updates >= 2, `training progress reported (${train.updates})`);
    assert.match(train.text, /per step.*mean of \d+ steps after a warm-up step.*CPU/, 'says what was timed and where');
    const after = await probe();
    assert.deepEqual(after, before, 'the shipped VAE draws the same digits after the training was timed');
    assert.equal(await page.locator('#compare .compare-error').count(), 0, 'no failure in any row');
  });
});

test('one family\'s failure stays in its row: the others draw, and eval.json\'s absence is said where its figures go', { timeout: 150_000 }, async () => {
  await withPage(env.browser, async (page) => {
    await page.route('**/weights/vae.bpk', (r) => r.fulfill({ status: 404, body: 'gone' }));
    await page.route('**/weights/eval.json', (r) => r.fulfill({ status: 404, body: 'gone' }));
    await page.goto(`${env.url}compare.html?backend=cpu`);
    await page.waitForFunction(() => document.body.dataset.ready, null, { timeout: 150_000, polling: 200 });
    assert.equal(await page.evaluate(() => document.body.dataset.ready), 'error', 'the page reports that something failed');
    assert.match(await page.locator(`${row('vae')} td.compare-samples-cell .compare-error`).textContent(), /weights.*not found|404/, 'the VAE row says why');
    const families = await familiesOf(page);
    for (const f of families.filter((x) => x.name !== 'vae')) {
      assertDigits(assert, await canvasStats(page, `${row(f.name)} canvas.compare-samples`), `'${f.name}' drawn despite the VAE`);
      assert.ok(Number(await page.locator(`${row(f.name)} td.compare-time`).getAttribute('data-ms-per-digit')) > 0, `'${f.name}' timed`);
      assert.match(await page.locator(`${row(f.name)} td.compare-fid .from-file`).textContent(), /eval\.json.*404/, `'${f.name}': eval.json's absence said`);
    }
    assert.match(await page.locator('#compare section.compare-ll').textContent(), /eval\.json.*404/, 'the likelihood groups say eval.json is missing');
  });
});

test('a worker lost while training is timed (a device loss): the row says so, the weights are back, the queue goes on', { timeout: 150_000 }, async () => {
  await withPage(env.browser, async (page) => {
    await page.goto(`${env.url}compare.html?backend=cpu`);
    await waitReady(page, 150_000);
    const probe = () => page.evaluate(async () => Array.from((await window.genlab.sample('vae', { n: 4, seed: 7 })).pixels.slice(0, 3136)));
    const before = await probe();
    // After the warm-up step the lab loses its worker, as on a WebGPU device loss: the lab's
    // own recovery (a new worker on the CPU, the models restored, the run paused for resume()).
    await page.evaluate(() => {
      const lab = window.genlab;
      const train = lab.train.bind(lab);
      lab.train = (family, options) => {
        const run = train(family, options);
        const off = run.on('progress', () => {
          off();
          lab._recover('a test: the worker was lost');
        });
        return run;
      };
    });
    await page.click(`${row('vae')} button.compare-train-btn`);
    const failure = page.locator(`${row('vae')} td.compare-train .compare-error`);
    await failure.waitFor({ timeout: 60_000 });
    assert.match(await failure.textContent(), /interrupted: a test: the worker was lost/, 'the row says why the timing stopped');
    assert.equal(await page.locator(`${row('vae')} td.compare-train`).getAttribute('data-ms-per-step'), null, 'no time from steps on two workers');
    assert.equal(await page.locator(`${row('vae')} button.compare-train-btn`).isDisabled(), false, 'the button can try again');
    assert.deepEqual(await probe(), before, 'the shipped VAE draws the same digits: its weights were put back');

    // The table's queue is not stuck behind the timing: a new draw goes through.
    await page.fill('#compare .compare-toolbar input[type="number"]', '1');
    await page.click('#compare button.compare-draw-btn');
    await page.waitForFunction((sel) => document.querySelector(sel)?.dataset.seed === '1', `${row('vae')} canvas.compare-samples`, { timeout: 60_000 });
  });
});
