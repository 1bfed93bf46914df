// The GAN's page (both `gan` and the class-conditional `cgan`): samples from fixed noise, the
// judge's class histogram (mode collapse made visible), the latent space (blending two noise
// vectors, editing the first dimensions of one, and for cgan one z drawn as every digit),
// live training with the two players' losses, D(x) vs D(G(z)), and a fixed-noise grid with a
// scrubber over every snapshot; then evaluation and weights.
//
// Element ids (stable; the browser tests rely on them):
//   #samples (canvas) #sample-seed #sample-btn #sample-new #sample-label (cgan: '' never,
//     'all' = one row per digit, '0'..'9')
//   the judge's (ui/judge.js): #class-histogram #class-warning #class-source #class-summary
//   #interp-a #interp-b (noise seeds) #interp-btn #interp (canvas) #latent-label (cgan)
//   #z-seed #z-0 .. #z-5 (range inputs over the first six dimensions) #z-reset #z-image
//   (canvas) #every-class (cgan: the same z as each digit)
//   the training panel's (ui/training.js), with #train-sample-every, #loss-chart (D and G
//     losses) and #dx-chart (D(x) and D(G(z))); #train-samples (canvas: the fixed-noise
//     grid) #snapshot-scrubber (range over the snapshots so far) #snapshot-step (its step)
//   the evaluate panel's (ui/evaluate.js) and the weights panel's (ui/weights.js)

import { el, latestOnly, numberField, panel, readInt } from '../ui/dom.js';
import { evaluatePanel } from '../ui/evaluate.js';
import { drawGrid } from '../ui/grid.js';
import { judgeView } from '../ui/judge.js';
import { labelOptions, labelPicker, labelRequest } from '../ui/labels.js';
import { guard, showError } from '../ui/page.js';
import { SampleGrid, seedRow } from '../ui/samples.js';
import { Scrubber } from '../ui/scrubber.js';
import { trainingPanel } from '../ui/training.js';
import { weightsPanel } from '../ui/weights.js';

const MAX_SEED = 4294967295;
/** 64 samples: enough for the judge's histogram to mean something (16 miss digits by chance). */
const N = 64;
const COLS = 8;
const EDITABLE = 6;
const BLEND = 10;
/** Snapshots kept for the scrubber; beyond it every other old one is dropped. */
const MAX_SNAPSHOTS = 240;

/**
 * @param {HTMLElement} root
 * @param {import('../genlab.js').GenLab} lab
 * @param {import('../genlab.js').FamilyInfo} info
 */
