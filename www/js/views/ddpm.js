// The diffusion model's page: samples with the sampler's settings (DDIM / DDPM, steps, eta,
// guidance, a digit) and what they cost; the reverse process frame by frame (the noisy state
// x_t beside the model's guess at the finished digit, with a timeline and play); the forward
// process on a test digit with the noise schedule; then training, evaluation and weights.
//
// Element ids (stable; the browser tests rely on them):
//   #samples (canvas) #sample-seed #sample-btn #sample-new #sample-label ('' = unconditional,
//     '0'..'9') #sample-n #sampler-params (controls from info.sampling: #sampler-sampler,
//     #sampler-steps, #sampler-eta, #sampler-guidance) #sample-time (time per sample)
//   #trajectory-btn #traj-x (canvas: the state x_t) #traj-x0 (canvas: predicted x0)
//     #trajectory-scrubber (range over the stored frames) #trajectory-t (the frame's t)
//     #trajectory-play #trajectory-speed #trajectory-time
//   #fwd-index #fwd-t (range 0..999) #fwd-t-value #fwd-image (canvas: x_t) #fwd-levels
//     #fwd-strip (canvas: t = 0, 100, ..., 900, 999) #schedule-chart (uPlot)
//   the training panel's (ui/training.js), the evaluate panel's (ui/evaluate.js) and the
//   weights panel's (ui/weights.js)

import { LineChart } from '../ui/chart.js';
import { renderControls } from '../ui/controls.js';
import { el, latestOnly, num, numberField, panel, readInt, selectField } from '../ui/dom.js';
import { evaluatePanel } from '../ui/evaluate.js';
import { drawGrid } from '../ui/grid.js';
import { labelPicker } from '../ui/labels.js';
import { guard, showError } from '../ui/page.js';
import { SampleGrid, seedRow } from '../ui/samples.js';
import { Scrubber } from '../ui/scrubber.js';
import { trainingPanel } from '../ui/training.js';
import { weightsPanel } from '../ui/weights.js';

const PIXELS = 784;
const TEST_DIGITS = 10000;
const T = 1000;
const STRIP = [0, 100, 200, 300, 400, 500, 600, 700, 800, 900, 999];
const FRAMES = 50;

/**
 * @param {HTMLElement} root
 * @param {import('../genlab.js').GenLab} lab
 * @param {import('../genlab.js').FamilyInfo} info
 */
