// The variational autoencoder's page: samples from the prior, reconstructions, the latent
// space (interpolation; the manifold for a 2-D latent), the ELBO, and live training.
//
// Element ids (stable; the browser tests rely on them):
//   #samples (canvas) #sample-seed #sample-btn #sample-new
//   #recon (canvas: test digits above, reconstructions below) #recon-other
//   #interp-a #interp-b #interp-btn #interp (canvas) #manifold (canvas) #manifold-note
//   #likelihood-btn #likelihood
//   #train-params (controls; inputs #param-KEY) #from-scratch #from-pretrained #train-steps
//   #train-chunk #train-start #train-pause #train-stop #train-reset #progress #train-step
//   #steps-per-sec #images-per-sec #train-state #loss-recon #loss-kl (latest values) #loss-chart
//   #download #weights-file #weights-info

import { LossChart } from '../ui/chart.js';
import { renderControls } from '../ui/controls.js';
import { el, num, numberField, randomSeed, readInt } from '../ui/dom.js';
import { concat, drawGrid } from '../ui/grid.js';
import { guard, showError, showNotice } from '../ui/page.js';

const TEST_DIGITS = 10000;
const ROW = 8;

function section(title, ...children) {
  return el('section', { className: 'panel' }, el('h2', { textContent: title }), ...children);
}

function describeConfig(config, info) {
  return info.hyper.map((h) => `${h.label} ${Number(config[h.key].toPrecision(4))}`).join(' · ');
}

/**
 * @param {HTMLElement} root
 * @param {import('../genlab.js').GenLab} lab
 * @param {import('../genlab.js').FamilyInfo} info
 */
