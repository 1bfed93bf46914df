// The Boltzmann machines' page (views/boltzmann.js) and API. RBM page: samples the judge reads
// as digits; chains from random pixels give their stored states and a free-energy chart; a
// scribble drawn on the pad with the mouse (pointer events) runs short chains that turn it into
// something else, their free energy falling from the first frame to the last on average; the
// filters (a tile per hidden unit), the reconstructions with the hidden units, and the two
// classifiers. Then the API on a blank page: lab.freeEnergy, lab.filters, lab.hiddenLayers,
// lab.energyGap, lab.complete with its sampler settings (the held rows kept), and the refusals
// of a family that is no energy model; lab.logPartition and the likelihood's uncertainty on the
// shipped RBM fine-tuned one step with a cheap AIS (the shipped settings' AIS takes about a
// minute), and a small DBM's two hidden layers.
//
// Page elements (views/boltzmann.js): #samples #chain-start #chain-steps #chain-run #chains
// (data-start, data-frames, data-sweeps, data-run) #chain-chart (data-points) #chain-energy
// (data-first, data-last) #chain-scrubber #chain-next #pad (window.genlabPad) #pad-clear
// #filters (data-units) #recon #recon-error (data-error) #hidden-layers (data-layers,
// data-sizes) #acc-features #acc-mlp; window.genlabChain (the last run's frames and free
// energies).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertJudgedDigits, waitReady, withPage } from '../lib/harness.mjs';
import { testEnv } from '../lib/fixtures.mjs';

const env = testEnv();

const data = (page, sel) => page.evaluate((s) => ({ ...document.querySelector(s).dataset }), sel);

