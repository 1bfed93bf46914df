// c. Backend choice: without WebGPU the page runs on the CPU (also when WebGPU is asked for by
// name, and fails to start); with WebGPU offered only by
// SwiftShader (a software renderer), 'auto' still picks the CPU and says why.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertDigits, canvasStats, launch, waitReady, withPage } from '../lib/harness.mjs';
import { testEnv } from '../lib/fixtures.mjs';

const env = testEnv({ browser: false });

test('without WebGPU the page falls back to the CPU and still draws digits', { timeout: 120_000 }, async () => {
  const browser = await launch({ webgpu: false });
  try {
    await withPage(browser, async (page) => {
      await page.goto(`${env.url}index.html?backend=auto`);
      await waitReady(page);
      const text = await page.locator('#backend').textContent();
      assert.match(text, /^Backend: CPU \(Flex\) — \S/, `indicator: ${text}`);
      assert.equal(await page.evaluate(() => window.genlab.backend), 'cpu');
      assertDigits(assert, await canvasStats(page, '#samples-vae'), 'CPU samples');
    });
    // WebGPU asked for by name, where it cannot start: the CPU runs, and the page says why.
    await withPage(browser, async (page) => {
      await page.goto(`${env.url}family.html?family=vae&backend=webgpu`);
      await waitReady(page);
      const text = await page.locator('#backend').textContent();
      assert.match(text, /^Backend: CPU \(Flex\) — WebGPU failed to start \(.+\): using the CPU backend/, `indicator: ${text}`);
      assert.equal(await page.evaluate(() => window.genlab.backend), 'cpu');
      assertDigits(assert, await canvasStats(page, '#samples'), 'CPU samples after the failed start');
    });
  } finally {
    await browser.close();
  }
});

test("'auto' does not choose a software WebGPU adapter", { timeout: 120_000 }, async () => {
  const browser = await launch({ webgpu: true });
  try {
    await withPage(browser, async (page) => {
      await page.goto(`${env.url}index.html?backend=auto`);
      await waitReady(page);
      // What this browser offers (in a worker, where the lab runs).
      const offered = await page.evaluate(async () => {
        const src = `(async () => {
          const a = navigator.gpu && await navigator.gpu.requestAdapter();
          postMessage(a ? { architecture: a.info.architecture, vendor: a.info.vendor, description: a.info.description, fallback: !!(a.isFallbackAdapter || a.info.isFallbackAdapter) } : null);
        })()`;
        const w = new Worker(URL.createObjectURL(new Blob([src], { type: 'text/javascript' })));
        return new Promise((r) => (w.onmessage = (e) => r(e.data)));
      });
      const { backend, reason } = await page.evaluate(() => ({ backend: window.genlab.backend, reason: window.genlab.backendReason }));
      const text = await page.locator('#backend').textContent();
      const software = offered && (offered.architecture === 'swiftshader' || offered.fallback || /swiftshader/i.test(`${offered.vendor} ${offered.description}`));
      if (!offered) {
        assert.equal(backend, 'cpu');
        assert.match(reason, /no WebGPU adapter|not available/);
      } else if (software) {
        assert.equal(backend, 'cpu', `SwiftShader (${JSON.stringify(offered)}) must not be chosen`);
        assert.match(reason, /software renderer \(SwiftShader\)/);
        assert.match(text, /^Backend: CPU \(Flex\) — WebGPU adapter is a software renderer/);
      } else {
        assert.equal(backend, 'webgpu', `a hardware adapter (${JSON.stringify(offered)}) is used`);
        assert.match(text, /^Backend: WebGPU \(/);
      }
      assertDigits(assert, await canvasStats(page, '#samples-vae'), 'samples');
    });
  } finally {
    await browser.close();
  }
});