export async function mount(root, lab, info) {
  const F = info.name;
  let destroyed = false;
  let run = null;
  let reconIndices = [0, 1, 2, 3, 4, 5, 6, 7];

  // ---- Samples
  const samples = el('canvas', { id: 'samples', className: 'grid', title: 'samples from the prior' });
  const seed = numberField('sample-seed', 'seed', { value: 0, min: 0, max: 4294967295 });
  const sampleBtn = el('button', { type: 'button', id: 'sample-btn', textContent: 'sample' });
  const sampleNew = el('button', { type: 'button', id: 'sample-new', textContent: 'new seed' });
  const samplesPanel = section(
    'Samples from the prior',
    el('p', { className: 'explain', textContent: 'Codes z drawn from N(0, I), decoded into pixel probabilities. The same seed gives the same digits.' }),
    el('div', { className: 'canvas-box' }, samples),
    el('div', { className: 'actions' }, seed.node, sampleBtn, sampleNew),
  );

  // ---- Reconstructions
  const recon = el('canvas', { id: 'recon', className: 'grid', title: 'test digits (top) and their reconstructions (bottom)' });
  const reconLabels = el('p', { className: 'explain', id: 'recon-labels' });
  const reconOther = el('button', { type: 'button', id: 'recon-other', textContent: 'other digits' });
  const reconPanel = section(
    'Reconstructions',
    el('p', { className: 'explain', textContent: 'Test digits (top) encoded to their posterior mean and decoded again (bottom).' }),
    el('div', { className: 'canvas-box' }, recon),
    reconLabels,
    el('div', { className: 'actions' }, reconOther),
  );

  // ---- Latent space
  const ia = numberField('interp-a', 'from test digit', { value: 3, min: 0, max: TEST_DIGITS - 1 });
  const ib = numberField('interp-b', 'to test digit', { value: 2, min: 0, max: TEST_DIGITS - 1 });
  const interpBtn = el('button', { type: 'button', id: 'interp-btn', textContent: 'interpolate' });
  const interp = el('canvas', { id: 'interp', className: 'grid', title: 'decoded points on the line between two codes' });
  const manifold = el('canvas', { id: 'manifold', className: 'grid', title: 'the 2-D latent space, decoded', hidden: true });
  const manifoldNote = el('p', { id: 'manifold-note', className: 'note' });
  const latentPanel = section(
    'Latent space',
    el('p', { className: 'explain', textContent: 'Ten steps on the straight line between the codes of two test digits.' }),
    el('div', { className: 'actions' }, ia.node, ib.node, interpBtn),
    el('div', { className: 'canvas-box' }, interp),
    el('h3', { textContent: 'Manifold' }),
    el('p', { className: 'explain', textContent: 'With a 2-D latent: a 15 × 15 grid of codes over [-2.5, 2.5]², decoded.' }),
    manifoldNote,
    el('div', { className: 'canvas-box' }, manifold),
  );

  // ---- Likelihood
  const llBtn = el('button', { type: 'button', id: 'likelihood-btn', textContent: 'compute the ELBO' });
  const llOut = el('span', { id: 'likelihood', className: 'readout' });
  const llPanel = section(
    'Likelihood',
    el('p', { className: 'explain', textContent: 'The evidence lower bound on log p(x), averaged over 500 test digits (binarised): higher is better.' }),
    el('div', { className: 'actions' }, llBtn, llOut),
  );

  // ---- Training
  const paramsBox = el('div', { id: 'train-params' });
  const fromScratch = el('input', { type: 'radio', name: 'from', id: 'from-scratch', value: 'scratch', checked: true });
  const fromPretrained = el('input', { type: 'radio', name: 'from', id: 'from-pretrained', value: 'pretrained' });
  const steps = numberField('train-steps', 'total steps', { value: 2000, min: 1, max: 1000000 });
  const chunk = numberField('train-chunk', 'steps per update', { value: 5, min: 1, max: 1000, title: 'training steps between two progress updates' });
  const startBtn = el('button', { type: 'button', id: 'train-start', className: 'primary', textContent: 'start' });
  const pauseBtn = el('button', { type: 'button', id: 'train-pause', textContent: 'pause', disabled: true });
  const stopBtn = el('button', { type: 'button', id: 'train-stop', textContent: 'stop', disabled: true });
  const resetBtn = el('button', { type: 'button', id: 'train-reset', textContent: 'reset', title: 'stop and go back to the pretrained weights' });
  const progress = el('progress', { id: 'progress', max: 1, value: 0 });
  const stepText = el('span', { id: 'train-step', textContent: '–' });
  const sps = el('span', { id: 'steps-per-sec', textContent: '–' });
  const ips = el('span', { id: 'images-per-sec', textContent: '–' });
  const stateText = el('span', { id: 'train-state', textContent: 'idle' });
  const lossOut = Object.fromEntries(info.losses.map((l) => [l.key, el('span', { id: `loss-${l.key}`, className: 'readout', textContent: '–' })]));
  const chartBox = el('div', { id: 'loss-chart', className: 'chart' });
  const trainPanel = section(
    'Train it yourself',
    el('p', { className: 'explain', textContent: 'Training runs in a worker, a few steps at a time; the samples above refresh as it learns.' }),
    paramsBox,
    el(
      'div',
      { className: 'actions' },
      el('label', { className: 'field' }, fromScratch, ' from scratch'),
      el('label', { className: 'field' }, fromPretrained, ' fine-tune the pretrained model'),
    ),
    el('div', { className: 'actions' }, steps.node, chunk.node),
    el('div', { className: 'actions' }, startBtn, pauseBtn, stopBtn, resetBtn),
    el(
      'div',
      { className: 'progress-row' },
      progress,
      el('span', {}, 'step ', stepText),
      el('span', {}, sps, ' steps/s'),
      el('span', {}, ips, ' images/s'),
      el('span', {}, 'state: ', stateText),
    ),
    el('div', { className: 'losses' }, ...info.losses.map((l) => el('span', {}, `${l.label}: `, lossOut[l.key]))),
    chartBox,
  );

  // ---- Weights
  const download = el('button', { type: 'button', id: 'download', textContent: 'download weights' });
  const file = el('input', { type: 'file', id: 'weights-file', accept: '.bpk,application/octet-stream' });
  const weightsInfo = el('p', { id: 'weights-info', className: 'explain' });
  const weightsPanel = section(
    'Weights',
    el('p', { className: 'explain', textContent: 'Save the current model as a burnpack file, or load one (from this page or from the CLI).' }),
    el('div', { className: 'actions' }, download, el('label', { className: 'field' }, 'load ', file)),
    weightsInfo,
  );

  root.classList.add('view', `view-${F}`);
  root.append(
    el('div', { className: 'columns' }, samplesPanel, reconPanel),
    latentPanel,
    trainPanel,
    el('div', { className: 'columns' }, llPanel, weightsPanel),
  );
  const chart = new LossChart(chartBox, info.losses);

  // ---- Drawing
  async function drawSamples() {
    const s = readInt(seed.input, 'seed', 0, 4294967295);
    const out = await lab.sample(F, { n: 16, seed: s });
    drawGrid(samples, out.pixels, { n: 16, cols: 4, scale: 4 });
  }

  async function drawRecon() {
    const r = await lab.reconstruct(F, { indices: reconIndices });
    drawGrid(recon, concat(r.originals, r.reconstructions), { n: 2 * ROW, cols: ROW, scale: 3 });
    reconLabels.textContent = `labels: ${Array.from(r.labels).join(' ')}`;
  }

  async function drawInterp() {
    const a = readInt(ia.input, 'first test digit', 0, TEST_DIGITS - 1);
    const b = readInt(ib.input, 'second test digit', 0, TEST_DIGITS - 1);
    const out = await lab.interpolate(F, { a, b, steps: 10 });
    drawGrid(interp, out.pixels, { n: 10, cols: 10, scale: 3 });
  }

  async function drawManifold(config) {
    if (config.latent !== 2) {
      manifold.hidden = true;
      manifoldNote.hidden = false;
      manifoldNote.textContent = `This model's latent has ${config.latent} dimensions: train one with latent size 2 to see its manifold.`;
      return;
    }
    const out = await lab.manifold(F, { side: 15, extent: 2.5 });
    drawGrid(manifold, out.pixels, { n: 225, cols: 15, scale: 2 });
    manifold.hidden = false;
    manifoldNote.hidden = true;
  }

  /** Everything that shows the model (after it changed). */
  async function refreshModel() {
    const config = await lab.config(F);
    weightsInfo.textContent = `current model: ${describeConfig(config, info)}`;
    await guard(drawRecon);
    await guard(drawInterp);
    await guard(() => drawManifold(config));
    llOut.textContent = '';
  }

  // ---- Controls
  const pretrainedConfig = await lab.config(F);
  const controls = renderControls(paramsBox, info.hyper, { values: Object.fromEntries(info.hyper.map((h) => [h.key, h.default])) });
  let scratchValues = controls.values();
  function syncFrom() {
    if (fromPretrained.checked) {
      scratchValues = controls.values();
      // Fine-tuning keeps the network: its shape comes from the pretrained file.
      controls.set(Object.fromEntries(info.hyper.filter((h) => h.architecture).map((h) => [h.key, pretrainedConfig[h.key]])));
      controls.disable((h) => h.architecture);
    } else {
      controls.set(Object.fromEntries(info.hyper.filter((h) => h.architecture).map((h) => [h.key, scratchValues[h.key]])));
      controls.disable(() => false);
    }
  }
  fromScratch.addEventListener('change', syncFrom);
  fromPretrained.addEventListener('change', syncFrom);

  sampleBtn.addEventListener('click', () => guard(drawSamples));
  sampleNew.addEventListener('click', () => {
    seed.input.value = String(randomSeed());
    guard(drawSamples);
  });
  seed.input.addEventListener('change', () => guard(drawSamples));
  reconOther.addEventListener('click', () => {
    reconIndices = Array.from({ length: ROW }, () => Math.floor(Math.random() * TEST_DIGITS));
    guard(drawRecon);
  });
  interpBtn.addEventListener('click', () => guard(drawInterp));
  llBtn.addEventListener('click', () =>
    guard(async () => {
      llBtn.disabled = true;
      llOut.textContent = 'computing…';
      try {
        const r = await lab.likelihood(F, { n: 500 });
        llOut.textContent = `log p(x) ≥ ${num(r.nats, 1)} nats (${num(r.bits_per_dim, 3)} bits/dim) over ${r.n} test digits`;
      } catch (e) {
        llOut.textContent = '';
        throw e;
      } finally {
        llBtn.disabled = false;
      }
    }),
  );

  // ---- Training
  function setButtons() {
    const active = run?.active ?? false;
    startBtn.disabled = active;
    pauseBtn.disabled = !active;
    stopBtn.disabled = !active;
    pauseBtn.textContent = run?.state === 'paused' ? 'resume' : 'pause';
    stateText.textContent = run ? run.state : 'idle';
    fromScratch.disabled = fromPretrained.disabled = active;
  }

  function resetProgress(total = 1) {
    chart.reset();
    progress.max = total;
    progress.value = 0;
    stepText.textContent = '–';
    sps.textContent = ips.textContent = '–';
    for (const out of Object.values(lossOut)) out.textContent = '–';
  }

  function start() {
    if (run?.active) throw new Error('a training run is already active');
    const from = fromPretrained.checked ? 'pretrained' : 'scratch';
    const total = readInt(steps.input, 'total steps', 1, 1000000);
    const perUpdate = readInt(chunk.input, 'steps per update', 1, 1000);
    let params = controls.values();
    if (from === 'pretrained') params = Object.fromEntries(Object.entries(params).filter(([k]) => !info.hyper.find((h) => h.key === k).architecture));
    const handle = lab.train(F, { params, from, steps: total, chunk: perUpdate, seed: randomSeed() % 65536, sampleEvery: Math.max(50, perUpdate), sampleN: 16 });
    run = handle;
    window.genlabRun = handle;
    window.genlabHistory = handle.history;
    resetProgress(total);
    handle.on('progress', (p) => {
      if (destroyed || run !== handle) return;
      progress.value = p.step;
      stepText.textContent = `${p.step} / ${p.total}`;
      sps.textContent = num(p.stepsPerSec, 1);
      ips.textContent = num(p.imagesPerSec, 0);
      for (const [k, out] of Object.entries(lossOut)) out.textContent = num(p.losses[k], 2);
      chart.add(p.step, p.losses);
      if (p.samples) drawGrid(samples, p.samples.pixels, { n: p.samples.n, cols: 4, scale: 4 });
    });
    handle.on('state', ({ state, error }) => {
      if (destroyed || run !== handle) return;
      setButtons();
      if (state === 'error') showError(`training failed: ${error}`);
      if (state === 'done' || state === 'stopped') guard(refreshModel);
    });
    setButtons();
  }

  startBtn.addEventListener('click', () => guard(start));
  pauseBtn.addEventListener('click', () => guard(() => (run?.state === 'paused' ? run.resume() : run?.pause())));
  stopBtn.addEventListener('click', () => guard(() => run?.stop()));
  resetBtn.addEventListener('click', () =>
    guard(async () => {
      resetBtn.disabled = true;
      try {
        if (run?.active) {
          await run.stop();
          await run.done.catch(() => {});
        }
        run = null;
        setButtons();
        resetProgress();
        await lab.loadPretrained(F);
        await drawSamples();
        await refreshModel();
      } finally {
        resetBtn.disabled = false;
      }
    }),
  );

  // ---- Weights
  download.addEventListener('click', () =>
    guard(async () => {
      const bytes = await lab.exportWeights(F);
      const url = URL.createObjectURL(new Blob([bytes], { type: 'application/octet-stream' }));
      const a = el('a', { href: url, download: `${F}-trained.bpk` });
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10000);
    }),
  );
  file.addEventListener('change', () =>
    guard(async () => {
      const f = file.files?.[0];
      file.value = '';
      if (!f) return;
      if (run?.active) throw new Error('stop training before loading weights');
      let config;
      try {
        config = await lab.loadWeights(F, new Uint8Array(await f.arrayBuffer()));
      } catch (e) {
        throw new Error(`could not load '${f.name}': ${e.message} (the previous model is kept)`);
      }
      showNotice(`loaded '${f.name}': ${describeConfig(config, info)}`);
      await drawSamples();
      await refreshModel();
    }),
  );

  // ---- First pictures: samples first (the page is "ready" then), the rest after.
  setButtons();
  weightsInfo.textContent = `current model: ${describeConfig(pretrainedConfig, info)} (pretrained)`;
  try {
    await drawSamples();
    document.body.dataset.ready = '1';
  } catch (e) {
    showError(e);
    document.body.dataset.ready = 'error';
  }
  (async () => {
    await guard(drawRecon);
    await guard(drawInterp);
    await guard(() => drawManifold(pretrainedConfig));
  })();

  return () => {
    destroyed = true;
    if (run?.active) run.stop().catch(() => {});
    chart.destroy();
  };
}
