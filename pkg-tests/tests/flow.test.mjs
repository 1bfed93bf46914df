// The normalizing flows' page (views/flow.js) and API. RealNVP: samples drawn (judged), a new
// temperature redraws them; the ranking of test digits (outliers' bits/dim above the typical
// ones') and the blank / grey caveat; a stroke drawn on the pad with the mouse (pointer events)
// goes to z and back within 1e-4, gets a finite bits/dim and one finite log-det per layer of
// lab.layers. Then, on the same page's lab (window.genlab): lab.encode and lab.decode invert
// each other, lab.likelihood({images}) gives bits/dim and no per-pixel terms, lab.layers'
// shapes agree with its names and its last state is lab.encode's z, and the families without an
// encoder or layers say so. NICE: its page mounts and samples, and its additive couplings show
// log-det 0.
//
// Page elements (views/flow.js): #samples (data-temperature) #temperature #pad (window.genlabPad:
// the Pad) #pad-clear #z #roundtrip #roundtrip-error (data-error) #interp #layers (canvases
// #layer-i) #layers-logdet (data-logdets, data-layers) #pad-nll (data-bpd, data-nats)
// #ranked-typical #ranked-outliers (data-bpd) #caveat (data-blank-bpd, data-grey-bpd,
// data-digit-bpd) #caveat-text.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertDigits, assertJudgedDigits, canvasImage, canvasStats, waitReady, withPage } from '../lib/harness.mjs';
import { testEnv } from '../lib/fixtures.mjs';

const env = testEnv();

/** A canvas's data-NAME as numbers (comma-separated). */
const numbers = (page, sel, name) => page.evaluate(([s, n]) => (document.querySelector(s).dataset[n] ?? '').split(',').map(Number), [sel, name]);

