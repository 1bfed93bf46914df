// The PixelCNN page and API: digits written row by row (judged), a stroke drawn on the pad with
// the mouse (pointer events) completed eight ways with the drawn rows kept bit for bit, the
// likelihood panels, and a sample cancelled midway after which the page samples again. Then
// the API: completions through lab.sample's `prefix` and lab.complete keep their rows exactly,
// lab.likelihood({images}) gives each image's log p and per-pixel terms that sum to it, bad
// input is named, and a cancelled sample or completion leaves the lab usable.
//
// Page elements (views/pixelcnn.js): #samples (data-labels: the digits asked for) #heat
// #sample-btn #sample-progress #sample-cancel #sample-time #sample-scrubber #sample-rows
// #pad (window.genlabPad: the Pad) #pad-rows #complete-btn #completions (data-rows once drawn)
// #complete-time #pad-nll (data-nats) #pad-surprise #test-nll #test-surprise
// #test-ranked-typical #test-ranked-outliers (data-nll).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertJudgedDigits, waitReady, withPage } from '../lib/harness.mjs';
import { testEnv } from '../lib/fixtures.mjs';

const env = testEnv();

test('PixelCNN page: row-by-row samples, a drawn stroke completed with its rows kept, likelihoods, cancel and sample again', { timeout: 480_000 }, async () => {
  await withPage(env.browser, async (page) => {
    await page.goto(`${env.url}family.html?family=pixelcnn&backend=cpu`);
    await waitReady(page, 240_000);

    // The raster scan, played back to its end: 16 digits 0-9 in turn, and the p(ink) map.
    await assertJudgedDigits(assert, page, '#samples', 'samples');
    assert.equal(await page.locator('#sample-rows').textContent(), 'all 28 rows (the samples)');
    assert.equal(Number(await page.locator('#sample-scrubber').getAttribute('max')), 28, 'a stored state per row, and the blank start');
    assert.equal(await page.evaluate(() => document.querySelector('#heat').dataset.images), '16', 'the p(ink) heat map');
    assert.match(await page.locator('#sample-time').textContent(), /ms per digit/);

    // A stroke in the top half of the pad: the top of a 7, drawn with the mouse.
    assert.equal(await page.locator('#pad-rows').inputValue(), '14');
    await page.locator('#pad').scrollIntoViewIfNeeded();
    const box = await page.locator('#pad').boundingBox(); // in the viewport, where the mouse acts
    const at = (x, y) => [box.x + (x / 28) * box.width, box.y + (y / 28) * box.height];
    await page.mouse.move(...at(6, 5));
    await page.mouse.down();
    await page.mouse.move(...at(21, 5), { steps: 12 });
    await page.mouse.move(...at(16, 13), { steps: 10 });
    await page.mouse.up();
    const drawn = await page.evaluate(() => Array.from(window.genlabPad.pixels()));
    const kept = drawn.slice(0, 14 * 28).map((v) => (v >= 0.5 ? 1 : 0));
    const ink = kept.reduce((s, v) => s + v, 0);
    assert.ok(ink >= 15, `the stroke left ink in the kept rows: ${ink} pixels`);
    assert.ok(drawn.every((v) => v >= 0 && v <= 1), 'pad values in [0, 1]');

    // The drawing's exact likelihood and its surprise map follow the stroke by themselves.
    await page.waitForFunction(() => document.querySelector('#pad-nll').dataset.nats, null, { timeout: 120_000 });
    const padNats = Number(await page.evaluate(() => document.querySelector('#pad-nll').dataset.nats));
    assert.ok(Number.isFinite(padNats) && padNats < 0, `log p of the drawing: ${padNats}`);
    assert.match(await page.locator('#pad-nll').textContent(), /nats/);
    assert.equal(await page.evaluate(() => document.querySelector('#pad-surprise').dataset.images), '1');

    // Complete: 8 completions whose first 14 rows are the drawn rows, binarised, exactly.
    await page.click('#complete-btn');
    await page.waitForFunction(() => document.querySelector('#completions').dataset.rows === '14', null, { timeout: 180_000, polling: 250 });
    const tiles = await page.evaluate(() => {
      const c = document.querySelector('#completions');
      const n = Number(c.dataset.images);
      const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
      const cols = (c.width + 1) / 29;
      const out = [];
      for (let k = 0; k < n; k++) {
        const x0 = (k % cols) * 29;
        const y0 = Math.floor(k / cols) * 29;
        const img = [];
        for (let y = 0; y < 28; y++) for (let x = 0; x < 28; x++) img.push(1 - d[((y0 + y) * c.width + x0 + x) * 4] / 255);
        out.push(img);
      }
      return out;
    });
    assert.equal(tiles.length, 8, '8 completions');
    tiles.forEach((img, k) => {
      assert.ok(img.every((v) => v === 0 || v === 1), `completion ${k} is binary`);
      const wrong = kept.filter((v, i) => img[i] !== v).length;
      assert.equal(wrong, 0, `completion ${k}: ${wrong} of the ${14 * 28} kept pixels differ from the drawing`);
    });
    const rests = new Set(tiles.map((img) => img.slice(14 * 28).join('')));
    assert.ok(rests.size >= 2, `the completions differ below the kept rows (${rests.size} distinct)`);
    assert.match(await page.locator('#complete-time').textContent(), /8 completions of the top 14 rows/);

    // A test digit's likelihood, and test digits ranked: typical ones more likely than outliers.
    await page.waitForFunction(() => document.querySelector('#test-nll').dataset.nats && document.querySelector('#test-ranked-outliers').dataset.nll, null, { timeout: 120_000 });
    const testNats = Number(await page.evaluate(() => document.querySelector('#test-nll').dataset.nats));
    assert.ok(Number.isFinite(testNats) && testNats < 0, `log p of a test digit: ${testNats}`);
    assert.equal(await page.evaluate(() => document.querySelector('#test-surprise').dataset.images), '1');
    const nll = (sel) => page.evaluate((s) => document.querySelector(s).dataset.nll.split(',').map(Number), sel);
    const typical = await nll('#test-ranked-typical');
    const outliers = await nll('#test-ranked-outliers');
    assert.equal(typical.length, 8);
    assert.equal(outliers.length, 8);
    assert.ok([...typical, ...outliers].every((v) => Number.isFinite(v) && v > 0), 'NLLs are positive nats');
    assert.ok(Math.max(...typical) <= Math.min(...outliers), `typical ${typical.join(' ')} vs outliers ${outliers.join(' ')}`);
    assert.equal(await page.evaluate(() => document.querySelector('#test-ranked-typical').dataset.images), '8');

    // Sampling again is cancelled midway from its button; the page then samples again.
    await page.click('#sample-btn');
    await page.locator('#sample-cancel').waitFor({ state: 'visible', timeout: 60_000 });
    await page.waitForFunction(() => document.querySelector('#sample-progress').value > 0, null, { timeout: 60_000 });
    await page.click('#sample-cancel');
    await page.waitForFunction(() => /^Cancelled|ms per digit/.test(document.querySelector('#sample-time').textContent), null, { timeout: 60_000 });
    assert.match(await page.locator('#sample-time').textContent(), /^Cancelled after/, 'the run stopped part-way');
    assert.equal(await page.locator('#sample-cancel').isVisible(), false, 'the cancel button goes with the run');
    assert.equal(await page.locator('#error').isVisible(), false, 'cancelling is no error');
    await page.click('#sample-btn');
    await page.waitForFunction(() => /ms per digit/.test(document.querySelector('#sample-time').textContent), null, { timeout: 180_000, polling: 250 });
    await page.waitForFunction(() => document.querySelector('#sample-rows').textContent === 'all 28 rows (the samples)', null, { timeout: 30_000 });
    await assertJudgedDigits(assert, page, '#samples', 'samples after a cancelled run');
    assert.equal(await page.locator('#error').isVisible(), false, 'no error shown');
  });
});

