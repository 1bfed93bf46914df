// e. A bad weights file shows an error in the page, and the previous model stays.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { assertDigits, canvasStats, waitReady, withPage, WWW } from '../lib/harness.mjs';
import { testEnv } from '../lib/fixtures.mjs';

const env = testEnv();

/** A copy of a weights file with three bytes flipped near its end (in the last tensor's data). */
function damaged(bytes) {
  const copy = Buffer.from(bytes);
  for (let i = copy.length - 5; i < copy.length - 2; i++) copy[i] ^= 0x5a;
  return copy;
}

const sample = (page) => page.evaluate(async () => Array.from((await window.genlab.sample('vae', { n: 4, seed: 11 })).pixels));

test('bad weights files are refused with a visible error; the old model still samples', { timeout: 120_000 }, async () => {
  const good = readFileSync(path.join(WWW, 'weights/vae.bpk'));
  const bad = [
    { name: 'random.bpk', mimeType: 'application/octet-stream', buffer: randomBytes(4096) },
    { name: 'truncated.bpk', mimeType: 'application/octet-stream', buffer: good.subarray(0, Math.floor(good.length / 2)) },
    // Three bytes flipped in the tensor data: still valid burnpack, caught by the checksum.
    { name: 'damaged.bpk', mimeType: 'application/octet-stream', buffer: damaged(good), expect: /the file is damaged: its checksum does not match/ },
  ];
  await withPage(env.browser, async (page) => {
    await page.goto(`${env.url}family.html?family=vae&backend=cpu`);
    await waitReady(page);
    const baseline = await sample(page);
    for (const file of bad) {
      await page.evaluate(() => document.querySelector('#error .dismiss')?.click());
      await page.setInputFiles('#weights-file', file);
      const error = page.locator('#error');
      await error.waitFor({ state: 'visible', timeout: 30_000 });
      const text = await error.textContent();
      assert.match(text, new RegExp(`could not load '${file.name}'`), text);
      assert.match(text, /weights|burnpack|file/i, text);
      if (file.expect) assert.match(text, file.expect, text);
      assert.deepEqual(await sample(page), baseline, `after ${file.name}, the model is unchanged`);
    }
    await page.click('#sample-btn');
    assertDigits(assert, await canvasStats(page, '#samples'), 'samples after the bad files');

    // And a good file loads.
    await page.evaluate(() => document.querySelector('#error .dismiss')?.click());
    await page.setInputFiles('#weights-file', { name: 'vae.bpk', mimeType: 'application/octet-stream', buffer: good });
    await page.locator('#notice').waitFor({ state: 'visible', timeout: 30_000 });
    assert.match(await page.locator('#notice').textContent(), /loaded 'vae.bpk'/);
    assert.equal(await page.locator('#error').isVisible(), false);
    assert.deepEqual(await sample(page), baseline);
  });
});

test('download saves the current weights as vae-trained.bpk', { timeout: 120_000 }, async () => {
  await withPage(env.browser, async (page) => {
    await page.goto(`${env.url}family.html?family=vae&backend=cpu`);
    await waitReady(page);
    const [download] = await Promise.all([page.waitForEvent('download', { timeout: 60_000 }), page.click('#download')]);
    assert.equal(download.suggestedFilename(), 'vae-trained.bpk');
    const bytes = readFileSync(await download.path());
    assert.ok(bytes.length > 100_000, `${bytes.length} bytes`);
    // What was saved loads back.
    const baseline = await sample(page);
    await page.setInputFiles('#weights-file', { name: 'vae-trained.bpk', mimeType: 'application/octet-stream', buffer: bytes });
    await page.locator('#notice').waitFor({ state: 'visible', timeout: 30_000 });
    assert.deepEqual(await sample(page), baseline);
  });
});
