// g. Evaluation: the Evaluate panel of a family page scores the samples on screen in the
// worker (a FID number, the class histogram); lab.evaluate returns the CLI's JSON fields and
// warns of mode collapse; the naive-Bayes page shows both classifiers' accuracies.
//
// Page elements (ui/evaluate.js): #eval-screen #eval-fresh #eval-progress (value = fraction
// done) #eval-stage #eval-results #eval-fid #eval-fid-real #eval-histogram (data-total =
// images counted) #eval-warning; naive-bayes.js: #acc-nb #acc-lr (data-value = the
// accuracy) #samples #deep-samples (the deep model the registry offers beside it).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertJudgedDigits, waitReady, withPage } from '../lib/harness.mjs';
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
    // The bar is filled by the page at the end; the worker's own reports (first and last at least) moved it before.
    assert.ok(Number(await page.locator('#eval-progress').getAttribute('data-updates')) >= 2, 'progress reports reached the bar');
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

test('lab.evaluate returns the CLI fields; conditional models draw the digits asked for; a one-digit sample set gets a mode-collapse warning', { timeout: 180_000 }, async () => {
  await withPage(env.browser, async (page) => {
    await page.goto(`${env.url}__test/blank.html`);
    const r = await page.evaluate(async () => {
      const { GenLab } = await import('/js/genlab.js');
      const lab = await GenLab.open({ backend: 'cpu' });
      const families = lab.families();
      // Families by what they declare: one with an exact likelihood, one whose sampler takes
      // a number of steps (diffusion), and the conditional one-pass samplers.
      const exact = families.find((f) => f.capabilities.likelihood === 'exact');
      const stepped = families.find((f) => f.sampling.some((h) => h.key === 'steps'));
      const onePass = families.filter((f) => f.capabilities.conditional && !f.sampling.some((h) => h.key === 'steps'));
      const updates = [];
      const a = await lab.evaluate(exact.name, { n: 40, seed: 3, onProgress: (p) => updates.push(p.fraction) });
      // 24 copies of test digit 0 (a 7): only one class present.
      const seven = (await lab.testDigits([0])).pixels;
      const images = new Float32Array(24 * 784);
      for (let i = 0; i < 24; i++) images.set(seven, i * 784);
      const b = await lab.evaluate(exact.name, { images });
      // A stepped sampler is scored with the sampler asked for (2 steps: quick, and recorded).
      const c = await lab.evaluate(stepped.name, { n: 4, steps: 2, guidance: 3, memorisation: 0, likelihood: 0 });
      const conditional = {};
      for (const f of onePass) conditional[f.name] = (await lab.evaluate(f.name, { n: 100, seed: 0, memorisation: 0, likelihood: 0 })).conditional_accuracy;
      return { exact: exact.name, a, b, c, conditional, updates };
    });
    assert.equal(r.c.settings.steps, 2, `settings used: ${JSON.stringify(r.c.settings)}`);
    assert.equal(r.c.settings.guidance, 3);
    assert.equal(r.c.n, 4);
    // A share of the 4 samples: k / 4 exactly (an average of probabilities would not be).
    assert.ok(typeof r.c.conditional_accuracy === 'number' && Number.isInteger(r.c.conditional_accuracy * 4), `conditional accuracy ${r.c.conditional_accuracy} of 4 samples`);
    // Every conditional one-pass model draws the digit asked for far above chance (0.1): the
    // cGAN 96% and naive Bayes 51% over 1,000 samples (README); a label ignored scores ~0.1.
    assert.ok(Object.keys(r.conditional).length >= 1, 'a conditional one-pass family is registered');
    for (const [name, acc] of Object.entries(r.conditional)) assert.ok(acc >= 0.3, `${name}: ${acc} of 100 samples read as the digit asked for`);
    const { a, b } = r;
    for (const k of ['family', 'n', 'seed', 'fid', 'fid_real', 'classes', 'memorisation', 'likelihood', 'conditional_accuracy', 'ms_per_digit']) assert.ok(k in a, `field '${k}' in ${Object.keys(a).join(', ')}`);
    assert.equal(a.family, r.exact);
    assert.equal(a.n, 40);
    assert.ok(a.fid > 0 && a.fid_real > 0, `fid ${a.fid}, fid_real ${a.fid_real}`);
    assert.equal(a.classes.histogram.length, 10);
    assert.equal(a.classes.histogram.reduce((s, c) => s + c, 0), 40, 'the histogram counts every sample');
    for (const k of ['entropy_bits', 'confidence', 'inception_score', 'missing', 'warning']) assert.ok(k in a.classes, `classes.${k}`);
    assert.equal(a.likelihood.kind, 'exact', `${r.exact} declares an exact likelihood`);
    // Progress runs forward: from 0, never back, and the last report is 1 (the worker always
    // sends the last one). Not strictly: the report of a new stage may repeat a fraction.
    const u = r.updates;
    assert.ok(u.length >= 2 && u[0] === 0 && u.at(-1) === 1, `progress reports: ${u.join(', ')}`);
    assert.ok(u.every((f, i) => i === 0 || f >= u[i - 1]), `progress never goes back: ${u.join(', ')}`);

    assert.equal(b.n, 24);
    assert.equal(b.classes.histogram[7], 24, `all read as 7: ${b.classes.histogram}`);
    assert.deepEqual(b.classes.missing, [0, 1, 2, 3, 4, 5, 6, 8, 9]);
    assert.match(b.classes.warning ?? '', /mode collapse/);
    assert.ok(b.classes.entropy_bits < 0.01, `entropy ${b.classes.entropy_bits}`);
  });
});

test('the naive-Bayes page shows both classifiers\' accuracies and samples beside a deep model\'s', { timeout: 120_000 }, async () => {
  await withPage(env.browser, async (page) => {
    await page.goto(`${env.url}family.html?family=naive-bayes&backend=cpu`);
    await waitReady(page);
    await page.waitForFunction(() => document.querySelector('#acc-nb').dataset.value && document.querySelector('#acc-lr').dataset.value, null, { timeout: 60_000 });
    const acc = {};
    for (const id of ['acc-nb', 'acc-lr']) {
      const text = await page.locator(`#${id}`).textContent();
      acc[id] = Number(await page.locator(`#${id}`).getAttribute('data-value'));
      assert.equal(text, `${(100 * acc[id]).toFixed(1)}%`, `#${id} reads ${text}`);
    }
    // 83.5% and 90.4% over the 10,000 test digits (README): with this much data the
    // discriminative twin wins (Ng & Jordan 2001), as the page says.
    assert.ok(acc['acc-nb'] > 0.75, `naive Bayes: ${acc['acc-nb']}`);
    assert.ok(acc['acc-lr'] > acc['acc-nb'], `logistic regression ${acc['acc-lr']} beats naive Bayes ${acc['acc-nb']}`);
    assert.match(await page.locator('#acc-n').textContent(), /10,000 test digits/);
    await assertJudgedDigits(assert, page, '#samples', 'naive-Bayes samples');
    await page.waitForFunction(() => document.querySelector('#deep-samples').dataset.images === '16', null, { timeout: 60_000 });
    await assertJudgedDigits(assert, page, '#deep-samples', 'deep-model samples beside them');
    assert.equal(await page.locator('#error').isVisible(), false, 'no error shown');
  });
});