test('RBM page: chains from noise with a free-energy chart, a scribble settles, filters, reconstructions, classifiers', { timeout: 300_000 }, async () => {
  await withPage(env.browser, async (page) => {
    await page.goto(`${env.url}family.html?family=rbm&backend=cpu`);
    await waitReady(page, 180_000);
    await assertJudgedDigits(assert, page, '#samples', 'RBM samples', { distinct: 2 });
    assert.equal((await data(page, '#samples')).images, '16');

    // The first chains: from random pixels, as many sweeps as the sampler's default.
    await page.waitForFunction(() => document.querySelector('#chains').dataset.run, null, { timeout: 120_000, polling: 250 });
    const steps = await page.evaluate(() => window.genlab.family('rbm').sampling.find((h) => h.key === 'steps').default);
    const first = await data(page, '#chains');
    assert.equal(first.start, 'noise');
    assert.equal(Number(first.sweeps), steps);
    assert.equal(Number(first.frames), Math.min(101, steps + 1), 'the start and 100 stored states');
    assert.equal(Number(first.images), 4, 'four chains side by side');
    assert.equal(await page.locator('#chain-chart .uplot').count(), 1, 'the free-energy chart is drawn');
    assert.equal(Number((await data(page, '#chain-chart')).points), Number(first.frames));
    const noise = await page.evaluate(() => ({ n: window.genlabChain.n, energies: Array.from(window.genlabChain.energies), sweeps: window.genlabChain.sweeps }));
    assert.equal(noise.energies.length, noise.n * Number(first.frames), 'a free energy per chain and frame');
    assert.ok(noise.energies.every(Number.isFinite), 'finite free energies');
    assert.deepEqual([noise.sweeps[0], noise.sweeps.at(-1)], [0, steps], 'frames from sweep 0 to the last');
    // Step buttons move through the stored states.
    await page.click('#chain-next'); // pauses the playback, then one state on
    const at = Number(await page.locator('#chain-scrubber').inputValue());
    await page.click('#chain-next');
    assert.equal(Number(await page.locator('#chain-scrubber').inputValue()), Math.min(at + 1, Number(first.frames) - 1));

    // A scribble on the pad (a zigzag and a loop, no digit) runs short chains from it.
    await page.fill('#chain-steps', '150');
    await page.click('#pad-clear');
    await page.locator('#pad').scrollIntoViewIfNeeded();
    const box = await page.locator('#pad').boundingBox();
    const to = (x, y) => [box.x + (x / 28) * box.width, box.y + (y / 28) * box.height];
    await page.mouse.move(...to(4, 4));
    await page.mouse.down();
    for (const [x, y] of [[24, 6], [5, 12], [23, 15], [6, 23], [20, 25], [14, 9]]) await page.mouse.move(...to(x, y), { steps: 10 });
    await page.mouse.up();
    const scribble = await page.evaluate(() => Array.from(window.genlabPad.pixels(), (v) => (v >= 0.5 ? 1 : 0)));
    assert.ok(scribble.reduce((s, v) => s + v, 0) >= 60, 'the scribble left ink');
    await page.waitForFunction(() => document.querySelector('#chains').dataset.start === 'pad', null, { timeout: 120_000, polling: 250 });
    assert.equal(await page.locator('#chain-start').inputValue(), 'pad', 'a stroke starts the chains from the pad');
    const run = await page.evaluate(() => {
      const c = window.genlabChain;
      return { n: c.n, steps: c.steps, first: Array.from(c.frames[0].x), last: Array.from(c.frames.at(-1).x), energies: Array.from(c.energies), frames: c.frames.length };
    });
    assert.equal(run.steps, 150);
    assert.equal(run.frames, 101);
    for (let k = 0; k < run.n; k++) {
      const start = run.first.slice(k * 784, (k + 1) * 784).map((v) => (v >= 0.5 ? 1 : 0));
      assert.deepEqual(start, scribble, `chain ${k} starts at the scribble`);
      const end = run.last.slice(k * 784, (k + 1) * 784).map((v) => (v >= 0.5 ? 1 : 0));
      const changed = end.filter((v, i) => v !== scribble[i]).length;
      assert.ok(changed >= 30, `chain ${k}: its last state differs from the scribble in ${changed} pixels`);
    }
    const fall = await data(page, '#chain-energy');
    const meanAt = (f) => run.energies.slice(f * run.n, (f + 1) * run.n).reduce((s, v) => s + v, 0) / run.n;
    assert.ok(Number(fall.last) < Number(fall.first), `the free energy falls: ${fall.first} at the start, ${fall.last} at the end`);
    assert.ok(Math.abs(meanAt(0) - Number(fall.first)) < 1e-3 * Math.max(1, Math.abs(meanAt(0))), 'the readout is the chains\' mean');

    // Filters: a tile per hidden unit; the reconstructions with the hidden units; the classifiers.
    await page.waitForFunction(() => document.querySelector('#filters').dataset.units && document.querySelector('#hidden-layers').dataset.layers, null, { timeout: 120_000, polling: 250 });
    const hidden = await page.evaluate(async () => (await window.genlab.config('rbm')).hidden);
    const filters = await data(page, '#filters');
    assert.equal(Number(filters.units), hidden, 'the hidden units');
    assert.equal(Number(filters.images), Math.min(hidden, 1024), 'a tile per unit (up to 1024)');
    assert.equal((await data(page, '#recon')).images, '16', 'eight test digits and their reconstructions');
    const err = Number((await data(page, '#recon-error')).error);
    assert.ok(Number.isFinite(err) && err >= 0 && err < 100, `reconstruction error ${err}`);
    const layers = await data(page, '#hidden-layers');
    assert.deepEqual([layers.layers, layers.sizes], ['1', String(hidden)], 'one hidden layer drawn');
    assert.equal((await data(page, '#hidden-0')).images, '8');
    await page.waitForFunction(() => document.querySelector('#acc-mlp').dataset.value, null, { timeout: 120_000, polling: 250 });
    for (const id of ['#acc-features', '#acc-mlp']) {
      const a = await data(page, id);
      assert.ok(Number(a.value) > 0.5 && Number(a.value) <= 1, `${id}: ${a.name} ${a.value}`);
    }
    assert.match((await data(page, '#acc-features')).name, /RBM features \+ linear/);
    assert.equal(await page.locator('#error').isVisible(), false, 'no error shown');
  });
});

