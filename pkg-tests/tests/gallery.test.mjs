// a. The gallery opens, shows the backend and draws digits sampled from the pretrained VAE.
//
// Page elements the browser tests rely on (documented here and at the top of each view):
//   both pages: #backend (indicator text, data-backend), #backend-select, #error (visible
//     error area), #notice, body[data-ready="1"] once the first samples are drawn
//     ('error' if they failed), window.genlab (the GenLab instance)
//   index.html: article.card[data-family=NAME], canvas#samples-NAME, #sample-again-NAME
//   family.html (views/vae.js): canvas#samples, #sample-seed, #sample-btn, canvas#recon,
//     #interp-a, #interp-b, #interp-btn, canvas#interp, canvas#manifold / #manifold-note,
//     #train-params (#param-KEY inputs), #from-scratch, #from-pretrained, #train-steps,
//     #train-chunk, #train-start, #train-pause, #train-stop, #train-reset, #progress,
//     #train-step, #steps-per-sec, #images-per-sec, #train-state, #loss-recon, #loss-kl,
//     #loss-chart, #download, #weights-file, #weights-info; window.genlabRun (the TrainHandle)
//     and window.genlabHistory (its [{step, losses}])

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { artifact, assertDigits, canvasStats, checkBuilt, launch, serve, waitReady, withPage } from '../lib/harness.mjs';

let server;
let browser;
before(async () => {
  checkBuilt();
  server = await serve();
  browser = await launch();
});
after(async () => {
  await browser?.close();
  await server?.close();
});

test('gallery draws digits from the pretrained VAE and shows the backend', { timeout: 120_000 }, async () => {
  await withPage(browser, async (page) => {
    await page.goto(`${server.url}index.html`);
    await waitReady(page);
    const card = page.locator('article.card[data-family="vae"]');
    assert.equal(await card.count(), 1, 'a card for the VAE');
    assert.match(await card.locator('h2').textContent(), /autoencoder/i);
    assert.ok(await card.locator('a[href*="family.html?family=vae"]').count(), 'a link to the family page');
    assert.match(await card.locator('.paper a').getAttribute('href'), /^https:\/\/arxiv\.org\//);
    assertDigits(assert, await canvasStats(page, '#samples-vae'), 'gallery samples');
    assert.equal(await page.evaluate(() => document.querySelector('#samples-vae').dataset.images), '16');
    const backend = await page.locator('#backend').textContent();
    assert.match(backend, /^Backend: (WebGPU|CPU)/);
    assert.equal(await page.locator('#error').isVisible(), false, 'no error shown');
    await page.screenshot({ path: artifact('gallery.png'), fullPage: true });

    // "sample again" draws other digits.
    const before = await page.evaluate(() => document.querySelector('#samples-vae').toDataURL());
    await page.click('#sample-again-vae');
    await page.waitForFunction((b) => document.querySelector('#samples-vae').toDataURL() !== b, before, { timeout: 30_000 });
    assertDigits(assert, await canvasStats(page, '#samples-vae'), 'resampled');
  });
});

test('the backend switcher reopens the lab on the chosen backend', { timeout: 120_000 }, async () => {
  await withPage(browser, async (page) => {
    await page.goto(`${server.url}index.html?backend=auto`);
    await waitReady(page);
    await page.selectOption('#backend-select', 'cpu');
    await page.waitForFunction(() => document.body.dataset.ready === '1' && window.genlab.backendReason === 'CPU backend requested', null, { timeout: 60_000 });
    assert.match(await page.locator('#backend').textContent(), /^Backend: CPU \(Flex\) — CPU backend requested$/);
    assert.match(page.url(), /[?&]backend=cpu\b/);
    assertDigits(assert, await canvasStats(page, '#samples-vae'), 'samples after the switch');
    assert.equal(await page.locator('#error').isVisible(), false, 'no error shown');
  });
});
