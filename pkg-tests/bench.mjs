// `./build.sh bench`, the browser half: training throughput in headless Chromium on the Flex
// CPU backend and on WebGPU (SwiftShader on a GPU-less machine: it proves the path, its speed
// says nothing about a real GPU), time from page load to the first drawn samples, and the wasm
// size. Prints one markdown table together with the native figures build.sh measured first.
//
//   node bench.mjs [native.json ...]   each file: JSON lines written by `genlab bench`
//
// Benchmarks, not tests: nothing here asserts a speed.

import { execFileSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import os from 'node:os';
import path from 'node:path';
import { launch, serve, withPage, WWW } from './lib/harness.mjs';

const STEPS = Number(process.env.BENCH_STEPS || 30);
const GPU_STEPS = Number(process.env.BENCH_GPU_STEPS || 4);
// Digits per timed draw: the gallery's and the views' grids.
const SAMPLE_N = 16;
const BATCH = 64;
// Families differ 1000-fold in step time (naive Bayes counts, DDPM runs a U-Net): each timed
// run takes as many steps as fit in about this many seconds by its warm-up step, 2..STEPS.
const SECONDS = Number(process.env.BENCH_SECONDS || 12);
// On the software WebGPU (SwiftShader, 10-30x slower than the CPU) only families whose CPU
// warm-up step took under this many seconds are tried.
const GPU_MAX_CPU_STEP_S = Number(process.env.BENCH_GPU_MAX_STEP_S || 1);
// Default: every family in the registry (BENCH_FAMILIES=a,b picks some).
const ONLY = process.env.BENCH_FAMILIES?.split(',');

const GZ_BUDGET_MB = 3.64;

/** "genlab 0.1.0 (abc1234)": Cargo.toml's version and the commit built (with "+changes" if dirty). */
function releaseName() {
  const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
  const version = readFileSync(path.join(root, 'Cargo.toml'), 'utf8').match(/^version = "([^"]+)"/m)?.[1] ?? '?';
  let commit = '';
  try {
    commit = execFileSync('git', ['-C', root, 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['-C', root, 'status', '--porcelain', '--untracked-files=no'], { encoding: 'utf8' }).trim();
    if (dirty) commit += '+changes';
  } catch {
    commit = 'no git';
  }
  return `genlab ${version} (${commit})`;
}

const rows = [];
const row = (what, backend, value, note = '') => rows.push({ what, backend, value, note });

for (const file of process.argv.slice(2)) {
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line.trim().startsWith('{')) continue;
    const r = JSON.parse(line);
    row(`${r.family} training, batch ${r.batch}`, 'Flex, native', `${r.steps_per_s.toFixed(1)} steps/s, ${r.images_per_s.toFixed(0)} images/s`, `${r.steps} steps after 1 warm-up`);
    if (r.sample64_ms != null) row(`${r.family} sampling 64 digits`, 'Flex, native', `${r.sample64_ms.toFixed(1)} ms`);
  }
}

/**
 * Trains `family` after a one-step warm-up (shader compilation, allocation: excluded), for
 * as many steps as fit in `seconds` by the warm-up's time (between 2 and `maxSteps`); returns
 * steps/s from the worker's own timing, the steps run and the warm-up's seconds.
 */
async function browserTraining(browser, server, backend, family, maxSteps, seconds) {
  return withPage(browser, async (page) => {
    page.setDefaultTimeout(600_000);
    await page.goto(`${server.url}__test/blank.html`);
    return page.evaluate(
      async ({ backend, family, maxSteps, seconds, batch }) => {
        const { GenLab } = await import('/js/genlab.js');
        const lab = await GenLab.open({ backend });
        if (lab.backend !== backend) return { error: `${backend} unavailable: ${lab.backendReason}` };
        await lab.testDigits([0]); // MNIST fetched and parsed before the clock starts
        const w0 = performance.now();
        await lab.train(family, { params: { batch }, steps: 1, chunk: 1, sampleEvery: 0, snapshotEvery: 0 }).done;
        const warm = (performance.now() - w0) / 1000;
        const steps = Math.max(2, Math.min(maxSteps, Math.floor(seconds / warm)));
        const run = lab.train(family, { params: { batch }, steps, chunk: steps, sampleEvery: 0, snapshotEvery: 0 });
        const t0 = performance.now();
        let sps = 0;
        run.on('progress', (p) => (sps = p.stepsPerSec));
        await run.done;
        const wall = (performance.now() - t0) / 1000;
        const adapter = lab.adapter ? `${lab.adapter.vendor} ${lab.adapter.architecture}`.trim() : '';
        lab.close();
        return { sps, wall, adapter, steps, warm };
      },
      { backend, family, maxSteps, seconds, batch: BATCH },
    );
  });
}

/**
 * Milliseconds to draw `n` digits with the shipped weights and default sampler settings, after
 * one warm-up draw (the median of three): what a reader waits for. Autoregressive and
 * diffusion families run hundreds of dependent steps, so this is where they differ.
 */
async function browserSampling(browser, server, backend, family, n) {
  return withPage(browser, async (page) => {
    page.setDefaultTimeout(600_000);
    await page.goto(`${server.url}__test/blank.html`);
    return page.evaluate(
      async ({ backend, family, n }) => {
        const { GenLab } = await import('/js/genlab.js');
        const lab = await GenLab.open({ backend });
        if (lab.backend !== backend) return { error: `${backend} unavailable: ${lab.backendReason}` };
        await lab.loadPretrained(family);
        await lab.sample(family, { n, seed: 0 });
        const times = [];
        for (let seed = 1; seed <= 3; seed++) {
          const t0 = performance.now();
          await lab.sample(family, { n, seed });
          times.push(performance.now() - t0);
        }
        lab.close();
        times.sort((a, b) => a - b);
        return { ms: times[1] };
      },
      { backend, family, n },
    );
  });
}

