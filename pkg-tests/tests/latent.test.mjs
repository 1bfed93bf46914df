// Latent diffusion and its first stage. The autoencoder's page: random codes decoded (smudges,
// but drawn), reconstructions, the line between two codes, and each test digit's code as one
// signed heat map per channel (4 of 7 x 7). The latent-diffusion page: samples drawn; "pixel
// vs latent" draws digits 0-7 with the DDPM and with latent diffusion, each timed on the
// backend. The API: a missing base ('autoencoder' weights) is a clear error that leaves the lab
// usable, and once the base is back latent diffusion loads, samples the same pixels for a seed
// with DDIM (eta 0), other pixels for another, and the autoencoder's codes are 196 numbers.
//
// Page elements (views/autoencoder.js): #samples #recon #interp #code-note #code canvas.code-maps
// (data-images: the channels). (views/latent-diffusion.js): those of views/ddpm.js, #pvl-btn
// #pvl-pixel #pvl-latent (data-labels) #pvl-pixel-time #pvl-latent-time (data-ms-per-digit,
// data-backend) #pvl-ratio (data-ratio).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertDigits, assertJudgedDigits, canvasStats, waitReady, withPage } from '../lib/harness.mjs';
import { testEnv } from '../lib/fixtures.mjs';

const env = testEnv();

/** Distinct grey shades in a canvas: a blank grid has two (paper and the lines between tiles). */
const shades = (page, sel) =>
  page.evaluate((s) => {
    const c = document.querySelector(s);
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    const seen = new Set();
    for (let i = 0; i < d.length; i += 4) seen.add(d[i]);
    return seen.size;
  }, sel);

test('autoencoder page: random codes decoded, reconstructions, interpolation, and each digit\'s code as 4 signed channel maps', { timeout: 150_000 }, async () => {
  await withPage(env.browser, async (page) => {
    await page.goto(`${env.url}family.html?family=autoencoder&backend=cpu`);
    await waitReady(page);
    // Random codes decode to smudges, not digits (the page says why): drawn, not judged.
    assert.equal(await page.locator('#samples').getAttribute('data-images'), '16');
    const grey = await shades(page, '#samples');
    assert.ok(grey >= 20, `the decoded random codes show ${grey} shades (blank?)`);

    await page.waitForFunction(
      () => document.querySelector('#recon')?.dataset.images === '16' && document.querySelector('#interp')?.dataset.images === '10' && document.querySelectorAll('#code canvas.code-maps').length === 4,
      null,
      { timeout: 90_000 },
    );
    assertDigits(assert, await canvasStats(page, '#recon'), 'test digits and their reconstructions');
    assertDigits(assert, await canvasStats(page, '#interp'), 'the line between two codes');

    // The code: 4 channels of 7 x 7 per digit, in diverging colours (red above 0, blue below).
    assert.match(await page.locator('#code-note').textContent(), /196 numbers, 4 channels of 7 × 7/);
    const maps = await page.locator('#code canvas.code-maps').evaluateAll((cs) =>
      cs.map((c) => {
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        let pos = 0;
        let neg = 0;
        for (let i = 0; i < d.length; i += 4) {
          if (d[i] - d[i + 2] > 40) pos++;
          else if (d[i + 2] - d[i] > 40) neg++;
        }
        return { images: c.dataset.images, width: c.width, height: c.height, pos, neg };
      }),
    );
    for (const [k, m] of maps.entries()) {
      assert.equal(m.images, '4', `digit ${k}: a map per channel`);
      assert.deepEqual([m.width, m.height], [4 * 7 + 3, 7], `digit ${k}: four 7 x 7 tiles in a row`);
    }
    const pos = maps.reduce((s, m) => s + m.pos, 0);
    const neg = maps.reduce((s, m) => s + m.neg, 0);
    assert.ok(pos > 0 && neg > 0, `codes of both signs shown (${pos} red, ${neg} blue cells)`);
    assert.equal(await page.locator('#error').isVisible(), false, 'no error shown');
  });
});

test('latent-diffusion page: samples drawn; pixel vs latent draws digits 0-7 with both and times each', { timeout: 240_000 }, async () => {
  await withPage(env.browser, async (page) => {
    await page.goto(`${env.url}family.html?family=latent-diffusion&backend=cpu`);
    await waitReady(page);
    await assertJudgedDigits(assert, page, '#samples', 'latent diffusion samples');
    assert.match(await page.locator('#sample-time').textContent(), /\d ms per sample with 20 DDIM steps/);

    // The step-through run shows each state decoded and the code itself: 4 channel maps for
    // each of its 8 digits.
    await page.waitForFunction(() => document.querySelector('#traj-code')?.dataset.channels === '4', null, { timeout: 120_000 });
    assert.equal(await page.locator('#traj-code').getAttribute('data-images'), '32', 'a map per channel per digit');
    assert.ok(await page.locator('#traj-code').isVisible(), 'the code is shown');

    await page.click('#pvl-btn');
    await page.waitForFunction(() => document.querySelector('#pvl-ratio').dataset.ratio, null, { timeout: 180_000, polling: 500 });
    const ms = {};
    for (const side of ['pixel', 'latent']) {
      const canvas = `#pvl-${side}`;
      assert.equal(await page.locator(canvas).getAttribute('data-images'), '8', `${side}: 8 digits`);
      assert.equal(await page.locator(canvas).getAttribute('data-labels'), '0,1,2,3,4,5,6,7', `${side}: digits 0-7 asked for`);
      await assertJudgedDigits(assert, page, canvas, `${side} diffusion's digits`);
      const time = await page.locator(`${canvas}-time`).evaluate((p) => ({ ...p.dataset, text: p.textContent }));
      ms[side] = Number(time.msPerDigit);
      assert.ok(ms[side] > 0 && Number.isFinite(ms[side]), `${side}: ${time.msPerDigit} ms per digit`);
      assert.equal(time.backend, 'cpu', `${side}: timed on the CPU`);
      assert.match(time.text, /ms per digit on the CPU/);
    }
    const ratio = Number(await page.locator('#pvl-ratio').getAttribute('data-ratio'));
    assert.ok(Math.abs(ratio - ms.pixel / ms.latent) < 1e-9, `the ratio ${ratio} is pixel / latent`);
    // Speed is measured (./build.sh bench, the README), never asserted: only that it is said.
    assert.match(await page.locator('#pvl-ratio').textContent(), /pixel diffusion .*on the CPU/);
    assert.equal(await page.locator('#error').isVisible(), false, 'no error shown');
  });
});

