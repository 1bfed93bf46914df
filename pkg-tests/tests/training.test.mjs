// b. Training from scratch through the family page's UI lowers the loss.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertDigits, canvasStats, waitReady, withPage } from '../lib/harness.mjs';
import { testEnv } from '../lib/fixtures.mjs';

const env = testEnv();

test('30 training steps in family.html lower the loss', { timeout: 180_000 }, async () => {
  await withPage(env.browser, async (page) => {
    await page.goto(`${env.url}family.html?family=vae&backend=cpu`);
    await waitReady(page);
    // Controls come from the family's declared hyper-parameters.
    for (const key of ['latent', 'hidden', 'beta', 'lr', 'batch']) assert.equal(await page.locator(`#param-${key}`).count(), 1, `#param-${key}`);
    await page.check('#from-scratch');
    await page.fill('#param-batch', '32');
    await page.fill('#train-steps', '30');
    await page.fill('#train-chunk', '2');
    await page.click('#train-start');
    await page.waitForFunction(() => ['done', 'error'].includes(window.genlabRun?.state), null, { timeout: 150_000, polling: 250 });
    const { state, error, history, config } = await page.evaluate(() => ({
      state: window.genlabRun.state, error: window.genlabRun.error, history: window.genlabHistory, config: window.genlabRun.config,
    }));
    assert.equal(state, 'done', `run ended in state ${state}: ${error}`);
    assert.equal(config.batch, 32, 'the batch size set in the UI reached the model');
    assert.ok(history.length >= 10, `${history.length} progress reports`);
    const total = (h) => h.losses.recon + h.losses.kl;
    const first = history[0];
    const last = history.at(-1);
    assert.equal(last.step, 30);
    for (const h of history) assert.ok(Number.isFinite(total(h)), `finite loss at step ${h.step}`);
    assert.ok(total(last) < total(first) - 20, `loss went from ${total(first).toFixed(1)} (step ${first.step}) to ${total(last).toFixed(1)} (step 30)`);

    // The UI shows it.
    assert.equal(await page.locator('#progress').evaluate((p) => p.value), 30);
    assert.match(await page.locator('#train-step').textContent(), /^30 \/ 30$/);
    assert.ok(Number(await page.locator('#loss-recon').textContent()) > 0, '#loss-recon shows a value');
    assert.ok(Number(await page.locator('#steps-per-sec').textContent()) > 0, '#steps-per-sec shows a value');
    assert.equal(await page.locator('#loss-chart .uplot').count(), 1, 'the loss chart is drawn');
    assert.equal(await page.locator('#train-state').textContent(), 'done');
    // The sample grid shows the trained model (a 30-step model draws blurry blobs, not blanks).
    const s = await canvasStats(page, '#samples');
    assert.ok(s.dark + s.bright < 0.999 && s.width > 28, 'samples drawn');
    // Weights of the run were kept.
    assert.ok(await page.evaluate(() => window.genlabRun.lastWeights?.length > 1000), 'a final snapshot');
    assert.equal(await page.locator('#error').isVisible(), false, 'no error shown');
  });
});

test('reset goes back to the pretrained model', { timeout: 120_000 }, async () => {
  await withPage(env.browser, async (page) => {
    await page.goto(`${env.url}family.html?family=vae&backend=cpu`);
    await waitReady(page);
    const pretrained = await page.evaluate(async () => Array.from((await window.genlab.sample('vae', { n: 2, seed: 5 })).pixels));
    await page.check('#from-scratch');
    await page.fill('#train-steps', '1000');
    await page.fill('#train-chunk', '2');
    await page.click('#train-start');
    await page.waitForFunction(() => window.genlabHistory?.length >= 2, null, { timeout: 60_000 });
    await page.click('#train-pause');
    await page.waitForFunction(() => window.genlabRun.state === 'paused', null, { timeout: 30_000 });
    assert.equal(await page.locator('#train-pause').textContent(), 'resume');
    await page.click('#train-reset');
    await page.waitForFunction(() => window.genlabRun.state === 'stopped' && !document.querySelector('#train-reset').disabled, null, { timeout: 30_000 });
    const again = await page.evaluate(async () => Array.from((await window.genlab.sample('vae', { n: 2, seed: 5 })).pixels));
    assert.deepEqual(again, pretrained, 'the pretrained weights are back');
    assertDigits(assert, await canvasStats(page, '#samples'), 'samples after reset');
  });
});