/** The registry's families (or BENCH_FAMILIES), in its order: every family trains. */
async function trainableFamilies(browser, server) {
  return withPage(browser, async (page) => {
    await page.goto(`${server.url}__test/blank.html`);
    const all = await page.evaluate(async () => {
      const { GenLab } = await import('/js/genlab.js');
      const lab = await GenLab.open({ backend: 'cpu' });
      const out = lab.families().map((f) => f.name);
      lab.close();
      return out;
    });
    return ONLY ? ONLY.filter((f) => all.includes(f)) : all;
  });
}

/** Milliseconds from navigation start to the gallery's first drawn samples (CPU backend). */
async function firstSamples(browser, server) {
  const times = [];
  for (let i = 0; i < 3; i++) {
    const t = await withPage(browser, async (page) => {
      await page.goto(`${server.url}index.html?backend=cpu`);
      await page.waitForFunction(() => performance.getEntriesByName('genlab-first-samples').length > 0, null, { timeout: 120_000 });
      return page.evaluate(() => performance.getEntriesByName('genlab-first-samples')[0].startTime);
    });
    times.push(t);
  }
  return times;
}

const server = await serve();
try {
  const cpu = await launch({ webgpu: false });
  const gpuFamilies = [];
  try {
    for (const family of await trainableFamilies(cpu, server)) {
      const t = await browserTraining(cpu, server, 'cpu', family, STEPS, SECONDS);
      if (t.error) row(`${family} training`, 'Flex, wasm (Chromium)', 'n/a', t.error);
      else row(`${family} training, batch ${BATCH}`, 'Flex, wasm (Chromium)', `${t.sps.toFixed(2)} steps/s, ${(t.sps * BATCH).toFixed(0)} images/s`, `${t.steps} steps, one thread`);
      if (!t.error && t.warm < GPU_MAX_CPU_STEP_S) gpuFamilies.push(family);
    }
    for (const family of await trainableFamilies(cpu, server)) {
      const t = await browserSampling(cpu, server, 'cpu', family, SAMPLE_N);
      if (t.error) row(`${family} sampling ${SAMPLE_N} digits`, 'Flex, wasm (Chromium)', 'n/a', t.error);
      else row(`${family} sampling ${SAMPLE_N} digits`, 'Flex, wasm (Chromium)', `${t.ms.toFixed(0)} ms (${((SAMPLE_N * 1000) / t.ms).toFixed(1)} digits/s)`, 'shipped weights, default settings, median of 3');
    }
    const times = await firstSamples(cpu, server);
    row('page load to first samples (gallery)', 'Flex, wasm (Chromium)', `${Math.min(...times).toFixed(0)} ms best, ${Math.max(...times).toFixed(0)} ms worst of ${times.length}`, 'budget 2000 ms');
  } finally {
    await cpu.close();
  }
  const gpu = await launch({ webgpu: true });
  try {
    for (const family of gpuFamilies) {
      const t = await browserTraining(gpu, server, 'webgpu', family, GPU_STEPS, SECONDS * 4);
      if (t.error) row(`${family} training`, 'WebGPU (Chromium)', 'n/a', t.error);
      else row(`${family} training, batch ${BATCH}`, `WebGPU (${t.adapter || 'adapter'})`, `${t.sps.toFixed(2)} steps/s, ${(t.sps * BATCH).toFixed(0)} images/s`, `${t.steps} steps`);
    }
    for (const family of await trainableFamilies(gpu, server)) {
      const t = await browserSampling(gpu, server, 'webgpu', family, SAMPLE_N);
      if (t.error) row(`${family} sampling ${SAMPLE_N} digits`, 'WebGPU (Chromium)', 'n/a', t.error);
      else row(`${family} sampling ${SAMPLE_N} digits`, 'WebGPU (Chromium)', `${t.ms.toFixed(0)} ms (${((SAMPLE_N * 1000) / t.ms).toFixed(1)} digits/s)`, 'software adapter here: proves the path, not its speed');
    }
  } finally {
    await gpu.close();
  }
} finally {
  await server.close();
}

const wasm = path.join(WWW, 'pkg/genlab_bg.wasm');
const raw = statSync(wasm).size;
const gz = gzipSync(readFileSync(wasm), { level: 9 }).length;
// Issue #16's budget, with every family: the size #16 was filed at. Named with the release
// (the crate's version and commit) so that figures from several runs line up.
const release = releaseName();
row(`wasm size, ${release}`, '-', `${(raw / 1e6).toFixed(2)} MB raw, ${(gz / 1e6).toFixed(2)} MB gzipped`, `budget ${GZ_BUDGET_MB} MB gzipped: ${gz / 1e6 <= GZ_BUDGET_MB ? 'within' : 'OVER'}`);

const cpus = os.cpus();
console.log(`\nMachine: ${cpus.length} x ${cpus[0]?.model?.trim() || 'CPU'}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, ${os.platform()} ${os.release()}\n`);
console.log('| what | backend | figure | note |');
console.log('| --- | --- | --- | --- |');
for (const r of rows) console.log(`| ${r.what} | ${r.backend} | ${r.value} | ${r.note} |`);
