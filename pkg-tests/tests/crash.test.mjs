// k. A crash in the model (a Rust panic) reaches the page: the panic hook (src/web/mod.rs)
// calls the worker's __genlabPanic, the lab restarts its worker on the CPU with the models it
// had, and the page says what happened instead of freezing.
//
// No bad input panics (each is an error), so the test makes a real one with the wasm export
// testPanic, which panics only where the global __genlabAllowTestPanic is true: a Rust panic
// through the real hook, not a call of the worker's callback.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertDigits, canvasImage, canvasStats, waitReady, withPage } from '../lib/harness.mjs';
import { testEnv } from '../lib/fixtures.mjs';

const env = testEnv();

test('a panic in the worker is shown in the page; the lab restarts and samples again', { timeout: 120_000 }, async () => {
  await withPage(env.browser, async (page) => {
    await page.goto(`${env.url}family.html?family=vae&backend=cpu`);
    await waitReady(page);
    // Let the view's follow-up work (reconstructions, interpolation) finish first: calls in
    // flight when the worker dies fail with the crash's reason, which the page shows as errors.
    await page.waitForFunction(
      () => document.querySelector('#recon').dataset.images === '16' && document.querySelector('#interp').dataset.images === '10' && (document.querySelector('#manifold').dataset.images === '225' || document.querySelector('#manifold-note').textContent !== ''),
      null,
      { timeout: 60_000 },
    );
    const worker = page.workers().find((w) => /worker\.js/.test(w.url()));
    assert.ok(worker, `the lab's worker among ${page.workers().map((w) => w.url()).join(', ')}`);
    assert.equal(await worker.evaluate(() => typeof self.__genlabPanic), 'function', 'the worker listens for panics');
    // The same module instance the worker runs (imports are cached by URL).
    const call = (allow) =>
      worker.evaluate(async (allow) => {
        self.__genlabAllowTestPanic = allow;
        const wasm = await import(new URL('../pkg/genlab.js', self.location.href).href);
        try {
          wasm.testPanic('a test panic');
          return 'returned';
        } catch (e) {
          return String(e?.message ?? e);
        }
      }, allow);
    assert.match(await call(false), /panics only where a test allowed it/, 'refused without the test flag');
    assert.equal(await page.locator('#notice').isVisible(), false, 'a refusal is not a crash');
    const trap = await call(true);
    assert.match(trap, /unreachable|RuntimeError/i, 'the panic aborts the wasm instance');

    // The page says so, and names the panic.
    await page.locator('#notice').waitFor({ state: 'visible', timeout: 30_000 });
    assert.match(await page.locator('#notice').textContent(), /the model crashed \(panicked at src\/web\/mod\.rs:\d+:\d+:\s*a test panic\) — restarted on the CPU backend/);
    assert.match(await page.locator('#backend').textContent(), /the model crashed/);

    // A new worker, and the VAE samples again with another seed.
    await page.waitForFunction(() => window.genlab.backend === 'cpu');
    const before = await canvasImage(page, '#samples');
    await page.fill('#sample-seed', '7');
    await page.click('#sample-btn');
    await page.waitForFunction((b) => document.querySelector('#samples').toDataURL() !== b, before, { timeout: 60_000 });
    assertDigits(assert, await canvasStats(page, '#samples'), 'samples after the restart');
    assert.equal(await page.locator('#error').isVisible(), false, 'no error: the lab recovered');
  });
});