test('Boltzmann API: free energies, filters, hidden layers, the gap, completions; log Z and the estimate\'s uncertainty; a DBM\'s two layers; refusals', { timeout: 300_000 }, async () => {
  await withPage(env.browser, async (page) => {
    await page.goto(`${env.url}__test/blank.html`);
    const r = await page.evaluate(async () => {
      const { GenLab } = await import('/js/genlab.js');
      const lab = await GenLab.open({ backend: 'cpu' });
      const err = (p) => p.then(() => 'resolved', (e) => e.message);
      const finite = (a) => Array.from(a).every(Number.isFinite);
      const digits = await lab.testDigits([0, 1, 2]);
      const one = digits.pixels.slice(0, 784);

      // The shipped RBM.
      const fe = await lab.freeEnergy('rbm', { images: digits.pixels });
      const filters = await lab.filters('rbm');
      const hidden = await lab.hiddenLayers('rbm', { images: digits.pixels });
      const gap = await lab.energyGap('rbm', { n: 100 });
      const c = await lab.complete('rbm', { pixels: one, rows: 14, n: 2, seed: 3, frames: 5, settings: { steps: 40 } });
      const kept = [0, 1].map((k) => {
        let bad = 0;
        for (let i = 0; i < 14 * 28; i++) if (c.frames.at(-1).x[k * 784 + i] !== (one[i] >= 0.5 ? 1 : 0)) bad++;
        return bad;
      });
      const traj = await lab.trajectory('rbm', { n: 2, seed: 1, frames: 3, steps: 30 });
      const completed = await lab.sample('rbm', { seed: 2, steps: 20, prefix: { pixels: one, rows: 10 } });
      const bad = {
        vaeFree: await err(lab.freeEnergy('vae', { images: one })),
        ganFilters: await err(lab.filters('gan')),
        pixelcnnHidden: await err(lab.hiddenLayers('pixelcnn', { images: one })),
        vaeGap: await err(lab.energyGap('vae', { n: 10 })),
        vaeLogZ: await err(lab.logPartition('vae')),
        steps0: await err(lab.complete('rbm', { pixels: one, rows: 0, settings: { steps: 0 } })),
        twice: await err(lab.complete('rbm', { pixels: one, rows: 0, steps: 5, settings: { steps: 5 } })),
        unknown: await err(lab.complete('rbm', { pixels: one, rows: 0, sweeps: 5 })),
        gapN: await err(lab.energyGap('rbm', { n: 0 })),
        feRange: await err(lab.freeEnergy('rbm', { images: new Float32Array(784).fill(2) })),
      };

      // A small RBM fine-tuned for one step with a cheap AIS: log Z and the estimate's uncertainty.
      const run = lab.train('rbm', { from: 'pretrained', params: { ais_runs: 8, ais_steps: 100 }, steps: 1, chunk: 1, sampleEvery: 0, snapshotEvery: 0 });
      await run.done;
      const z = await lab.logPartition('rbm');
      const fe2 = await lab.freeEnergy('rbm', { images: digits.pixels });
      const ll = await lab.likelihood('rbm', { images: digits.pixels });
      const mean = await lab.likelihood('rbm', { n: 50 });

      // A small DBM trained from scratch for a few steps: two hidden layers.
      const dbmRun = lab.train('dbm', { params: { hidden1: 40, hidden2: 24, pretrain: 1, batch: 16, ais_runs: 4, ais_steps: 20 }, steps: 4, chunk: 2, sampleEvery: 0, snapshotEvery: 0 });
      await dbmRun.done;
      const dbm = await lab.hiddenLayers('dbm', { images: digits.pixels });
      const dbmFilters = await lab.filters('dbm');
      const dbmFe = await lab.freeEnergy('dbm', { images: digits.pixels });
      lab.close();

      return {
        caps: lab.family('rbm').capabilities,
        dbmCaps: lab.family('dbm').capabilities,
        vaeCaps: lab.family('vae').capabilities,
        fe: { n: fe.n, length: fe.free_energy.length, finite: finite(fe.free_energy) },
        filters: { units: filters.units, length: filters.filters.length, finite: finite(filters.filters), spread: filters.filters.reduce((m, v) => Math.max(m, v), -Infinity) - filters.filters.reduce((m, v) => Math.min(m, v), Infinity) },
        hidden: { n: hidden.n, sizes: hidden.sizes, lengths: hidden.layers.map((l) => l.length), inRange: hidden.layers.every((l) => l.every((v) => v >= 0 && v <= 1)) },
        gap,
        complete: { frames: c.frames.length, ts: c.frames.map((f) => f.t), x0: c.frames.map((f) => f.x0), kept, length: c.frames.at(-1).x.length },
        traj: { frames: traj.frames.length, ts: traj.frames.map((f) => f.t) },
        completed: { n: completed.n, length: completed.pixels.length },
        bad,
        z,
        ll: { n: ll.n, nats: Array.from(ll.nats), uncertainty: ll.uncertainty, fe: Array.from(fe2.free_energy) },
        mean: { kind: mean.kind, n: mean.n, nats: mean.nats, uncertainty: mean.uncertainty },
        dbm: { n: dbm.n, sizes: dbm.sizes, lengths: dbm.layers.map((l) => l.length), units: dbmFilters.units, filters: dbmFilters.filters.length, fe: finite(dbmFe.free_energy) },
      };
    });

    assert.equal(r.caps.energy, true, 'capabilities.energy');
    assert.equal(r.caps.reconstruct, true, 'capabilities.reconstruct');
    assert.equal(r.caps.likelihood, 'estimate');
    assert.equal(r.caps.completion, true);
    assert.equal(r.caps.trajectory, true);
    assert.equal(r.caps.classify, true);
    assert.equal(r.caps.latent, false);
    assert.equal(r.dbmCaps.energy, true);
    assert.equal(r.vaeCaps.energy, false);
    assert.equal(r.vaeCaps.reconstruct, true, 'the VAE reconstructs through its code');

    assert.deepEqual(r.fe, { n: 3, length: 3, finite: true });
    assert.equal(r.filters.length, r.filters.units * 784);
    assert.ok(r.filters.units >= 4 && r.filters.finite && r.filters.spread > 0, `filters: ${r.filters.units} units`);
    assert.equal(r.hidden.n, 3);
    assert.deepEqual(r.hidden.sizes, [r.filters.units], 'an RBM has one hidden layer, as wide as its filters');
    assert.deepEqual(r.hidden.lengths, [3 * r.filters.units]);
    assert.ok(r.hidden.inRange, 'unit probabilities in [0, 1]');
    assert.equal(r.gap.n, 100);
    assert.ok(Number.isFinite(r.gap.train) && Number.isFinite(r.gap.test), `gap: ${JSON.stringify(r.gap)}`);

    assert.equal(r.complete.frames, 5);
    assert.deepEqual([r.complete.ts[0], r.complete.ts.at(-1)], [40, 0], `the chain's 40 sweeps: t = ${r.complete.ts.join(', ')}`);
    assert.ok(r.complete.x0.every((x) => x === null), 'a Gibbs chain has no x0');
    assert.deepEqual(r.complete.kept, [0, 0], 'the 14 held rows are the digit\'s, binarised, in both chains');
    assert.equal(r.complete.length, 2 * 784);
    assert.deepEqual([r.traj.frames, r.traj.ts[0], r.traj.ts.at(-1)], [3, 30, 0], 'steps reach the chain from noise');
    assert.deepEqual(r.completed, { n: 1, length: 784 }, 'lab.sample with a prefix and a steps setting');

    assert.match(r.bad.vaeFree, /'vae' is not an energy-based model/);
    assert.match(r.bad.ganFilters, /'gan' is not an energy-based model/);
    assert.match(r.bad.pixelcnnHidden, /'pixelcnn' is not an energy-based model/);
    assert.match(r.bad.vaeGap, /'vae' is not an energy-based model/);
    assert.match(r.bad.vaeLogZ, /'vae' is not an energy-based model \(those are: .*rbm/);
    assert.match(r.bad.steps0, /'steps' = 0 is out of range/);
    assert.match(r.bad.twice, /'steps' is given twice/);
    assert.match(r.bad.unknown, /unknown option 'sweeps' of lab\.complete/);
    assert.match(r.bad.gapN, /n = 0 is out of range/);
    assert.match(r.bad.feRange, /images\[0\] = 2 is outside \[0, 1\]/);

    assert.ok(Number.isFinite(r.z.log_z), `log Z = ${r.z.log_z}`);
    assert.ok(Number.isFinite(r.z.se) && r.z.se >= 0, `its standard error ${r.z.se}`);
    assert.equal(r.ll.n, 3);
    assert.equal(r.ll.uncertainty, r.z.se, 'the images\' likelihood carries log Z\'s standard error');
    r.ll.nats.forEach((v, k) => {
      const want = -r.ll.fe[k] - r.z.log_z;
      assert.ok(Math.abs(v - want) <= 1e-3 * Math.max(1, Math.abs(want)), `log p(v) of digit ${k}: ${v} = −F(v) − log Z = ${want}`);
    });
    assert.equal(r.mean.kind, 'estimate');
    assert.equal(r.mean.n, 50);
    assert.ok(Number.isFinite(r.mean.nats), `mean log p ${r.mean.nats}`);
    assert.equal(r.mean.uncertainty, r.z.se, 'the test-set figure carries it too');

    assert.equal(r.dbm.n, 3);
    assert.deepEqual(r.dbm.sizes, [40, 24], 'a DBM has two hidden layers');
    assert.deepEqual(r.dbm.lengths, [3 * 40, 3 * 24]);
    assert.deepEqual([r.dbm.units, r.dbm.filters], [40, 40 * 784], 'first-layer filters');
    assert.ok(r.dbm.fe, 'finite DBM free energies');
  });
});