test('API: a missing base is a clear error and the lab goes on; latent diffusion is deterministic per seed (DDIM, eta 0)', { timeout: 150_000 }, async () => {
  await withPage(env.browser, async (page) => {
    const BASE = '**/weights/autoencoder.bpk';
    await page.route(BASE, (r) => r.fulfill({ status: 404, body: 'gone' }));
    await page.goto(`${env.url}__test/blank.html`);
    const missing = await page.evaluate(async () => {
      const { GenLab } = await import('/js/genlab.js');
      const lab = (window.lab = await GenLab.open({ backend: 'cpu' }));
      window.restarts = 0;
      lab.on('backend', () => window.restarts++);
      const error = await lab.sample('latent-diffusion', { n: 1, steps: 1 }).then(() => null, (e) => e.message);
      const vae = await lab.sample('vae', { n: 2, seed: 1 });
      const info = (name) => {
        const f = lab.family(name);
        return { built_on: f.built_on, capabilities: f.capabilities, sampling: f.sampling.map((h) => h.key), conditional: f.conditional };
      };
      return { error, vae: vae.pixels.length, latent: info('latent-diffusion'), ae: info('autoencoder'), ddpm: info('ddpm') };
    });
    assert.ok(missing.error, 'loading latent diffusion without its base rejects');
    assert.match(missing.error, /'autoencoder'/, `the base is named: ${missing.error}`);
    assert.match(missing.error, /404/, `and what went wrong: ${missing.error}`);
    assert.equal(missing.vae, 2 * 784, 'the VAE still samples');

    // The declarations the pages read.
    assert.deepEqual(missing.latent.built_on, ['autoencoder']);
    assert.deepEqual(missing.latent.sampling, missing.ddpm.sampling, "DDPM's sampler settings");
    assert.ok(missing.latent.conditional && missing.latent.capabilities.diffusion && missing.latent.capabilities.trajectory);
    assert.ok(missing.latent.capabilities.diffuses_codes && !missing.ddpm.capabilities.diffuses_codes, 'only latent diffusion diffuses codes');
    assert.deepEqual(missing.ae.built_on, []);
    assert.deepEqual(missing.ae.sampling, []);
    const caps = missing.ae.capabilities;
    assert.ok(caps.latent && caps.encoder && caps.reconstruct && !caps.likelihood && !caps.conditional, `autoencoder: ${JSON.stringify(caps)}`);

    // Another family's file where the base should be: refused by name, and not kept.
    await page.unroute(BASE);
    await page.route(BASE, async (r) => r.fulfill({ status: 200, contentType: 'application/octet-stream', body: await (await fetch(`${env.url}weights/vae.bpk`)).arrayBuffer().then(Buffer.from) }));
    const wrong = await page.evaluate(() => window.lab.sample('latent-diffusion', { n: 1, steps: 1 }).then(() => null, (e) => e.message));
    assert.match(wrong ?? '', /'autoencoder' weights .* refused: .*'vae' weights, not 'autoencoder'/, `a wrong base is named: ${wrong}`);

    // The base back: the same lab loads latent diffusion.
    await page.unroute(BASE);
    const r = await page.evaluate(async () => {
      const lab = window.lab;
      const o = { n: 2, sampler: 'ddim', steps: 5, eta: 0 };
      const a = (await lab.sample('latent-diffusion', { ...o, seed: 1 })).pixels;
      const b = (await lab.sample('latent-diffusion', { ...o, seed: 1 })).pixels;
      const c = (await lab.sample('latent-diffusion', { ...o, seed: 2 })).pixels;
      const code = await lab.encode('autoencoder', { images: (await lab.testDigits([0])).pixels });
      const px = Array.from(a);
      return {
        length: a.length, inRange: px.every((v) => Number.isFinite(v) && v >= 0 && v <= 1),
        same: px.every((v, i) => v === b[i]), differs: px.some((v, i) => v !== c[i]),
        dim: code.dim, restarts: window.restarts,
      };
    });
    assert.equal(r.length, 2 * 784);
    assert.ok(r.inRange, 'pixels in [0, 1]');
    assert.ok(r.same, 'same seed, same pixels');
    assert.ok(r.differs, 'another seed, other pixels');
    assert.equal(r.dim, 196, "the autoencoder's code: 4 x 7 x 7 numbers");
    assert.equal(r.restarts, 0, 'the missing file never restarted the worker');
  });
});
