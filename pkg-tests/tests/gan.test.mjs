// h. The GAN and cGAN pages: training shows the two players' losses and a fixed-noise grid
// with a scrubber over its snapshots; the cGAN draws the digit asked for (a label change
// changes the digits), the same z as every digit, and works embedded.
//
// Page elements (views/gan.js): #samples (data-images) #sample-label (cgan: 'all', '0'..'9')
// #class-histogram (data-total) #class-source #z-0.. #z-image #every-class (cgan; data-labels
// 0..9) #train-samples
// #snapshot-scrubber (range over the snapshots) #snapshot-step #loss-chart #dx-chart, and
// the training panel's (ui/training.js).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertJudgedDigits, canvasImage, waitReady, withPage } from '../lib/harness.mjs';
import { testEnv } from '../lib/fixtures.mjs';

const env = testEnv();

test('GAN training: live D/G losses, and the scrubber steps through the fixed-noise snapshots', { timeout: 150_000 }, async () => {
  await withPage(env.browser, async (page) => {
    await page.goto(`${env.url}family.html?family=gan&backend=cpu`);
    await waitReady(page);
    assert.ok(await page.locator('#snapshot-scrubber').isDisabled(), 'no snapshots before training');
    await page.check('#from-scratch');
    await page.fill('#param-batch', '16');
    await page.fill('#train-steps', '4');
    await page.fill('#train-chunk', '1');
    await page.fill('#train-sample-every', '1');
    await page.click('#train-start');
    await page.waitForFunction(() => ['done', 'error'].includes(window.genlabRun?.state), null, { timeout: 120_000, polling: 250 });
    assert.equal(await page.evaluate(() => window.genlabRun.state), 'done', await page.evaluate(() => window.genlabRun.error));
    const history = await page.evaluate(() => window.genlabHistory);
    assert.equal(history.at(-1).step, 4);
    for (const k of ['d_loss', 'g_loss', 'd_real', 'd_fake']) {
      assert.ok(history.every((h) => Number.isFinite(h.losses[k])), `finite ${k}`);
      assert.ok(Number.isFinite(Number(await page.locator(`#loss-${k}`).textContent())), `#loss-${k} shows a value`);
    }
    assert.equal(await page.locator('#loss-chart .uplot').count(), 1, 'the D and G loss chart');
    assert.equal(await page.locator('#dx-chart .uplot').count(), 1, 'the D(x) vs D(G(z)) chart');
    assert.ok(Number(await page.locator('#steps-per-sec').textContent()) > 0, 'steps/s shown');

    // One snapshot per step: the scrubber spans them, following the newest.
    const scrub = page.locator('#snapshot-scrubber');
    assert.equal(await scrub.isDisabled(), false, 'the scrubber is live');
    const count = Number(await scrub.getAttribute('max')) + 1;
    assert.ok(count >= 2, `${count} snapshots`);
    assert.equal(Number(await scrub.inputValue()), count - 1, 'it shows the newest');
    assert.match(await page.locator('#snapshot-step').textContent(), new RegExp(`^step 4 \\(${count} of ${count}\\)$`));
    // Four steps from scratch draw blobs, not digits: what is checked is that each snapshot
    // shown is a whole sample set of the run (64 images) and that they differ.
    assert.equal(await page.locator('#train-samples').getAttribute('data-images'), '64', 'the newest snapshot holds the run\'s 64 samples');
    const newest = await canvasImage(page, '#train-samples');
    await scrub.fill('0');
    assert.match(await page.locator('#snapshot-step').textContent(), new RegExp(`^step 1 \\(1 of ${count}\\)$`));
    const oldest = await canvasImage(page, '#train-samples');
    assert.notEqual(oldest, newest, 'the first snapshot differs from the last');
    assert.equal(await page.locator('#train-samples').getAttribute('data-images'), '64', 'the first snapshot holds 64 samples too');
    assert.equal(await page.locator('#error').isVisible(), false, 'no error shown');
  });
});

test('cGAN: a label change changes the digits; the same z as every digit; embedded', { timeout: 120_000 }, async () => {
  await withPage(env.browser, async (page) => {
    await page.goto(`${env.url}family.html?family=cgan&embed=1&backend=cpu`);
    await waitReady(page);
    assert.equal(await page.locator('header').count(), 0, 'embedded: no site header');
    // Default: every digit, one row each.
    assert.equal(await page.locator('#sample-label').inputValue(), 'all');
    assert.equal(await page.locator('#samples').getAttribute('data-images'), '80', '8 samples of each of the 10 digits');
    // The pretrained cGAN draws the digit asked for 96% of the time (README, 1,000 samples).
    await assertJudgedDigits(assert, page, '#samples', 'a row per digit', { agree: 0.8 });
    await page.waitForFunction(() => document.querySelector('#class-histogram').dataset.total === '80', null, { timeout: 30_000 });

    const drawn = async (label) => {
      const before = await canvasImage(page, '#samples');
      await page.selectOption('#sample-label', label);
      await page.waitForFunction((b) => document.querySelector('#samples').toDataURL() !== b, before, { timeout: 30_000 });
      return canvasImage(page, '#samples');
    };
    const three = await drawn('3');
    assert.equal(await page.locator('#samples').getAttribute('data-images'), '64');
    await assertJudgedDigits(assert, page, '#samples', 'samples of 3', { agree: 0.8 });
    const seven = await drawn('7');
    assert.notEqual(seven, three, 'same seed, another label: other digits');
    // The same seed and label again: the same picture (it is the label that changed them).
    assert.equal(await drawn('3'), three);

    // Same z, every digit: ten images; a z slider changes them.
    await page.waitForFunction(() => document.querySelector('#every-class')?.dataset.images === '10', null, { timeout: 30_000 });
    await assertJudgedDigits(assert, page, '#every-class', 'same z, every digit', { distinct: 6, agree: 0.6 });
    const before = await canvasImage(page, '#every-class');
    await page.locator('#z-0').fill('2.5');
    await page.waitForFunction((b) => document.querySelector('#every-class').toDataURL() !== b, before, { timeout: 30_000 });
    assert.equal(await page.locator('#error').isVisible(), false, 'no error shown');
  });
});
