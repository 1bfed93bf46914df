// a. The gallery opens, shows the backend, and has a card for every family, the VAE's first,
// each with samples drawn from its pretrained weights and a "sample again" button.
//
// Page elements the browser tests rely on (documented here and at the top of each view):
//   both pages: #backend (indicator text, data-backend), #backend-select, #error (visible
//     error area), #notice, body[data-ready="1"] once the first samples are drawn
//     ('error' if they failed), window.genlab (the GenLab instance)
//   index.html: article.card[data-family=NAME] (registry order), canvas#samples-NAME
//     (data-images = images drawn, data-seed, data-labels = the digits asked for, if any),
//     #sample-again-NAME
//   family.html (views/vae.js): canvas#samples, #sample-seed, #sample-btn, canvas#recon,
//     #interp-a, #interp-b, #interp-btn, canvas#interp, canvas#manifold / #manifold-note,
//     #train-params (#param-KEY inputs), #from-scratch, #from-pretrained, #train-steps,
//     #train-chunk, #train-start, #train-pause, #train-stop, #train-reset, #progress,
//     #train-step, #steps-per-sec, #images-per-sec, #train-state, #loss-recon, #loss-kl,
//     #loss-chart, #download, #weights-file, #weights-info; window.genlabRun (the TrainHandle)
//     and window.genlabHistory (its [{step, losses}])

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { artifact, assertDigits, assertFamilySamples, assertJudgedDigits, canvasImage, canvasStats, waitReady, withPage } from '../lib/harness.mjs';
import { testEnv } from '../lib/fixtures.mjs';

const env = testEnv();
const GALLERY_SEED = 0;

test('gallery draws digits from the pretrained VAE and shows the backend', { timeout: 120_000 }, async () => {
  await withPage(env.browser, async (page) => {
    await page.goto(`${env.url}index.html`);
    await waitReady(page);
    const card = page.locator('article.card[data-family="vae"]');
    assert.equal(await card.count(), 1, 'a card for the VAE');
    assert.match(await card.locator('h2').textContent(), /autoencoder/i);
    assert.ok(await card.locator('a[href*="family.html?family=vae"]').count(), 'a link to the family page');
    assert.match(await card.locator('.paper a').getAttribute('href'), /^https:\/\/arxiv\.org\//);
    assert.equal(await page.evaluate(() => document.querySelector('#samples-vae').dataset.images), '16');
    // 16 prior samples (class entropy 3.29 bits of 3.32) span most digits; noise reads as one or two.
    await assertJudgedDigits(assert, page, '#samples-vae', 'gallery samples', { distinct: 4 });
    const backend = await page.locator('#backend').textContent();
    assert.match(backend, /^Backend: (WebGPU|CPU)/);
    assert.equal(await page.locator('#error').isVisible(), false, 'no error shown');
    await page.screenshot({ path: artifact('gallery.png'), fullPage: true });

    // "sample again" draws other digits.
    const before = await canvasImage(page, '#samples-vae');
    await page.click('#sample-again-vae');
    await page.waitForFunction((b) => document.querySelector('#samples-vae').toDataURL() !== b, before, { timeout: 30_000 });
    await assertJudgedDigits(assert, page, '#samples-vae', 'resampled', { distinct: 4 });
  });
});

test('the gallery has a card with samples for every family, the VAE first', { timeout: 120_000 }, async () => {
  await withPage(env.browser, async (page) => {
    // A fixed first seed: the weakest models' small cards (the DBM's four chains find few kinds
    // of digit) are judged on digits known to clear the floors, not on a random draw's luck.
    await page.goto(`${env.url}index.html?backend=cpu&seed=${GALLERY_SEED}`);
    await waitReady(page);
    const infos = await page.evaluate(() => window.genlab.families());
    const families = infos.map((f) => f.name);
    const info = Object.fromEntries(infos.map((f) => [f.name, f]));
    assert.ok(families.length >= 2, `registered: ${families.join(', ')}`);
    const cards = await page.locator('article.card').evaluateAll((els) => els.map((e) => e.dataset.family));
    assert.deepEqual(cards, families, 'one card per family, in registry order');
    assert.equal(cards[0], 'vae', 'the VAE card comes first');
    for (const f of families) {
      const n = Number(await page.locator(`#samples-${f}`).getAttribute('data-images'));
      assert.equal(await page.locator(`#samples-${f}`).getAttribute('data-seed'), String(GALLERY_SEED), `card '${f}' drew from ?seed=`);
      assert.ok(n >= 4, `card '${f}' shows ${n} samples`);
      // A 2 x 2 card: two different digits, one of four as asked.
      await assertFamilySamples(assert, page, `#samples-${f}`, `gallery card '${f}'`, info[f], n > 4 ? {} : { distinct: 2, agree: 0.25 });
      assert.equal(await page.locator(`#sample-again-${f}`).count(), 1, `'${f}' has a sample-again button`);
    }
    assert.equal(await page.locator('#error').isVisible(), false, 'no error shown');
    // "sample again" on every card that draws in one pass (a full 4 x 4 grid) draws other samples.
    for (const f of families) {
      if (Number(await page.locator(`#samples-${f}`).getAttribute('data-images')) <= 4) continue;
      const before = await canvasImage(page, `#samples-${f}`);
      await page.click(`#sample-again-${f}`);
      await page.waitForFunction((args) => document.querySelector(`#samples-${args.f}`).toDataURL() !== args.before, { f, before }, { timeout: 30_000 });
      await assertFamilySamples(assert, page, `#samples-${f}`, `resampled '${f}'`, info[f]);
    }
  });
});

test('the backend switcher reopens the lab on the chosen backend', { timeout: 120_000 }, async () => {
  await withPage(env.browser, async (page) => {
    await page.goto(`${env.url}index.html?backend=auto`);
    await waitReady(page);
    await page.selectOption('#backend-select', 'cpu');
    await page.waitForFunction(() => document.body.dataset.ready === '1' && window.genlab.backendReason === 'CPU backend requested', null, { timeout: 60_000 });
    assert.match(await page.locator('#backend').textContent(), /^Backend: CPU \(Flex\) — CPU backend requested$/);
    assert.match(page.url(), /[?&]backend=cpu\b/);
    assertDigits(assert, await canvasStats(page, '#samples-vae'), 'samples after the switch');
    assert.equal(await page.locator('#error').isVisible(), false, 'no error shown');
  });
});
