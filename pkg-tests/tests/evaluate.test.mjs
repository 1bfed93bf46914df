// g. Evaluation: the Evaluate panel of a family page scores the samples on screen in the
// worker (a FID number, the class histogram); lab.evaluate returns the CLI's JSON fields and
// warns of mode collapse; the naive-Bayes page shows both classifiers' accuracies.
//
// Page elements (ui/evaluate.js): #eval-screen #eval-fresh #eval-progress (value = fraction
// done) #eval-stage #eval-results #eval-fid #eval-fid-real #eval-histogram (data-total =
// images counted) #eval-warning; naive-bayes.js: #acc-nb #acc-lr (data-value = the
// accuracy) #samples #deep-samples.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertDigits, assertNonBlank, canvasStats, waitReady, withPage } from '../lib/harness.mjs';
import { testEnv } from '../lib/fixtures.mjs';

const env = testEnv();

test('the Evaluate panel scores the samples on screen, then 500 fresh ones: a FID number and a class histogram', { timeout: 240_000 }, async () => {
  await withPage(env.browser, async (page) => {
    await page.goto(`${env.url}family.html?family=gan&backend=cpu`);
    await waitReady(page);
    const shown = Number(await page.locator('#samples').getAttribute('data-images'));
    assert.ok(shown >= 16, `${shown} samples on screen`);
    assert.equal(await page.locator('#eval-results').isVisible(), false, 'no results before a run');
    await page.click('#eval-screen');
    await page.locator('#eval-results').waitFor({ state: 'visible', timeout: 90_000 });
    const fid = Number(await page.locator('#eval-fid').textContent());
    const fidReal = Number(await page.locator('#eval-fid-real').textContent());
    assert.ok(Number.isFinite(fid) && fid > 0, `FID-MNIST reads '${await page.locator('#eval-fid').textContent()}'`);
    assert.ok(Number.isFinite(fidReal) && fidReal > 0, `real-digit baseline reads '${await page.locator('#eval-fid-real').textContent()}'`);
    assert.equal(await page.locator('#eval-histogram').getAttribute('data-total'), String(shown), 'the histogram counts every sample on screen');
    assert.equal(await page.locator('#eval-histogram .uplot').count(), 1, 'the histogram is drawn');
    assert.equal(await page.locator('#eval-progress').evaluate((p) => p.value), 1, 'the progress bar is full');
    assert.match(await page.locator('#eval-source').textContent(), /On screen/);

    // Fresh samples of the current model: 500 of them, scored the same way.
    await page.click('#eval-fresh');
    await page.waitForFunction(() => document.querySelector('#eval-histogram').dataset.total === '500', null, { timeout: 90_000 });
    assert.match(await page.locator('#eval-source').textContent(), /500 fresh samples/);
    const fresh = Number(await page.locator('#eval-fid').textContent());
    assert.ok(Number.isFinite(fresh) && fresh > 0 && fresh !== fid, `FID-MNIST of 500 fresh samples: ${fresh} (on screen: ${fid})`);
    assert.equal(await page.locator('#eval-progress').evaluate((p) => p.value), 1, 'the progress bar is full again');
    assert.equal(await page.locator('#error').isVisible(), false, 'no error shown');
  });
});

test('lab.evaluate returns the CLI fields; a one-digit sample set gets a mode-collapse warning', { timeout: 120_000 }, async () => {
  await withPage(env.browser, async (page) => {
    await page.goto(`${env.url}__test/blank.html`);
    const r = await page.evaluate(async () => {
      const { GenLab } = await import('/js/genlab.js');
      const lab = await GenLab.open({ backend: 'cpu' });
      const updates = [];
      const a = await lab.evaluate('naive-bayes', { n: 40, seed: 3, onProgress: (p) => updates.push(p.fraction) });
      // 24 copies of test digit 0 (a 7): only one class present.
      const seven = (await lab.testDigits([0])).pixels;
      const images = new Float32Array(24 * 784);
      for (let i = 0; i < 24; i++) images.set(seven, i * 784);
      const b = await lab.evaluate('naive-bayes', { images });
      // Diffusion is scored with the sampler asked for (2 DDIM steps: quick, and recorded).
      const c = await lab.evaluate('ddpm', { n: 4, steps: 2, guidance: 3, memorisation: 0, likelihood: 0 });
      return { a, b, c, updates };
    });
    assert.equal(r.c.settings.steps, 2, `settings used: ${JSON.stringify(r.c.settings)}`);
    assert.equal(r.c.settings.guidance, 3);
    assert.equal(r.c.n, 4);
    assert.ok(r.c.conditional_accuracy >= 0 && r.c.conditional_accuracy <= 1, `conditional accuracy ${r.c.conditional_accuracy}`);
    const { a, b } = r;
    for (const k of ['family', 'n', 'seed', 'fid', 'fid_real', 'classes', 'memorisation', 'likelihood', 'conditional_accuracy', 'ms_per_digit']) assert.ok(k in a, `field '${k}' in ${Object.keys(a).join(', ')}`);
    assert.equal(a.family, 'naive-bayes');
    assert.equal(a.n, 40);
    assert.ok(a.fid > 0 && a.fid_real > 0, `fid ${a.fid}, fid_real ${a.fid_real}`);
    assert.equal(a.classes.histogram.length, 10);
    assert.equal(a.classes.histogram.reduce((s, c) => s + c, 0), 40, 'the histogram counts every sample');
    for (const k of ['entropy_bits', 'confidence', 'inception_score', 'missing', 'warning']) assert.ok(k in a.classes, `classes.${k}`);
    assert.equal(a.likelihood.kind, 'exact', 'naive Bayes has an exact likelihood');
    assert.ok(r.updates.length >= 1 && r.updates.every((f) => f >= 0 && f <= 1), `progress reports: ${r.updates.join(', ')}`);

    assert.equal(b.n, 24);
    assert.equal(b.classes.histogram[7], 24, `all read as 7: ${b.classes.histogram}`);
    assert.deepEqual(b.classes.missing, [0, 1, 2, 3, 4, 5, 6, 8, 9]);
    assert.match(b.classes.warning ?? '', /mode collapse/);
    assert.ok(b.classes.entropy_bits < 0.01, `entropy ${b.classes.entropy_bits}`);
  });
});

test('the naive-Bayes page shows both classifiers\' accuracies and samples beside the VAE\'s', { timeout: 120_000 }, async () => {
  await withPage(env.browser, async (page) => {
    await page.goto(`${env.url}family.html?family=naive-bayes&backend=cpu`);
    await waitReady(page);
    await page.waitForFunction(() => document.querySelector('#acc-nb').dataset.value && document.querySelector('#acc-lr').dataset.value, null, { timeout: 60_000 });
    for (const id of ['acc-nb', 'acc-lr']) {
      const text = await page.locator(`#${id}`).textContent();
      const v = Number(await page.locator(`#${id}`).getAttribute('data-value'));
      assert.ok(v > 0.5 && v <= 1, `#${id} = ${v}`);
      assert.equal(text, `${(100 * v).toFixed(1)}%`, `#${id} reads ${text}`);
    }
    assert.match(await page.locator('#acc-n').textContent(), /10,000 test digits/);
    assertNonBlank(assert, await canvasStats(page, '#samples'), 'naive-Bayes samples');
    await page.waitForFunction(() => document.querySelector('#deep-samples').dataset.images === '16', null, { timeout: 60_000 });
    assertDigits(assert, await canvasStats(page, '#deep-samples'), 'VAE samples beside them');
    assert.equal(await page.locator('#error').isVisible(), false, 'no error shown');
  });
});