export async function mount(root, lab, info) {
  const F = info.name;
  const conditional = info.capabilities.conditional;
  // Ask the worker first: if the lab closes under us (a backend switch), nothing has been
  // built yet that would need cleaning up.
  const pretrained = await lab.config(F);
  const cleanups = [];

  // ---- Samples, and what the judge reads in them
  const grid = new SampleGrid({ title: 'samples', cols: COLS, scale: 2 });
  const seed = seedRow((s) => drawSamples(s));
  const picker = conditional ? labelPicker('sample-label', { none: null, value: 'all' }) : null;
  picker?.input.addEventListener('change', () => guard(() => drawSamples(seed.read())));
  const samplesPanel = panel(
    'Samples',
    {
      explain: conditional
        ? 'The generator turns a noise vector z and a requested digit into an image. Ask for every digit (a row each) or one.'
        : 'The generator turns a noise vector z ~ N(0, I) into an image in one pass. The same seed gives the same noise.',
    },
    el('div', { className: 'canvas-box' }, grid.canvas),
    el('div', { className: 'actions' }, ...seed.nodes, picker?.node),
  );
  const judge = judgeView(lab);
  cleanups.push(() => judge.destroy());
  const judgePanel = panel(
    'Mode collapse',
    {
      id: 'mode-collapse',
      explain:
        'A generator can win its game by drawing only the digits that fool the discriminator best: mode collapse. A classifier (the judge) reads the samples on screen; a digit missing from its histogram is one the generator no longer draws.',
    },
    ...judge.nodes,
  );

  // ---- Latent space
  const ia = numberField('interp-a', 'from noise seed', { value: 1, min: 0, max: MAX_SEED });
  const ib = numberField('interp-b', 'to noise seed', { value: 2, min: 0, max: MAX_SEED });
  const latentLabel = conditional ? labelPicker('latent-label', { label: 'as the digit', none: null, all: null, value: 3 }) : null;
  const interpBtn = el('button', { type: 'button', id: 'interp-btn', textContent: 'blend' });
  const interp = el('canvas', { id: 'interp', className: 'grid', title: 'decoded blends of two noise vectors' });
  const zSeed = numberField('z-seed', 'noise seed', { value: 7, min: 0, max: MAX_SEED });
  const zReset = el('button', { type: 'button', id: 'z-reset', textContent: 'back to the seed' });
  const zImage = el('canvas', { id: 'z-image', className: 'grid', title: 'the edited code, decoded' });
  const everyClass = conditional ? el('canvas', { id: 'every-class', className: 'grid', title: 'the same z decoded as each digit' }) : null;
  const sliders = Array.from({ length: EDITABLE }, (_, i) => el('input', { type: 'range', id: `z-${i}`, min: -3, max: 3, step: 0.05, value: 0, 'aria-label': `z${i + 1}` }));
  const sliderValues = sliders.map(() => el('span', { className: 'readout', textContent: '0.00' }));
  const zDims = el('p', { className: 'explain' });
  const latentPanel = panel(
    'Latent space',
    { id: 'latent', explain: 'Every image is a function of its noise vector z: nearby vectors give similar digits.' },
    el('h3', { textContent: 'Blend two noise vectors' }),
    el('p', { className: 'explain', textContent: `z = (1 − a) z₁ + a z₂ for ${BLEND} values of a from 0 to 1, each decoded by the generator.` }),
    el('div', { className: 'actions' }, ia.node, ib.node, latentLabel?.node, interpBtn),
    el('div', { className: 'canvas-box' }, interp),
    el('h3', { textContent: 'Edit one noise vector' }),
    zDims,
    el('div', { className: 'actions' }, zSeed.node, zReset),
    el(
      'div',
      { className: 'z-editor' },
      el('div', { className: 'z-sliders' }, ...sliders.map((s, i) => el('label', { className: 'field', htmlFor: s.id }, `z${i + 1}`, s, sliderValues[i]))),
      el('div', { className: 'canvas-box' }, zImage),
    ),
    conditional ? el('h3', { textContent: 'Same z, every digit' }) : null,
    conditional
      ? el('p', { className: 'explain', textContent: 'The code above decoded with each label 0–9: the label picks the digit, z keeps the style (slant, thickness).' })
      : null,
    conditional ? el('div', { className: 'canvas-box' }, everyClass) : null,
  );

  // ---- Training: fixed-noise snapshots with a scrubber
  const snapshots = []; // {step, pixels}
  const trainGrid = el('canvas', { id: 'train-samples', className: 'grid', title: 'the same noise, decoded as training goes', hidden: true });
  const trainNote = el('p', { className: 'note', textContent: 'Start training to watch the grid fill in.' });
  const scrubber = new Scrubber({
    id: 'snapshot-scrubber',
    captionId: 'snapshot-step',
    label: 'snapshot',
    caption: (i) => `step ${snapshots[i].step} (${i + 1} of ${snapshots.length})`,
    onShow: (i) => {
      const s = snapshots[i];
      trainGrid.hidden = false;
      trainNote.hidden = true;
      drawGrid(trainGrid, s.pixels, { n: s.pixels.length / 784, cols: COLS, scale: 2 });
      judge.judge(s.pixels, `the fixed-noise grid at training step ${s.step}`);
    },
  });
  cleanups.push(() => scrubber.destroy());
  const training = trainingPanel(lab, info, {
    pretrained,
    explain:
      'Two networks train against each other: D learns to tell real digits from G\'s, G learns to fool D. The losses do not fall steadily as in other models; D(x) and D(G(z)) both near ½ means D can no longer tell. On the CPU a step takes about a second: use a small batch to see more.',
    charts: [
      { id: 'loss-chart', keys: ['d_loss', 'g_loss'], title: 'The two players\' losses', yLabel: 'nats' },
      { id: 'dx-chart', keys: ['d_real', 'd_fake'], title: 'What D believes: D(x) vs D(G(z))', yLabel: 'probability "real"', yRange: [0, 1] },
    ],
    steps: 1000,
    chunk: 1,
    sampleN: N,
    sampleEveryField: 10,
    extra: [
      el('h3', { textContent: 'Digits emerging from fixed noise' }),
      el('p', { className: 'explain', textContent: 'The same noise vectors decoded by the generator every few steps. Drag the scrubber to replay how the digits emerged.' }),
      scrubber.node,
      trainNote,
      el('div', { className: 'canvas-box' }, trainGrid),
    ],
    onStart: () => {
      snapshots.length = 0;
      scrubber.follow = true;
      scrubber.setCount(0);
    },
    onSamples: (s, step) => {
      snapshots.push({ step, pixels: s.pixels });
      if (snapshots.length > MAX_SNAPSHOTS) {
        for (let i = snapshots.length - 2; i > 0; i -= 2) snapshots.splice(i, 1);
      }
      scrubber.setCount(snapshots.length);
    },
    onModelChanged: async (why) => {
      await refreshModel(why === 'reset' ? 'pretrained' : '');
    },
  });
  cleanups.push(() => training.destroy());
  const weights = weightsPanel(lab, info, { busy: () => training.active, onLoaded: () => refreshModel() });
  const evaluation = evaluatePanel(lab, info, { screen: () => grid.current() });
  cleanups.push(() => evaluation.destroy());

  root.classList.add('view', `view-${F}`);
  root.append(el('div', { className: 'columns' }, samplesPanel, judgePanel), latentPanel, training.node, evaluation.node, weights.node);

  // ---- Drawing
  async function drawSamples(s) {
    const req = conditional ? labelRequest(picker.value(), { n: N, cols: COLS, perRow: COLS }) : labelRequest(null, { n: N, cols: COLS });
    const out = await lab.sample(F, { ...labelOptions(req), seed: s });
    const what = `${req.what} (seed ${s})`;
    grid.show(out.pixels, { n: req.n, cols: req.cols, what });
    judge.judge(out.pixels, `the ${what}`, req.label ?? req.labels ?? null);
  }

  const digit = () => (conditional ? latentLabel.value() : null);

  async function drawInterp() {
    const a = readInt(ia.input, 'first noise seed', 0, MAX_SEED);
    const b = readInt(ib.input, 'second noise seed', 0, MAX_SEED);
    const [za, zb] = await Promise.all([lab.latentCodes(F, { n: 1, seed: a }), lab.latentCodes(F, { n: 1, seed: b })]);
    const d = za.dim;
    const codes = new Float32Array(BLEND * d);
    for (let k = 0; k < BLEND; k++) {
      const t = k / (BLEND - 1);
      for (let j = 0; j < d; j++) codes[k * d + j] = (1 - t) * za.codes[j] + t * zb.codes[j];
    }
    const out = await lab.decode(F, conditional ? { codes, labels: Array(BLEND).fill(digit()) } : { codes });
    drawGrid(interp, out.pixels, { n: BLEND, cols: BLEND, scale: 3 });
  }

  // The edited code: the seed's z with the first dimensions set by the sliders.
  let code = null;
  async function loadCode() {
    const s = readInt(zSeed.input, 'noise seed', 0, MAX_SEED);
    const z = await lab.latentCodes(F, { n: 1, seed: s });
    code = z.codes;
    zDims.textContent = `This generator's z has ${z.dim} dimensions; the sliders set the first ${Math.min(EDITABLE, z.dim)}, the rest stay as the seed drew them.`;
    sliders.forEach((sl, i) => {
      sl.disabled = i >= z.dim;
      sl.value = String(code[i] ?? 0);
      sliderValues[i].textContent = (code[i] ?? 0).toFixed(2);
    });
  }

  async function drawCode() {
    if (!code) await loadCode();
    const z = Float32Array.from(code);
    sliders.forEach((sl, i) => {
      if (i < z.length) z[i] = Number(sl.value);
    });
    const one = await lab.decode(F, conditional ? { codes: z, labels: [digit()] } : { codes: z });
    drawGrid(zImage, one.pixels, { n: 1, cols: 1, scale: 6 });
    if (conditional) {
      const codes = new Float32Array(10 * z.length);
      for (let c = 0; c < 10; c++) codes.set(z, c * z.length);
      const all = await lab.decode(F, { codes, labels: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9] });
      drawGrid(everyClass, all.pixels, { n: 10, cols: 10, scale: 3 });
    }
  }
  const redrawCode = latestOnly(drawCode, showError);

  async function refreshModel(note = '') {
    weights.show(await lab.config(F), note);
    await guard(() => drawSamples(seed.read()));
    await guard(drawInterp);
    code = null; // a new model may have another z size
    await guard(drawCode);
  }

  // ---- Controls
  interpBtn.addEventListener('click', () => guard(drawInterp));
  latentLabel?.input.addEventListener('change', () => {
    guard(drawInterp);
    redrawCode();
  });
  sliders.forEach((sl, i) =>
    sl.addEventListener('input', () => {
      sliderValues[i].textContent = Number(sl.value).toFixed(2);
      redrawCode();
    }),
  );
  const reloadCode = () =>
    guard(async () => {
      await loadCode();
      redrawCode();
    });
  zSeed.input.addEventListener('change', reloadCode);
  zReset.addEventListener('click', reloadCode);

  // ---- First pictures: samples first (the page is "ready" then), the rest after.
  weights.show(pretrained, 'pretrained');
  try {
    await drawSamples(seed.read());
    document.body.dataset.ready = '1';
  } catch (e) {
    showError(e);
    if (!e?.closed) document.body.dataset.ready = 'error';
  }
  (async () => {
    await guard(drawInterp);
    await guard(drawCode);
  })();

  return () => {
    for (const c of cleanups) c();
  };
}
