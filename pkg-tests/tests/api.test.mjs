// f. The public JS API (www/js/genlab.js) on the CPU backend: sampling is deterministic and in
// range; bad arguments are refused with clear messages, in JS and (through the worker) in Rust.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withPage } from '../lib/harness.mjs';
import { testEnv } from '../lib/fixtures.mjs';

const env = testEnv();

async function openLab(page, backend = 'cpu') {
  await page.goto(`${env.url}__test/blank.html`);
  return page.evaluate(async (b) => {
    const { GenLab } = await import('/js/genlab.js');
    window.lab = await GenLab.open({ backend: b });
    return { backend: window.lab.backend, reason: window.lab.backendReason, families: window.lab.families().map((f) => f.name) };
  }, backend);
}

test('GenLab.open + sample: 4 x 784 values in [0, 1], same seed same pixels', { timeout: 120_000 }, async () => {
  await withPage(env.browser, async (page) => {
    const opened = await openLab(page);
    assert.equal(opened.backend, 'cpu');
    assert.ok(opened.families.includes('vae'));
    const r = await page.evaluate(async () => {
      const a = await window.lab.sample('vae', { n: 4, seed: 1 });
      const b = await window.lab.sample('vae', { n: 4, seed: 1 });
      const c = await window.lab.sample('vae', { n: 4, seed: 2 });
      const px = Array.from(a.pixels);
      return {
        shape: [a.n, a.width, a.height, a.pixels.length, a.pixels instanceof Float32Array],
        min: Math.min(...px), max: Math.max(...px), finite: px.every(Number.isFinite),
        same: px.every((v, i) => v === b.pixels[i]), differs: px.some((v, i) => v !== c.pixels[i]),
        mean: px.reduce((s, v) => s + v, 0) / px.length,
      };
    });
    assert.deepEqual(r.shape, [4, 28, 28, 4 * 784, true]);
    assert.ok(r.finite && r.min >= 0 && r.max <= 1, `values in [0, 1]: ${r.min}..${r.max}`);
    assert.ok(r.max > 0.5 && r.mean > 0.03 && r.mean < 0.5, `digit-like intensities (max ${r.max}, mean ${r.mean})`);
    assert.ok(r.same, 'same seed, same pixels');
    assert.ok(r.differs, 'another seed, other pixels');
  });
});

