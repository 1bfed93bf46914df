// i. The diffusion page: the reverse process stored step by step, walked with the timeline
// scrubber from pure noise to the final digits; the forward process on a test digit; the
// time per sample beside the samples.
//
// Page elements (views/ddpm.js): #samples (data-labels: the digits asked for) #sample-time #sampler-sampler #sampler-steps
// #trajectory-scrubber (range over the stored states) #trajectory-t #trajectory-play
// #traj-x (x_t) #traj-x0 (predicted x0) #trajectory-time #fwd-t #fwd-image #fwd-levels
// #sample-progress #sample-cancel (a long chain's progress and cancel button).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertJudgedDigits, canvasImage, judgeCanvas, waitReady, withPage } from '../lib/harness.mjs';
import { testEnv } from '../lib/fixtures.mjs';

const env = testEnv();

test('DDPM: the step-through scrubber walks >= 10 stored states to non-blank digits; the forward process', { timeout: 150_000 }, async () => {
  await withPage(env.browser, async (page) => {
    await page.goto(`${env.url}family.html?family=ddpm&backend=cpu`);
    await waitReady(page);
    // Guided digits 0-7 (DDIM 20, w = 3 below t = 800): 98-99% read as asked over 1,000 samples (README).
    await assertJudgedDigits(assert, page, '#samples', 'samples');
    assert.match(await page.locator('#sample-time').textContent(), /\d ms per sample with 20 DDIM steps/);

    // The page runs the sampler step by step once by itself (and plays it).
    const scrub = page.locator('#trajectory-scrubber');
    await page.waitForFunction(() => !document.querySelector('#trajectory-scrubber').disabled, null, { timeout: 90_000 });
    const count = Number(await scrub.getAttribute('max')) + 1;
    assert.ok(count >= 10, `${count} stored states`);
    assert.match(await page.locator('#trajectory-time').textContent(), /ms per digit/);

    const seen = new Set(); // filling the range pauses the playback the run started
    const ts = [];
    for (let i = 0; i < count; i++) {
      await scrub.fill(String(i));
      ts.push(await page.locator('#trajectory-t').textContent());
      seen.add(await canvasImage(page, '#traj-x'));
    }
    assert.ok(seen.size >= 10, `${seen.size} distinct states of x_t over ${count} frames`);
    assert.match(ts[0], /pure noise/);
    assert.match(ts.at(-1), /^t = 0 \(the samples\)$/);
    const t = ts.map((s) => Number(/t = (\d+)/.exec(s)[1]));
    assert.ok(t.every((v, i) => i === 0 || v < t[i - 1]), `t falls frame by frame: ${t.join(', ')}`);
    // The last frame: the final digits, and the prediction beside them.
    await assertJudgedDigits(assert, page, '#traj-x', 'the final digits');
    await assertJudgedDigits(assert, page, '#traj-x0', 'the last prediction of x0');
    // Pixels are their own picture: no code panel (latent diffusion's, tests/latent.test.mjs).
    assert.equal(await page.locator('#traj-code').isVisible(), false, 'no code shown for a pixel-space chain');

    // Play from the start moves the scrubber forward by itself.
    await scrub.fill('0');
    await page.click('#trajectory-play');
    await page.waitForFunction(() => Number(document.querySelector('#trajectory-scrubber').value) >= 3, null, { timeout: 10_000 });

    // The forward process: a test digit noised to t, with the schedule's levels.
    await page.waitForFunction(() => /signal/.test(document.querySelector('#fwd-levels').textContent) && document.querySelector('#fwd-image').dataset.images === '1', null, { timeout: 60_000 });
    const levels = async () => {
      const m = /signal √ᾱ_t = ([\d.]+), noise √\(1 − ᾱ_t\) = ([\d.]+)/.exec(await page.locator('#fwd-levels').textContent());
      return { signal: Number(m[1]), noise: Number(m[2]) };
    };
    const before = await canvasImage(page, '#fwd-image');
    await page.locator('#fwd-t').fill('50');
    await page.waitForFunction((b) => document.querySelector('#fwd-image').toDataURL() !== b, before, { timeout: 30_000 });
    const early = await levels();
    // At t = 50 the signal still dominates: the judge reads test digit 0, a 7 (the API test
    // pins it), through the noise.
    const judged = await judgeCanvas(page, '#fwd-image');
    assert.deepEqual(judged.labels, [7], `test digit 0 at t = 50 reads as ${judged.labels}`);
    const clean = await canvasImage(page, '#fwd-image');
    await page.locator('#fwd-t').fill('900');
    await page.waitForFunction((b) => document.querySelector('#fwd-image').toDataURL() !== b, clean, { timeout: 30_000 });
    const late = await levels();
    assert.ok(early.signal > late.signal && early.noise < late.noise, `signal ${early.signal} -> ${late.signal}, noise ${early.noise} -> ${late.noise}`);
    assert.equal(await page.locator('#schedule-chart .uplot').count(), 1, 'the schedule chart');

    // Sampler settings: a short chain redraws by itself; a long one waits for "sample".
    const setSampler = async (key, value) => {
      await page.locator(`#sampler-${key}`).fill(String(value));
      await page.locator(`#sampler-${key}`).dispatchEvent('change');
    };
    const shown = await canvasImage(page, '#samples');
    await setSampler('guidance', 0);
    await page.waitForFunction(() => /guidance 0 on the/.test(document.querySelector('#sample-time').textContent), null, { timeout: 60_000 });
    assert.notEqual(await canvasImage(page, '#samples'), shown, 'guidance 0 draws other digits');
    const guided0 = await canvasImage(page, '#samples');
    await setSampler('steps', 1000);
    await page.waitForFunction(() => /press "sample"/.test(document.querySelector('#sample-time').textContent), null, { timeout: 10_000 });
    assert.match(await page.locator('#sample-time').textContent(), /1000 DDIM steps/);
    await page.waitForTimeout(1500);
    assert.equal(await canvasImage(page, '#samples'), guided0, 'the long chain was not started by itself');
    assert.match(await page.locator('#sample-time').textContent(), /press "sample"/);
    assert.equal(await page.locator('#error').isVisible(), false, 'no error shown');

    // Started by the button, the long chain shows its progress and stops when cancelled,
    // leaving the previous samples and no error.
    await page.click('#sample-btn');
    await page.locator('#sample-cancel').waitFor({ state: 'visible', timeout: 30_000 });
    await page.waitForFunction(() => document.querySelector('#sample-progress').value > 0, null, { timeout: 30_000 });
    assert.match(await page.locator('#sample-time').textContent(), /^Sampling \d+ digits with 1000 DDIM steps/);
    await page.click('#sample-cancel');
    await page.waitForFunction(() => /^Cancelled after/.test(document.querySelector('#sample-time').textContent), null, { timeout: 30_000 });
    assert.equal(await page.locator('#sample-cancel').isVisible(), false, 'the cancel button goes with the run');
    assert.equal(await canvasImage(page, '#samples'), guided0, 'a cancelled chain leaves the samples shown');
    assert.equal(await page.locator('#error').isVisible(), false, 'cancelling is no error');
  });
});
