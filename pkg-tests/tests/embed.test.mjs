// d. family.html?family=NAME&embed=1 renders the demo alone (no site header, footer, nav), for
// every registered family.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { artifact, assertDigits, assertFamilySamples, assertJudgedDigits, canvasStats, waitReady, withPage } from '../lib/harness.mjs';
import { testEnv } from '../lib/fixtures.mjs';

const env = testEnv();

test('the embed URL renders only the demo and draws samples', { timeout: 120_000 }, async () => {
  await withPage(env.browser, async (page) => {
    await page.goto(`${env.url}family.html?family=vae&embed=1&backend=cpu`);
    await waitReady(page);
    assert.equal(await page.locator('header').count(), 0, 'no header');
    assert.equal(await page.locator('footer').count(), 0, 'no footer');
    assert.equal(await page.locator('nav').count(), 0, 'no nav');
    assert.equal(await page.locator('h1').count(), 0, 'no page title');
    assertDigits(assert, await canvasStats(page, '#samples'), 'embedded samples');
    assert.equal(await page.locator('#train-start').count(), 1, 'the demo is complete');
    await page.screenshot({ path: artifact('embed.png'), fullPage: true });
  });
});

test('every registered family embeds and draws digits the judge reads, without the site around them', { timeout: 240_000 }, async () => {
  const families = await withPage(env.browser, async (page) => {
    await page.goto(`${env.url}index.html?backend=cpu`);
    await page.waitForFunction(() => window.genlab, null, { timeout: 60_000 });
    return page.evaluate(() => window.genlab.families());
  });
  for (const info of families) {
    const family = info.name;
    await withPage(env.browser, async (page) => {
      await page.goto(`${env.url}family.html?family=${family}&embed=1&backend=cpu`);
      await waitReady(page);
      assert.equal(await page.locator('header, footer, nav, h1').count(), 0, `${family}: only the demo`);
      // Each view's first samples, with the seed and digits it starts with (data-labels).
      await assertFamilySamples(assert, page, '#samples', `${family}: embedded samples`, info);
      assert.equal(await page.locator('#error').isVisible(), false, `${family}: no error shown`);
    });
  }
});

test('the full page has the site header', { timeout: 120_000 }, async () => {
  await withPage(env.browser, async (page) => {
    await page.goto(`${env.url}family.html?family=vae&backend=cpu`);
    await waitReady(page);
    assert.equal(await page.locator('header.site').count(), 1);
    assert.match(await page.locator('h1').textContent(), /autoencoder/i);
    // The other views are drawn too.
    await page.waitForFunction(() => document.querySelector('#recon').dataset.images === '16' && document.querySelector('#interp').dataset.images === '10', null, { timeout: 60_000 });
    assertDigits(assert, await canvasStats(page, '#recon'), 'reconstructions');
    assertDigits(assert, await canvasStats(page, '#interp'), 'interpolation');
    await page.screenshot({ path: artifact('family.png'), fullPage: true });
  });
});