test('RealNVP page: samples and temperature, ranking and caveat, a drawn stroke to z and back, layer by layer; the flow API', { timeout: 360_000 }, async () => {
  await withPage(env.browser, async (page) => {
    await page.goto(`${env.url}family.html?family=realnvp&backend=cpu`);
    await waitReady(page, 240_000);

    // Samples at the declared default temperature, then at T = 0.5: redrawn by the slider alone.
    await assertJudgedDigits(assert, page, '#samples', 'samples at T = 1');
    assert.equal(await page.evaluate(() => document.querySelector('#samples').dataset.temperature), '1');
    assert.equal(await page.locator('#temperature').inputValue(), '1');
    const before = await canvasImage(page, '#samples');
    await page.locator('#temperature').fill('0.5');
    await page.waitForFunction(() => document.querySelector('#samples').dataset.temperature === '0.5', null, { timeout: 60_000 });
    assert.notEqual(await canvasImage(page, '#samples'), before, 'T = 0.5 draws other pictures');
    assertDigits(assert, await canvasStats(page, '#samples'), 'samples at T = 0.5');

    // What the page draws by itself after the samples: a test digit on the pad, the
    // interpolation, the ranking and, last, the caveat.
    await page.waitForFunction(() => document.querySelector('#caveat').dataset.blankBpd, null, { timeout: 180_000, polling: 250 });
    assert.equal(await page.evaluate(() => document.querySelector('#interp').dataset.images), '10', 'ten steps of interpolation');
    const typical = await numbers(page, '#ranked-typical', 'bpd');
    const outliers = await numbers(page, '#ranked-outliers', 'bpd');
    assert.equal(typical.length, 8);
    assert.equal(outliers.length, 8);
    assert.ok([...typical, ...outliers].every((v) => Number.isFinite(v) && v > 0), `bits/dim: ${typical.join(' ')} | ${outliers.join(' ')}`);
    assert.ok(Math.max(...typical) <= Math.min(...outliers), `typical ${typical.join(' ')} vs outliers ${outliers.join(' ')}`);
    const caveat = await page.evaluate(() => ({ ...document.querySelector('#caveat').dataset }));
    for (const k of ['blankBpd', 'greyBpd', 'digitBpd']) assert.ok(Number.isFinite(Number(caveat[k])), `caveat ${k} = ${caveat[k]}`);
    assert.match(await page.locator('#caveat-text').textContent(), /Nalisnick/);

    // A stroke on the cleared pad: the top bar and the stem of a 7.
    await page.click('#pad-clear');
    await page.waitForFunction(() => /blank/.test(document.querySelector('#roundtrip-error').textContent));
    await page.locator('#pad').scrollIntoViewIfNeeded();
    const box = await page.locator('#pad').boundingBox();
    const at = (x, y) => [box.x + (x / 28) * box.width, box.y + (y / 28) * box.height];
    await page.mouse.move(...at(7, 6));
    await page.mouse.down();
    await page.mouse.move(...at(21, 6), { steps: 12 });
    await page.mouse.move(...at(13, 23), { steps: 14 });
    await page.mouse.up();
    const ink = await page.evaluate(() => window.genlabPad.pixels().filter((v) => v >= 0.5).length);
    assert.ok(ink >= 30, `the stroke left ink: ${ink} pixels`);

    // Its round trip, its layers and its likelihood follow the stroke by themselves.
    await page.waitForFunction(
      () => {
        const d = (s) => document.querySelector(s).dataset;
        return d('#roundtrip-error').error && d('#layers-logdet').logdets && d('#pad-nll').bpd;
      },
      null,
      { timeout: 120_000, polling: 250 },
    );
    const error = Number(await page.evaluate(() => document.querySelector('#roundtrip-error').dataset.error));
    assert.ok(Number.isFinite(error) && error < 1e-4, `max |x − f⁻¹(f(x))| = ${error}`);
    assert.match(await page.locator('#roundtrip-error').textContent(), /max \|x − f⁻¹\(f\(x\)\)\| = /);
    for (const sel of ['#z', '#roundtrip']) assert.equal(await page.evaluate((s) => document.querySelector(s).dataset.images, sel), '1', `${sel} drawn`);
    const nll = await page.evaluate(() => ({ ...document.querySelector('#pad-nll').dataset }));
    assert.ok(Number.isFinite(Number(nll.bpd)) && Number(nll.bpd) > 0, `bits/dim of the drawing: ${nll.bpd}`);
    assert.ok(Number.isFinite(Number(nll.nats)), `log p of the drawing: ${nll.nats}`);
    const logdets = await numbers(page, '#layers-logdet', 'logdets');
    const apiLayers = await page.evaluate(async () => (await window.genlab.layers('realnvp', { images: window.genlabPad.pixels() })).layers);
    assert.equal(logdets.length, apiLayers, `a log-det per layer of lab.layers (${apiLayers})`);
    assert.ok(logdets.every(Number.isFinite), `finite log-dets: ${logdets.join(' ')}`);
    assert.equal(await page.locator('#layers canvas').count(), apiLayers, 'a tile per layer');
    assert.equal(await page.locator('#error').isVisible(), false, 'no error shown');

    // The API, on the page's lab.
    const r = await page.evaluate(async () => {
      const lab = window.genlab;
      const info = lab.family('realnvp');
      const digits = await lab.testDigits([0, 1]);
      const enc = await lab.encode('realnvp', { images: digits.pixels });
      const dec = await lab.decode('realnvp', { codes: enc.codes });
      let roundTrip = 0;
      for (let i = 0; i < digits.pixels.length; i++) roundTrip = Math.max(roundTrip, Math.abs(dec.pixels[i] - digits.pixels[i]));
      const ll = await lab.likelihood('realnvp', { images: digits.pixels });
      const layers = await lab.layers('realnvp', { images: digits.pixels });
      const L = layers.layers;
      const z = layers.states.subarray((L - 1) * 2 * 784);
      let zGap = 0;
      for (let i = 0; i < z.length; i++) zGap = Math.max(zGap, Math.abs(z[i] - enc.codes[i]));
      const err = (p) => p.then(() => 'resolved', (e) => e.message);
      return {
        caps: info.capabilities,
        pixels: info.pixels,
        temperature: info.sampling.find((h) => h.key === 'temperature'),
        enc: { n: enc.n, dim: enc.dim, length: enc.codes.length, finite: enc.codes.every(Number.isFinite) },
        roundTrip,
        ll: { keys: Object.keys(ll).sort(), n: ll.n, nats: Array.from(ll.nats), bpd: Array.from(ll.bits_per_dim) },
        layers: { n: layers.n, layers: L, names: layers.names, states: layers.states.length, logdets: Array.from(layers.logdets), zGap },
        ganEncode: await err(lab.encode('gan', { images: digits.pixels })),
        ganLayers: await err(lab.layers('gan', { images: digits.pixels })),
      };
    });
    assert.equal(r.caps.encoder, true, 'capabilities.encoder');
    assert.equal(r.caps.latent, true, 'capabilities.latent');
    assert.equal(r.caps.invertible, true, 'capabilities.invertible');
    assert.equal(r.caps.likelihood, 'exact');
    assert.equal(r.pixels, 'dequantized');
    assert.deepEqual([r.temperature?.default, r.temperature?.min, r.temperature?.max], [1, 0, 1.5], 'the temperature setting');

    assert.deepEqual(r.enc, { n: 2, dim: 784, length: 2 * 784, finite: true });
    assert.ok(r.roundTrip < 1e-4, `decode(encode(x)) is x to ${r.roundTrip}`);

    assert.deepEqual(r.ll.keys, ['bits_per_dim', 'n', 'nats'], 'no per-pixel terms: a flow\'s likelihood does not split by pixel');
    assert.equal(r.ll.n, 2);
    r.ll.bpd.forEach((b, k) => {
      assert.ok(Number.isFinite(b) && b > 0, `bits/dim of test digit ${k}: ${b}`);
      const fromNats = -r.ll.nats[k] / (784 * Math.LN2);
      assert.ok(Math.abs(b - fromNats) <= 1e-3 * Math.max(1, b), `bits/dim ${b} = −nats / (784 ln 2) = ${fromNats}`);
    });

    assert.equal(r.layers.n, 2);
    assert.equal(r.layers.names.length, r.layers.layers, 'a name per layer');
    assert.ok(r.layers.layers > 2, `${r.layers.layers} layers: ${r.layers.names.join(' | ')}`);
    assert.equal(r.layers.names[0], 'logit', 'the logit first');
    assert.equal(r.layers.logdets.length, r.layers.layers * 2, 'a log-det per layer and image');
    assert.equal(r.layers.states, r.layers.layers * 2 * 784, 'a state per layer and image');
    assert.ok(r.layers.logdets.every(Number.isFinite), 'finite log-dets');
    assert.ok(r.layers.zGap < 1e-4, `the last state is lab.encode's z (to ${r.layers.zGap})`);

    assert.match(r.ganEncode, /'gan' has no encoder/);
    assert.match(r.ganLayers, /'gan' is not invertible/);
  });
});