test('PixelCNN API: completions keep their rows, per-pixel likelihoods sum to log p, bad input is named, cancelling leaves the lab usable', { timeout: 480_000 }, async () => {
  await withPage(env.browser, async (page) => {
    await page.goto(`${env.url}__test/blank.html`);
    const r = await page.evaluate(async () => {
      const { GenLab } = await import('/js/genlab.js');
      const lab = await GenLab.open({ backend: 'cpu' });
      const caps = lab.family('pixelcnn').capabilities;
      const digits = await lab.testDigits([0, 1, 2, 3]);
      const one = digits.pixels.slice(0, 784);
      const two = digits.pixels.slice(0, 2 * 784);
      /** Pixels of sample k whose first `rows` rows differ from digit `ref` binarised at 0.5. */
      const differing = (pixels, k, ref, rows) => {
        let bad = 0;
        for (let i = 0; i < rows * 28; i++) if (pixels[k * 784 + i] !== (ref[i] >= 0.5 ? 1 : 0)) bad++;
        return bad;
      };
      const err = (p) => p.then(() => 'resolved', (e) => e.message);

      // lab.sample with a prefix: one digit for both samples, then one digit each, with a label.
      const s1 = await lab.sample('pixelcnn', { n: 2, seed: 1, prefix: { pixels: one, rows: 10 } });
      const s2 = await lab.sample('pixelcnn', { seed: 3, label: 5, prefix: { pixels: Array.from(two), rows: 20 } });
      const s2again = await lab.sample('pixelcnn', { seed: 3, label: 5, prefix: { pixels: two, rows: 20 } });
      // lab.complete: the states in between.
      const c = await lab.complete('pixelcnn', { pixels: one, rows: 14, n: 3, seed: 2, frames: 29 });
      const last = c.frames[c.frames.length - 1];
      // lab.likelihood of given images, beside the test-set form.
      const ll = await lab.likelihood('pixelcnn', { images: digits.pixels });
      const sums = [0, 1, 2, 3].map((k) => ll.pixels.subarray(k * 784, (k + 1) * 784).reduce((s, v) => s + v, 0));
      const mean = await lab.likelihood('pixelcnn', { n: 4 });

      const bad = {
        rows29: await err(lab.sample('pixelcnn', { n: 2, prefix: { pixels: one, rows: 29 } })),
        rowsHalf: await err(lab.complete('pixelcnn', { pixels: one, rows: 2.5 })),
        noRows: await err(lab.complete('pixelcnn', { pixels: one })),
        value2: await err(lab.sample('pixelcnn', { n: 2, prefix: { pixels: Float32Array.from(one, (v, i) => (i === 5 ? 2 : v)), rows: 10 } })),
        nan: await err(lab.complete('pixelcnn', { pixels: Float32Array.from(one, (v, i) => (i === 7 ? NaN : v)), rows: 10 })),
        length: await err(lab.sample('pixelcnn', { n: 2, prefix: { pixels: new Float32Array(100), rows: 10 } })),
        count: await err(lab.sample('pixelcnn', { n: 2, prefix: { pixels: digits.pixels.slice(0, 3 * 784), rows: 10 } })),
        vaePrefix: await err(lab.sample('vae', { n: 2, prefix: { pixels: one, rows: 10 } })),
        ganImages: await err(lab.likelihood('gan', { images: one })),
        llRange: await err(lab.likelihood('pixelcnn', { images: new Float32Array(784).fill(1.5) })),
        llLength: await err(lab.likelihood('pixelcnn', { images: new Float32Array(10) })),
        llType: await err(lab.likelihood('pixelcnn', { images: 'digits' })),
      };

      // Cancelled at its first progress report: a sample, then a completion.
      const cancelAt = (call) => {
        const controller = new AbortController();
        const fractions = [];
        return call({
          onProgress: ({ fraction }) => {
            fractions.push(fraction);
            controller.abort();
          },
          signal: controller.signal,
        }).then(
          () => ({ ok: true, fractions }),
          (e) => ({ ok: false, message: e.message, cancelled: e.cancelled === true, fractions }),
        );
      };
      const cancelledSample = await cancelAt((p) => lab.sample('pixelcnn', { n: 64, seed: 5, ...p }));
      const cancelledComplete = await cancelAt((p) => lab.complete('pixelcnn', { pixels: one, rows: 0, n: 64, seed: 5, frames: 2, ...p }));
      const after = await lab.sample('pixelcnn', { n: 2, seed: 1 });
      const afterPrefix = await lab.sample('pixelcnn', { n: 2, seed: 1, prefix: { pixels: one, rows: 10 } });
      lab.close();

      return {
        caps,
        s1: { n: s1.n, length: s1.pixels.length, binary: s1.pixels.every((v) => v === 0 || v === 1), differ: [0, 1].map((k) => differing(s1.pixels, k, one, 10)) },
        s2: {
          n: s2.n,
          labels: Array.from(s2.labels),
          differ: [0, 1].map((k) => differing(s2.pixels, k, two.subarray(k * 784), 20)),
          same: s2.pixels.every((v, i) => v === s2again.pixels[i]),
        },
        c: {
          n: c.n,
          rows: c.rows,
          frames: c.frames.length,
          ts: c.frames.map((f) => f.t),
          firstKept: [0, 1, 2].map((k) => differing(c.frames[0].x, k, one, 14)),
          lastKept: [0, 1, 2].map((k) => differing(last.x, k, one, 14)),
          lastLength: last.x.length,
          x0InRange: c.frames.every((f) => f.x0 === null || f.x0.every((v) => v >= 0 && v <= 1)),
          x0Below: last.x0 ? last.x0.subarray(14 * 28, 784).some((v) => v > 0) : false,
        },
        ll: {
          n: ll.n,
          nats: Array.from(ll.nats),
          sums,
          pixels: ll.pixels.length,
          allLogProbs: ll.pixels.every((v) => Number.isFinite(v) && v <= 1e-6),
        },
        mean: { n: mean.n, kind: mean.kind, nats: mean.nats },
        bad,
        cancelledSample,
        cancelledComplete,
        after: after.pixels.length,
        afterKept: [0, 1].map((k) => differing(afterPrefix.pixels, k, one, 10)),
      };
    });

    assert.equal(r.caps.completion, true, 'capabilities.completion');
    assert.equal(r.caps.pixel_likelihood, true, 'capabilities.pixel_likelihood');
    assert.equal(r.caps.likelihood, 'exact');
    assert.equal(r.caps.trajectory, true);

    assert.equal(r.s1.n, 2);
    assert.equal(r.s1.length, 2 * 784);
    assert.ok(r.s1.binary, 'completions are binary');
    assert.deepEqual(r.s1.differ, [0, 0], 'the first 10 rows are the prefix, binarised, in both samples');
    assert.equal(r.s2.n, 2, 'n is the number of digits given');
    assert.deepEqual(r.s2.labels, [5, 5]);
    assert.deepEqual(r.s2.differ, [0, 0], 'each sample keeps its own digit\'s 20 rows');
    assert.ok(r.s2.same, 'the same seed gives the same completions');

    assert.equal(r.c.n, 3);
    assert.equal(r.c.rows, 14);
    assert.ok(r.c.frames >= 2 && r.c.frames <= 15, `${r.c.frames} frames for 14 rows to draw`);
    assert.equal(r.c.ts.at(-1), 0, `the last frame is the result: t = ${r.c.ts.join(', ')}`);
    assert.ok(r.c.ts.every((t, i) => i === 0 || t < r.c.ts[i - 1]), `t falls: ${r.c.ts.join(', ')}`);
    assert.deepEqual(r.c.firstKept, [0, 0, 0], 'the kept rows are there from the first frame');
    assert.deepEqual(r.c.lastKept, [0, 0, 0], 'and stay to the last');
    assert.equal(r.c.lastLength, 3 * 784);
    assert.ok(r.c.x0InRange, 'x0 (p(ink)) in [0, 1]');
    assert.ok(r.c.x0Below, 'the drawn rows have their p(ink)');

    assert.equal(r.ll.n, 4);
    assert.equal(r.ll.pixels, 4 * 784);
    assert.ok(r.ll.allLogProbs, 'every per-pixel term is a finite log-probability (<= 0)');
    r.ll.nats.forEach((v, k) => {
      assert.ok(Number.isFinite(v) && v < 0 && v > -600, `log p of test digit ${k}: ${v}`);
      assert.ok(Math.abs(r.ll.sums[k] - v) <= 0.01 + 1e-4 * Math.abs(v), `test digit ${k}: per-pixel terms sum to ${r.ll.sums[k]}, log p = ${v}`);
    });
    assert.equal(r.mean.n, 4, 'the {n} form still works');
    assert.equal(r.mean.kind, 'exact');
    assert.ok(Number.isFinite(r.mean.nats) && r.mean.nats < 0);

    assert.match(r.bad.rows29, /rows = 29 is out of range \[0, 28\]/);
    assert.match(r.bad.rowsHalf, /rows must be a whole number/);
    assert.match(r.bad.noRows, /rows is missing/);
    assert.match(r.bad.value2, /prefix\.pixels\[5\] = 2 is outside \[0, 1\]/);
    assert.match(r.bad.nan, /pixels\[7\] = NaN is not a finite number/);
    assert.match(r.bad.length, /100 values: not whole 28x28 images/);
    assert.match(r.bad.count, /holds 3 digits: give one digit/);
    assert.match(r.bad.vaePrefix, /'vae' cannot complete digits/);
    assert.match(r.bad.ganImages, /'gan' has no likelihood/);
    assert.match(r.bad.llRange, /images\[0\] = 1\.5 is outside \[0, 1\]/);
    assert.match(r.bad.llLength, /10 values: not whole 28x28 images/);
    assert.match(r.bad.llType, /images must be a Float32Array/);

    for (const [what, c] of [['sample', r.cancelledSample], ['completion', r.cancelledComplete]]) {
      assert.equal(c.ok, false, `the cancelled ${what} rejects (progress ${c.fractions.join(', ')})`);
      assert.ok(c.cancelled, `its error says it was cancelled: ${c.message}`);
      assert.match(c.message, /^cancelled after \d+ of 28 steps/);
    }
    assert.equal(r.after, 2 * 784, 'the lab samples again after cancelled calls');
    assert.deepEqual(r.afterKept, [0, 0], 'and completes again');
  });
});
