// j. The WebGPU backend, chosen explicitly (SwiftShader here: slow, so small work and long
// timeouts): sampling (latent diffusion and a one-step consistency model among the families)
// and a few training steps work; a lost device switches the lab to the
// CPU, the training run pauses and resumes there, and sampling keeps working. Then the
// <genlab-demo> element on both backends: backend="webgpu" draws on SwiftShader (an explicit
// choice still uses a software adapter), while "auto" beside it refuses SwiftShader and draws on
// the CPU, saying why; after a device loss the WebGPU demo draws on the CPU and its caption says so.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertJudgedDigits, withPage } from '../lib/harness.mjs';
import { testEnv } from '../lib/fixtures.mjs';

const env = testEnv({ webgpu: true });

test('WebGPU: sample, train, lose the device, carry on on the CPU', { timeout: 400_000 }, async () => {
  await withPage(env.browser, async (page) => {
    page.setDefaultTimeout(300_000);
    await page.goto(`${env.url}__test/blank.html`);
    const opened = await page.evaluate(async () => {
      const { GenLab } = await import('/js/genlab.js');
      window.lab = await GenLab.open({ backend: 'webgpu' });
      return { backend: window.lab.backend, reason: window.lab.backendReason, adapter: window.lab.adapter };
    });
    assert.equal(opened.backend, 'webgpu', `WebGPU did not start: ${opened.reason}`);

    const s = await page.evaluate(async () => {
      const px = Array.from((await window.lab.sample('vae', { n: 4, seed: 1 })).pixels);
      return { len: px.length, min: Math.min(...px), max: Math.max(...px), mean: px.reduce((a, v) => a + v, 0) / px.length };
    });
    assert.equal(s.len, 4 * 784);
    assert.ok(s.min >= 0 && s.max <= 1 && s.max > 0.5, `values in [0, 1] on WebGPU: ${JSON.stringify(s)}`);

    // A family built on another on WebGPU: latent diffusion (its autoencoder loaded as its base)
    // samples, and one training step of each reads nothing back synchronously.
    const ld = await page.evaluate(async () => {
      const px = Array.from((await window.lab.sample('latent-diffusion', { n: 2, seed: 1, labels: [3, 8], steps: 3 })).pixels);
      const losses = [];
      for (const family of ['latent-diffusion', 'autoencoder']) {
        const run = window.lab.train(family, { from: 'pretrained', params: { batch: 8 }, steps: 1, chunk: 1, sampleEvery: 0, snapshotEvery: 0 });
        await run.done;
        losses.push(...run.history.flatMap((h) => Object.values(h.losses)));
      }
      return { len: px.length, min: Math.min(...px), max: Math.max(...px), losses, backend: window.lab.backend };
    });
    assert.equal(ld.backend, 'webgpu');
    assert.equal(ld.len, 2 * 784);
    assert.ok(ld.min >= 0 && ld.max <= 1 && ld.max > 0.5, `latent diffusion on WebGPU: ${JSON.stringify(ld)}`);
    assert.equal(ld.losses.length, 3, 'mse, then recon and kl');
    assert.ok(ld.losses.every((v) => Number.isFinite(v) && v >= 0), `losses ${ld.losses}`);

    // A consistency model on WebGPU: one network evaluation from noise to digits (the DDPM, its
    // teacher, loaded as its base).
    const cm = await page.evaluate(async () => {
      const px = Array.from((await window.lab.sample('consistency', { n: 2, seed: 1, labels: [3, 8], steps: 1 })).pixels);
      return { len: px.length, min: Math.min(...px), max: Math.max(...px), backend: window.lab.backend };
    });
    assert.equal(cm.backend, 'webgpu');
    assert.equal(cm.len, 2 * 784);
    assert.ok(cm.min >= 0 && cm.max <= 1 && cm.max > 0.5, `consistency on WebGPU: ${JSON.stringify(cm)}`);

    // Two training steps (fine-tuning the pretrained model), losses finite.
    const t = await page.evaluate(async () => {
      const run = window.lab.train('vae', { from: 'pretrained', params: { batch: 16 }, steps: 2, chunk: 1, sampleEvery: 0, snapshotEvery: 0 });
      await run.done;
      return { history: run.history, weights: run.lastWeights?.length ?? 0 };
    });
    assert.equal(t.history.length, 2);
    for (const h of t.history) for (const [k, v] of Object.entries(h.losses)) assert.ok(Number.isFinite(v) && v >= 0, `${k} = ${v} at step ${h.step}`);
    assert.ok(t.weights > 100_000, 'weights exported from WebGPU');

    // Device loss during a run.
    const lost = await page.evaluate(async () => {
      const lab = window.lab;
      const run = lab.train('vae', { from: 'pretrained', params: { batch: 16 }, steps: 1000, chunk: 1, sampleEvery: 0, snapshotEvery: 1 });
      window.run = run;
      await new Promise((resolve, reject) => {
        run.on('snapshot', resolve);
        run.on('error', (e) => reject(new Error(e.message)));
      });
      const event = new Promise((r) => lab.on('backend', r));
      await lab._debugLoseDevice();
      const ev = await event;
      const px = Array.from((await lab.sample('vae', { n: 4, seed: 1 })).pixels);
      return { ev, backend: lab.backend, state: run.state, step: run.step, snapshotStep: run.lastWeightsStep, px: [px.length, Math.min(...px), Math.max(...px)] };
    });
    assert.equal(lost.ev.backend, 'cpu');
    assert.match(lost.ev.reason, /^WebGPU device lost: [\s\S]* — switched to the CPU backend$/);
    assert.equal(lost.backend, 'cpu');
    assert.equal(lost.state, 'paused', 'the run waits for resume');
    assert.equal(lost.px[0], 4 * 784);
    assert.ok(lost.px[1] >= 0 && lost.px[2] <= 1 && lost.px[2] > 0.5, `CPU samples after the loss: ${lost.px}`);

    // Resume continues on the CPU from the snapshot.
    const resumed = await page.evaluate(async () => {
      const run = window.run;
      const next = new Promise((r) => run.on('progress', r));
      await run.resume();
      const p = await next;
      await run.stop();
      const end = await run.done;
      return { step: p.step, losses: p.losses, end: end.state };
    });
    assert.ok(resumed.step > lost.snapshotStep, `progress after resume at step ${resumed.step}`);
    assert.ok(Number.isFinite(resumed.losses.recon));
    assert.equal(resumed.end, 'stopped');
  });
});