test('bad arguments are refused with clear messages', { timeout: 120_000 }, async () => {
  await withPage(env.browser, async (page) => {
    await openLab(page);
    const errors = await page.evaluate(async () => {
      const lab = window.lab;
      const msg = async (f) => {
        try {
          const h = await f();
          if (h && h.done) await h.done;
        } catch (e) {
          return e.message;
        }
        return null;
      };
      return {
        n0: await msg(() => lab.sample('vae', { n: 0 })),
        n5000: await msg(() => lab.sample('vae', { n: 5000 })),
        nFloat: await msg(() => lab.sample('vae', { n: 2.5 })),
        seed: await msg(() => lab.sample('vae', { seed: -1 })),
        family: await msg(() => lab.sample('nope')),
        hyper: await msg(() => lab.train('vae', { params: { foo: 1 }, steps: 1 })),
        lr: await msg(() => lab.train('vae', { params: { lr: 5 }, steps: 1 })),
        backend: await msg(() => window.lab.constructor.open({ backend: 'tpu' })),
        // The same checks in Rust, reached through the worker without the JS checks.
        rustN: await msg(() => lab._call('sample', { family: 'vae', n: 0, seed: 0 })),
        rustFamily: await msg(() => lab._call('initFamily', { family: 'nope', params: {} })),
        rustHyper: await msg(() => lab._call('initFamily', { family: 'vae', params: { foo: 1 } })),
        rustLr: await msg(() => lab._call('initFamily', { family: 'vae', params: { lr: 5 } })),
        // Evaluation takes the sampler's settings, checked like sample's.
        evalSteps: await msg(() => lab.evaluate('ddpm', { n: 2, steps: 0 })),
        evalUnknown: await msg(() => lab.evaluate('vae', { n: 2, steps: 10 })),
        evalImages: await msg(() => lab.evaluate('ddpm', { images: new Float32Array(2 * 784), guidance: 1 })),
        rustEvalSteps: await msg(() => lab._call('evaluate', { family: 'ddpm', n: 2, seed: 0, memorisation: 0, likelihood: 0, settings: { steps: 0 } })),
      };
    });
    assert.match(errors.n0 ?? '', /n = 0 is out of range \[1, 1024\]/);
    assert.match(errors.n5000 ?? '', /n = 5000 is out of range \[1, 1024\]/);
    assert.match(errors.nFloat ?? '', /n must be a whole number/);
    assert.match(errors.seed ?? '', /seed = -1 is out of range/);
    assert.match(errors.family ?? '', /unknown family 'nope' \(known: .*vae/);
    assert.match(errors.hyper ?? '', /unknown hyper-parameter 'foo' \(known: latent, hidden, beta, lr, batch\)/);
    assert.match(errors.lr ?? '', /'lr' = 5 is out of range \[(0\.00001|1e-05), 0\.1\]/);
    assert.match(errors.backend ?? '', /unknown backend 'tpu'/);
    assert.match(errors.rustN ?? '', /invalid parameter: n = 0 is out of range \[1, 1024\]/);
    assert.match(errors.rustFamily ?? '', /unknown family 'nope'/);
    assert.match(errors.rustHyper ?? '', /unknown hyper-parameter 'foo'/);
    assert.match(errors.rustLr ?? '', /'lr' = 5 is out of range/);
    assert.match(errors.evalSteps ?? '', /'steps' = 0 is out of range \[1, 1000\]/);
    assert.match(errors.evalUnknown ?? '', /unknown sampling option 'steps' for 'vae'/);
    assert.match(errors.evalImages ?? '', /sampler settings apply to fresh samples/);
    assert.match(errors.rustEvalSteps ?? '', /invalid parameter: 'steps' = 0 is out of range/);
  });
});

test('reconstruct, interpolate, manifold, likelihood, export and load', { timeout: 120_000 }, async () => {
  await withPage(env.browser, async (page) => {
    await openLab(page);
    const r = await page.evaluate(async () => {
      const lab = window.lab;
      const inRange = (a) => Array.from(a).every((v) => v >= 0 && v <= 1);
      const rec = await lab.reconstruct('vae', { indices: [0, 1, 2] });
      const int = await lab.interpolate('vae', { a: 3, b: 2, steps: 5 });
      const config = await lab.config('vae');
      let manifold;
      try {
        manifold = (await lab.manifold('vae', { side: 4 })).pixels.length;
      } catch (e) {
        manifold = e.message;
      }
      const ll = await lab.likelihood('vae', { n: 100 });
      const before = Array.from((await lab.sample('vae', { n: 2, seed: 3 })).pixels);
      const bytes = await lab.exportWeights('vae');
      await lab.train('vae', { from: 'scratch', steps: 2, chunk: 2, sampleEvery: 0, snapshotEvery: 0 }).done;
      const trained = Array.from((await lab.sample('vae', { n: 2, seed: 3 })).pixels);
      const loaded = await lab.loadWeights('vae', bytes);
      const after = Array.from((await lab.sample('vae', { n: 2, seed: 3 })).pixels);
      return {
        rec: [rec.originals.length, rec.reconstructions.length, Array.from(rec.labels), inRange(rec.reconstructions)],
        int: [int.n, int.pixels.length, inRange(int.pixels)],
        config, manifold, ll, bytes: bytes.length, magic: Array.from(bytes.slice(0, 4)),
        changed: trained.some((v, i) => v !== before[i]), restored: after.every((v, i) => v === before[i]), loaded,
      };
    });
    assert.deepEqual(r.rec, [3 * 784, 3 * 784, [7, 2, 1], true], 'test digits 0..2 are 7, 2, 1');
    assert.deepEqual(r.int, [5, 5 * 784, true]);
    if (r.config.latent === 2) assert.equal(r.manifold, 16 * 784);
    else assert.match(String(r.manifold), /needs a 2-D latent/);
    assert.ok(Number.isFinite(r.ll.nats) && r.ll.nats < 0 && r.ll.nats > -300, `ELBO ${r.ll.nats} nats`);
    assert.equal(r.ll.kind, 'bound');
    assert.ok(r.bytes > 100_000, `exported ${r.bytes} bytes`);
    assert.ok(r.changed, 'training changed the model');
    assert.ok(r.restored, 'loading the exported weights restored it');
    assert.deepEqual(r.loaded, r.config);
  });
});