export async function mount(root, lab, info) {
  const F = info.name;
  // Ask the worker first: if the lab closes under us (a backend switch), nothing has been
  // built yet that would need cleaning up.
  const pretrained = await lab.config(F);
  const cleanups = [];

  // ---- Sampler settings and samples
  const grid = new SampleGrid({ title: 'samples', cols: 4, scale: 3 });
  const seed = seedRow((s) => drawSamples(s));
  // Guided digits by default: after 5,000 CPU training steps the unguided samples are weak.
  const picker = labelPicker('sample-label', { none: 'none (unconditional)', all: 'each digit in turn', value: 'all' });
  const count = selectField('sample-n', 'samples', [[4, '4'], [8, '8'], [16, '16']], { value: 8 });
  const samplerBox = el('div', { id: 'sampler-params' });
  const time = el('p', { id: 'sample-time', className: 'timing' });
  const samplesPanel = panel(
    'Samples',
    {
      explain:
        'Sampling starts from pure noise and removes a little of it per step. DDIM can skip most of the 1,000 steps (and with eta = 0 is deterministic); DDPM adds fresh noise at every step. With a digit, classifier-free guidance w pushes the samples towards it.',
    },
    samplerBox,
    el('div', { className: 'actions' }, picker.node, count.node),
    el('div', { className: 'actions' }, ...seed.nodes),
    el('div', { className: 'canvas-box' }, grid.canvas),
    time,
  );
  const sampler = renderControls(samplerBox, info.sampling, { idPrefix: 'sampler-', onChange: () => settingsChanged() });
  function syncSampler() {
    const v = sampler.values();
    // eta is DDIM's; guidance needs a digit to guide towards.
    sampler.disable((h) => (h.key === 'eta' && v.sampler !== 'ddim') || (h.key === 'guidance' && picker.value() === null));
  }
  syncSampler();

  // A short chain redraws as the settings change (a dragged slider draws the latest settings,
  // never a queue of them); a long one (network evaluations over the budget: seconds on the
  // CPU) waits for the "sample" button, and the caption says so. The budget is checked as the
  // draw starts, so a redraw queued behind a running one obeys the settings of its own time.
  const AUTO_BUDGET = 400; // e.g. 8 digits x 50 steps, or 8 guided digits x 25 steps
  // Guidance w other than 0 or 1 runs the network twice a step: with the label and without.
  const cost = (o) => o.n * o.steps * ((o.label !== undefined || o.labels) && o.guidance !== 0 && o.guidance !== 1 ? 2 : 1);
  const redraw = latestOnly(async () => {
    const o = samplingOptions(Number(count.input.value));
    if (cost(o) > AUTO_BUDGET) {
      time.textContent = `Settings changed: press "sample" to draw ${o.n} digits with ${describe(o)} (a long chain, seconds per digit on the CPU).`;
      return;
    }
    await drawSamples(seed.read());
  }, showError);
  function settingsChanged() {
    syncSampler();
    redraw();
  }

  /** The sampling options the controls describe. */
  function samplingOptions(n) {
    const o = { n, ...sampler.values() };
    const d = picker.value();
    if (d === 'all') o.labels = Array.from({ length: n }, (_, i) => i % 10);
    else if (d !== null) o.label = d;
    return o;
  }
  const guided = (o) => (o.label !== undefined ? `, digit ${o.label}, guidance ${o.guidance}` : o.labels ? `, digits 0–9 in turn, guidance ${o.guidance}` : ', unconditional');
  const describe = (o) => `${o.steps} ${o.sampler === 'ddim' ? `DDIM${o.eta > 0 ? ` (eta ${o.eta})` : ''}` : 'DDPM'} step${o.steps === 1 ? '' : 's'}${guided(o)}`;

  // ---- Reverse process
  let traj = null;
  const trajBtn = el('button', { type: 'button', id: 'trajectory-btn', className: 'primary', textContent: 'run the sampler step by step' });
  const trajX = el('canvas', { id: 'traj-x', className: 'grid', title: 'the state x_t' });
  const trajX0 = el('canvas', { id: 'traj-x0', className: 'grid', title: "the model's prediction of the finished digits" });
  const trajTime = el('p', { id: 'trajectory-time', className: 'timing' });
  const scrubber = new Scrubber({
    id: 'trajectory-scrubber',
    captionId: 'trajectory-t',
    label: 'step',
    caption: (i) => {
      const t = traj.frames[i].t;
      return t === traj.frames[0].t ? `t = ${t} (pure noise)` : t === 0 ? 't = 0 (the samples)' : `t = ${t}`;
    },
    onShow: (i) => drawFrame(i),
    play: { id: 'trajectory-play', speedId: 'trajectory-speed', speeds: [2, 5, 10, 20], speed: 5 },
  });
  cleanups.push(() => scrubber.destroy());
  const reversePanel = panel(
    'The reverse process, step by step',
    {
      id: 'reverse',
      explain:
        'The sampler above, with its states stored: left the noisy state x_t, right the clean digit the network predicts from it. Early predictions are blurry averages; the details settle as t falls.',
    },
    el('div', { className: 'actions' }, trajBtn),
    scrubber.node,
    el(
      'div',
      { className: 'side-by-side' },
      el('figure', {}, el('div', { className: 'canvas-box' }, trajX), el('figcaption', { textContent: 'state x_t' })),
      el('figure', {}, el('div', { className: 'canvas-box' }, trajX0), el('figcaption', { textContent: 'predicted x₀' })),
    ),
    trajTime,
  );

  // ---- Forward process
  const fwdIndex = numberField('fwd-index', 'test digit', { value: 0, min: 0, max: TEST_DIGITS - 1 });
  const fwdT = el('input', { type: 'range', id: 'fwd-t', min: 0, max: T - 1, step: 1, value: 300, 'aria-label': 'timestep t' });
  const fwdTValue = el('span', { id: 'fwd-t-value', className: 'readout', textContent: '300' });
  const fwdImage = el('canvas', { id: 'fwd-image', className: 'grid', title: 'the test digit noised to step t' });
  const fwdLevels = el('p', { id: 'fwd-levels', className: 'explain' });
  const fwdStrip = el('canvas', { id: 'fwd-strip', className: 'grid', title: `t = ${STRIP.join(', ')}` });
  const chartBox = el('div', { id: 'schedule-chart', className: 'chart' });
  const forwardPanel = panel(
    'The forward process: noising a digit',
    {
      id: 'forward',
      explain:
        'Training shows the network digits noised in closed form, x_t = √ᾱ_t x₀ + √(1 − ᾱ_t) ε, at a random t, and asks it for ε. The schedule ᾱ_t sets how fast the signal fades.',
    },
    el('div', { className: 'actions' }, fwdIndex.node, el('label', { className: 'field scrub', htmlFor: 'fwd-t' }, 't ', fwdT), fwdTValue),
    el(
      'div',
      { className: 'forward-row' },
      el('div', {}, el('div', { className: 'canvas-box' }, fwdImage), fwdLevels),
      el('div', { className: 'forward-chart' }, chartBox),
    ),
    el('p', { className: 'explain', textContent: `The same digit and noise at t = ${STRIP.join(', ')}:` }),
    el('div', { className: 'canvas-box' }, fwdStrip),
  );
  const chart = new LineChart(chartBox, [{ label: 'signal √ᾱ_t' }, { label: 'noise √(1 − ᾱ_t)' }], { xLabel: 't', yLabel: 'level', yRange: [0, 1], marker: true, height: 200 });
  cleanups.push(() => chart.destroy());

  // ---- Training, evaluation, weights
  const training = trainingPanel(lab, info, {
    pretrained,
    explain:
      `Each step noises a batch of digits at random timesteps and trains the U-Net to predict the noise. It is slow on the CPU (the shipped weights took ${info.train_steps.toLocaleString('en')} steps): expect rough blobs after a few hundred. The samples above refresh as it learns.`,
    steps: 500,
    chunk: 1,
    sampleN: 8,
    onSamples: (s, step) => grid.show(s.pixels, { n: s.n, what: `${s.n} samples at training step ${step} (20 DDIM steps, unconditional)` }),
    onModelChanged: async (why) => refreshModel(why === 'reset' ? 'pretrained' : ''),
  });
  cleanups.push(() => training.destroy());
  const weights = weightsPanel(lab, info, { busy: () => training.active, onLoaded: () => refreshModel() });
  // Fresh samples are scored with the sampler set above; 100 of them, as each takes a full chain.
  const evaluation = evaluatePanel(lab, info, { screen: () => grid.current(), fresh: 100, settings: () => sampler.values() });
  cleanups.push(() => evaluation.destroy());

  root.classList.add('view', `view-${F}`);
  root.append(samplesPanel, reversePanel, forwardPanel, training.node, evaluation.node, weights.node);

  // ---- Drawing
  async function drawSamples(s) {
    const o = samplingOptions(Number(count.input.value));
    const t0 = performance.now();
    const out = await lab.sample(F, { ...o, seed: s });
    const ms = performance.now() - t0;
    grid.show(out.pixels, { n: o.n, cols: Math.min(o.n, 8), what: `${o.n} samples (seed ${s}; ${describe(o)})` });
    time.textContent = `${num(ms / 1000, 2)} s for ${o.n} samples: ${num(ms / o.n, 0)} ms per sample with ${describe(o)} on the ${lab.backend === 'webgpu' ? 'GPU' : 'CPU'}.`;
  }

  async function runTrajectory() {
    trajBtn.disabled = true;
    scrubber.pause();
    try {
      const o = samplingOptions(8);
      const s = seed.read();
      trajTime.textContent = `running ${describe(o)} on ${o.n} digits…`;
      const r = await lab.trajectory(F, { ...o, seed: s, frames: FRAMES });
      traj = { ...r, options: o };
      trajTime.textContent = `${r.frames.length} stored states of ${describe(o)}, seed ${s}: ${num(r.ms / 1000, 2)} s for ${r.n} digits, ${num(r.ms / r.n, 0)} ms per digit.`;
      scrubber.follow = false;
      scrubber.setCount(r.frames.length);
      scrubber.show(0);
      scrubber.play();
    } finally {
      trajBtn.disabled = false;
    }
  }

  function drawFrame(i) {
    const f = traj.frames[i];
    const n = traj.n;
    drawGrid(trajX, f.x, { n, cols: 4, scale: 3 });
    // The first frame is pure noise: nothing predicted yet (blank paper).
    drawGrid(trajX0, f.x0 ?? new Float32Array(n * PIXELS), { n, cols: 4, scale: 3 });
  }

  let alphaBar = null;
  async function drawForward() {
    const index = readInt(fwdIndex.input, 'test digit', 0, TEST_DIGITS - 1);
    const t = Number(fwdT.value);
    fwdTValue.textContent = String(t);
    if (alphaBar) {
      chart.setMarker(t);
      fwdLevels.textContent = `t = ${t}: signal √ᾱ_t = ${num(Math.sqrt(alphaBar[t]), 3)}, noise √(1 − ᾱ_t) = ${num(Math.sqrt(1 - alphaBar[t]), 3)}`;
    }
    const out = await lab.forwardProcess(F, { index, ts: [t, ...STRIP] });
    drawGrid(fwdImage, out.pixels.subarray(0, PIXELS), { n: 1, cols: 1, scale: 6 });
    drawGrid(fwdStrip, out.pixels.subarray(PIXELS), { n: STRIP.length, cols: STRIP.length, scale: 3 });
  }
  const redrawForward = latestOnly(drawForward, showError);

  async function drawSchedule() {
    const { alpha_bar: ab } = await lab.schedule(F);
    alphaBar = ab;
    const ts = ab.map((_, i) => i);
    chart.setData(ts, [ab.map((a) => Math.sqrt(a)), ab.map((a) => Math.sqrt(1 - a))]);
  }

  async function refreshModel(note = '') {
    weights.show(await lab.config(F), note);
    await guard(() => drawSamples(seed.read()));
    await guard(drawSchedule); // another schedule may have been trained or loaded
    redrawForward();
  }

  // ---- Controls
  picker.input.addEventListener('change', () => settingsChanged());
  count.input.addEventListener('change', () => redraw());
  trajBtn.addEventListener('click', () => guard(runTrajectory));
  fwdT.addEventListener('input', () => redrawForward());
  fwdIndex.input.addEventListener('change', () => redrawForward());

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
    await guard(drawSchedule);
    await guard(drawForward);
    await guard(runTrajectory);
  })();

  return () => {
    for (const c of cleanups) c();
  };
}