test('NICE page: mounts, samples, and its additive couplings show log-det 0', { timeout: 240_000 }, async () => {
  await withPage(env.browser, async (page) => {
    await page.goto(`${env.url}family.html?family=nice&backend=cpu`);
    await waitReady(page, 180_000);
    assertDigits(assert, await canvasStats(page, '#samples'), 'NICE samples');
    assert.equal(await page.evaluate(() => document.querySelector('#samples').dataset.images), '16');
    assert.equal(await page.evaluate(() => document.querySelector('#samples').dataset.temperature), '1');

    // The test digit the page puts on the pad, through the layers: logit, couplings, scaling.
    await page.waitForFunction(() => document.querySelector('#layers-logdet').dataset.logdets && document.querySelector('#roundtrip-error').dataset.error, null, {
      timeout: 120_000,
      polling: 250,
    });
    const logdets = await numbers(page, '#layers-logdet', 'logdets');
    assert.ok(logdets.length >= 4, `${logdets.length} layers`);
    assert.ok(logdets.every(Number.isFinite), `finite log-dets: ${logdets.join(' ')}`);
    assert.ok(logdets.slice(1, -1).every((v) => v === 0), `the additive couplings keep volume (log-det 0): ${logdets.join(' ')}`);
    const error = Number(await page.evaluate(() => document.querySelector('#roundtrip-error').dataset.error));
    assert.ok(error < 1e-4, `NICE round trip: ${error}`);
    assert.equal(await page.locator('#error').isVisible(), false, 'no error shown');
  });
});