test('<genlab-demo>: backend="webgpu" draws on WebGPU, "auto" beside it on the CPU (never a software adapter)', { timeout: 300_000 }, async () => {
  await withPage(env.browser, async (page) => {
    page.setDefaultTimeout(240_000);
    await page.goto(`${env.url}__test/blank.html`);
    await page.evaluate(async () => {
      await import('/js/genlab-demo.js');
      document.body.innerHTML = `
        <genlab-demo id="gpu" family="cgan" label="7" n="8" backend="webgpu" loading="eager"></genlab-demo>
        <genlab-demo id="auto" family="vae" n="8" backend="auto" loading="eager"></genlab-demo>`;
    });
    const settled = (id) =>
      page.waitForFunction((id) => ['ready', 'error'].includes(document.getElementById(id)?.getAttribute('state')), id, { polling: 250 }).then(() =>
        page.evaluate((id) => {
          const demo = document.getElementById(id);
          const error = demo.shadowRoot.querySelector('[part~="error"]');
          return { state: demo.state, error: error.hidden ? '' : error.textContent, backend: demo.lab?.backend, reason: demo.lab?.backendReason, caption: demo.shadowRoot.querySelector('[part~="caption"]').textContent };
        }, id),
      );
    const gpu = await settled('gpu');
    assert.equal(gpu.state, 'ready', `the WebGPU demo: ${gpu.error}`);
    assert.equal(gpu.backend, 'webgpu', `webgpu asked for explicitly: ${gpu.reason}`);
    assert.match(gpu.caption, /on WebGPU/);
    // Eight 7s asked for: the judge (on the same WebGPU lab) must read most of them as 7s.
    await assertJudgedDigits(assert, page, '#gpu >>> #samples', 'cGAN 7s on WebGPU');

    // The device is lost: the lab goes on on the CPU, and the caption says where it runs now.
    await page.evaluate(async () => {
      const lab = document.getElementById('gpu').lab;
      const switched = new Promise((r) => lab.on('backend', r));
      await lab._debugLoseDevice();
      await switched;
    });
    const caption = () => page.evaluate(() => document.getElementById('gpu').shadowRoot.querySelector('[part~="caption"]').textContent);
    assert.match(await caption(), /on the CPU/, 'the caption follows the switch to the CPU');
    assert.doesNotMatch(await caption(), /WebGPU/, 'the caption no longer says WebGPU');
    // And the demo still draws: another seed, on the CPU.
    await page.evaluate(() => {
      const root = document.getElementById('gpu').shadowRoot;
      root.getElementById('sample-seed').value = '9';
      root.getElementById('sample-btn').click();
    });
    await page.waitForFunction(() => document.getElementById('gpu').shadowRoot.getElementById('samples').getAttribute('aria-label').endsWith('seed 9'));
    assert.match(await page.evaluate(() => document.getElementById('gpu').shadowRoot.getElementById('sample-time').textContent), /on the CPU/);
    await assertJudgedDigits(assert, page, '#gpu >>> #samples', 'cGAN 7s on the CPU after the device loss');

    const auto = await settled('auto');
    assert.equal(auto.state, 'ready', `the auto demo: ${auto.error}`);
    assert.equal(auto.backend, 'cpu', 'auto never picks a software adapter');
    assert.match(auto.reason, /software|SwiftShader/i, `auto says why it left WebGPU: ${auto.reason}`);
    assert.match(auto.caption, /on the CPU/);
    await assertJudgedDigits(assert, page, '#auto >>> #samples', 'VAE samples of the auto demo');
  });
});
