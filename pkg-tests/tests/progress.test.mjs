// Long computations report progress and can be cancelled, through the one mechanism every
// step-by-step sampler shares (a Chain in Rust, driven by the page between yields): the
// DDPM's 1000-step ancestral chain here, on the CPU backend.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { testEnv } from '../lib/fixtures.mjs';
import { withPage } from '../lib/harness.mjs';

const env = testEnv();

test('a 1000-step DDPM sample reports progress and stops when cancelled; the lab carries on', { timeout: 180_000 }, async () => {
  await withPage(env.browser, async (page) => {
    await page.goto(`${env.url}__test/blank.html`);
    const r = await page.evaluate(async () => {
      const { GenLab } = await import('/js/genlab.js');
      const lab = await GenLab.open({ backend: 'cpu' });
      await lab.sample('ddpm', { n: 1, steps: 2 }); // weights loaded, so timing starts at the chain

      // Cancelled once a tenth of the chain is done.
      const controller = new AbortController();
      const fractions = [];
      const t0 = performance.now();
      const long = lab.sample('ddpm', {
        n: 2,
        sampler: 'ddpm',
        steps: 1000,
        onProgress: ({ fraction }) => {
          fractions.push(fraction);
          if (fraction >= 0.1) controller.abort();
        },
        signal: controller.signal,
      });
      const outcome = await long.then(
        () => ({ ok: true }),
        (e) => ({ ok: false, message: e.message, cancelled: e.cancelled === true }),
      );
      const cancelMs = performance.now() - t0;

      // An aborted signal stops a call before it starts.
      const before = await lab.sample('ddpm', { n: 1, signal: AbortSignal.abort() }).then(
        () => 'resolved',
        (e) => e.message,
      );
      // Bad options are named.
      const badSignal = await lab.sample('ddpm', { n: 1, signal: 'stop' }).then(() => 'resolved', (e) => e.message);
      // A trajectory reports progress too, and a short sample after all this still works.
      const trajFractions = [];
      const traj = await lab.trajectory('ddpm', { n: 1, steps: 200, frames: 5, onProgress: ({ fraction }) => trajFractions.push(fraction) });
      const after = await lab.sample('ddpm', { n: 2, steps: 5 });
      lab.close();
      return { outcome, fractions, cancelMs, before, badSignal, trajFractions, frames: traj.frames.length, afterN: after.pixels.length };
    });
    assert.equal(r.outcome.ok, false, 'the cancelled sample rejects');
    assert.ok(r.outcome.cancelled, `its error says it was cancelled: ${r.outcome.message}`);
    assert.match(r.outcome.message, /^cancelled after (\d+) of 1000 steps/);
    const stoppedAt = Number(/after (\d+)/.exec(r.outcome.message)[1]);
    assert.ok(stoppedAt >= 100 && stoppedAt < 1000, `stopped part-way, at step ${stoppedAt}`);
    assert.ok(r.fractions.length >= 2, `several progress reports: ${r.fractions.join(', ')}`);
    assert.ok(r.fractions.every((f, i) => f > 0 && f < 1 && (i === 0 || f > r.fractions[i - 1])), `fractions rise: ${r.fractions.join(', ')}`);
    assert.match(r.before, /^cancelled before it started/);
    assert.match(r.badSignal, /signal must be an AbortSignal/);
    assert.ok(r.trajFractions.length >= 1 && r.trajFractions.every((f) => f > 0 && f <= 1), `trajectory progress: ${r.trajFractions.join(', ')}`);
    assert.equal(r.frames, 5);
    assert.equal(r.afterN, 2 * 784, 'the lab samples again after a cancelled call');
  });
});
