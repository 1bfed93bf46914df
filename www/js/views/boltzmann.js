// The Boltzmann machines' page (both `rbm` and `dbm`): samples, the last states of Gibbs
// chains from random pixels; Gibbs chains animated, started from random pixels, from a test
// digit or from a drawing, with each chain's free energy over the sweeps; the learned filters,
// one 28 x 28 tile per hidden unit; reconstructions v -> h -> v with the hidden layers'
// states; the classifier on the machine's features beside an MLP of the same size; the
// log-likelihood, an estimate with log Z by annealed importance sampling (on request: it takes
// about a minute on the CPU); then training (reconstruction error, the free-energy gap between
// training and held-out digits, the filters redrawn as it learns), evaluation and weights.
//
// Element ids (stable; the browser tests rely on them):
//   #samples (canvas: 16 samples) #sample-steps (Gibbs sweeps) #sample-seed #sample-btn
//     #sample-new #sample-progress #sample-cancel #sample-time
//   #chain-start (select: 'noise' | 'test' | 'pad') #chain-n (chains, 1..8) #chain-steps (Gibbs
//     sweeps) #chain-rows (rows of the start digit held fixed, 0..28) #chain-seed #chain-run
//     #chain-progress #chain-cancel (ui/progress.js)
//   #chains (canvas: one tile per chain, the frame shown; data-start = how the run began,
//     data-frames = stored frames, data-sweeps = sweeps run, data-run = a count of finished
//     runs) #chain-energies (F under each tile) #chain-scrubber (range over the stored frames)
//     #chain-sweep (its caption) #chain-play #chain-speed #chain-prev #chain-next
//     #chain-chart (uPlot: each chain's free energy against the sweep; data-points) #chain-zoom
//     (checkbox: the chart's y range without the first frame)
//     #chain-energy (data-first, data-last: the chains' mean F at the first and last frames)
//     #chain-time
//   #pad (canvas, ui/pad.js; window.genlabPad is the Pad; a finished stroke runs the chains
//     from it) #pad-clear #test-index #pad-test (loads test digit #test-index into the pad)
//     #pad-note
//   #filters (canvas: a tile per hidden unit, all of them up to 1024; data-units = the hidden
//     units, data-images = tiles drawn, data-step = the training step they show, when
//     training) #filters-note
//   #recon (canvas: test digits above, v -> h -> v below) #recon-other #recon-error (data-error
//     = mean squared error per digit) #hidden-layers (data-layers, data-sizes) with a canvas
//     #hidden-L per hidden layer (each digit's unit probabilities as a small grid)
//   the accuracy panel's (ui/accuracy.js): #acc-features #acc-mlp (data-value, data-name) #acc-n
//   #likelihood-btn #likelihood (data-nats, data-se, data-bpd, data-kind) #log-z (data-log-z,
//     data-se)
//   the training panel's (ui/training.js) with #loss-chart (recon), #fe-chart (free_energy),
//     #xent-chart (probe_xent, mlp_xent), and #gap-chart (train and test mean free energy)
//     #gap (data-train, data-test, data-step), its progress samples drawn in #samples; the
//     evaluate panel's (ui/evaluate.js) and the weights panel's (ui/weights.js)
//   window.genlabChain: the last run, {start, n, steps, rows, sweeps: [frame's sweep],
//     frames: [{t, x}], energies: Float32Array(frames * n), F of frame f, chain k at f * n + k}
//
// All model work is the lab's (lab.trajectory, lab.complete, lab.freeEnergy, lab.filters,
// lab.reconstruct, lab.hiddenLayers, lab.energyGap, lab.logPartition, lab.likelihood): the
// page only draws what comes back.

import { MAX_SEED, PIXELS, TEST_DIGITS } from '../genlab.js';
import { accuracyPanel } from '../ui/accuracy.js';
import { LineChart } from '../ui/chart.js';
import { el, num, numberField, panel, readInt, selectField, signed } from '../ui/dom.js';
import { concat, drawGrid, tileLabels } from '../ui/grid.js';
import { perTile, signedColour, signedLegend } from '../ui/heat.js';
import { dataText, kindText, natsText, relation } from '../ui/likelihood.js';
import { guard } from '../ui/page.js';
import { Pad } from '../ui/pad.js';
import { progressControl } from '../ui/progress.js';
import { SampleGrid, seedRow } from '../ui/samples.js';
import { Scrubber } from '../ui/scrubber.js';
import { openView } from '../ui/view.js';

/** Chains run side by side, by default and at most. */
const CHAINS = 4;
const MAX_CHAINS = 8;
/** Stored states per run: the start and 100 more (evenly spaced over the sweeps). */
const FRAMES = 101;
/** Images one lab.freeEnergy call takes. */
const MAX_IMAGES = 1024;
/** Filters drawn at most (a tile per hidden unit), and tiles per row. */
const MAX_FILTERS = 1024;
const FILTER_COLS = 25;
/** Test digits reconstructed. */
const RECON = 8;
/** Test digits the likelihood is averaged over. */
const LL_DIGITS = 1000;
/** Digits of each split the free-energy gap averages over, and training steps between two. */
const GAP_N = 500;
const GAP_EVERY = 50;
/** Samples drawn (16 chains from random pixels), per row; training steps between two grids. */
const N = 16;
const COLS = 8;
const SAMPLE_EVERY = 200;

/** A grid shape for `size` units: as square as it gets, width >= height. */
function unitShape(size) {
  const width = Math.ceil(Math.sqrt(size));
  return { width, height: Math.ceil(size / width) };
}

/** n images of `size` units each, padded out to `width * height` with zeros. */
function padUnits(values, n, size, { width, height }) {
  const out = new Float32Array(n * width * height);
  for (let k = 0; k < n; k++) out.set(values.subarray(k * size, (k + 1) * size), k * width * height);
  return out;
}

const mean = (xs) => xs.reduce((s, v) => s + v, 0) / xs.length;

/** "a 7", "an 8". */
const aDigit = (d) => `${d === 8 ? 'an' : 'a'} ${d}`;

/** A figure: a canvas in its box, a caption under it. */
const figure = (canvas, caption) => el('figure', {}, el('div', { className: 'canvas-box' }, canvas), el('figcaption', {}, caption));

/** An element with a name for screen readers (role img: its picture is the content). */
function named(node, label) {
  node.setAttribute('role', 'img');
  node.setAttribute('aria-label', label);
  return node;
}

/** A grid canvas with its name (title and aria-label). */
const picture = (id, label) => named(el('canvas', { id, className: 'grid', title: label }), label);

/**
 * @param {HTMLElement} root
 * @param {import('../genlab.js').GenLab} lab
 * @param {import('../genlab.js').FamilyInfo} info
 */
export async function mount(root, lab, info) {
  const F = info.name;
  const view = await openView(root, lab, info);
  let config = view.pretrained;
  const deep = F === 'dbm';
  const machine = deep ? 'DBM' : 'RBM';
  // The DBM's mean field costs about ten passes per digit: fewer digits for its figures.
  const accuracyN = deep ? 2000 : TEST_DIGITS;
  const gapN = deep ? 200 : GAP_N;

  // ---- Samples: the last states of chains from random pixels
  const stepsSpec = info.sampling.find((h) => h.key === 'steps') ?? { default: 1000, min: 1, max: 20000 };
  const grid = new SampleGrid({ title: `samples: ${N} Gibbs chains from random pixels, their last states`, cols: COLS, scale: 3 });
  named(grid.canvas, grid.canvas.title);
  const seed = seedRow((s) => drawSamples(s));
  const sampleSteps = numberField('sample-steps', 'Gibbs sweeps', { value: stepsSpec.default, min: stepsSpec.min, max: stepsSpec.max, title: 'sweeps of each chain before its state is shown' });
  const sampleProgress = progressControl('sample');
  const sampleTime = el('p', { id: 'sample-time', className: 'timing' });
  const samplesPanel = panel(
    'Samples',
    {
      id: 'samples-panel',
      explain: `Each digit is the state of its own Gibbs chain after ${stepsSpec.default.toLocaleString('en')} sweeps from random pixels (as many as set), shown as p(v | h), the pixels' probabilities. No single pass draws a sample from a Boltzmann machine: only a chain run long enough does. The chains below show the way there.`,
    },
    el('div', { className: 'canvas-box' }, grid.canvas),
    el('div', { className: 'actions' }, sampleSteps.node, ...seed.nodes, sampleProgress.node),
    sampleTime,
  );
  let drawing = 0; // bumped by each draw: only the latest one is shown
  async function drawSamples(s) {
    const mine = ++drawing;
    const steps = readInt(sampleSteps.input, 'Gibbs sweeps', stepsSpec.min, stepsSpec.max);
    const t0 = performance.now();
    seed.button.disabled = true;
    try {
      const out = await sampleProgress.run((p) => lab.sample(F, { n: N, seed: s, steps, ...p }));
      if (mine !== drawing) return;
      if (!out) {
        sampleTime.textContent = 'Cancelled: the samples shown are the previous ones.';
        return;
      }
      grid.show(out.pixels, { n: N, what: `${N} samples, ${steps} Gibbs sweeps each (seed ${s})` });
      sampleTime.textContent = `${N} chains of ${steps} sweeps (seed ${s}): ${num((performance.now() - t0) / 1000, 2)} s on the ${lab.backend === 'webgpu' ? 'GPU' : 'CPU'}.`;
    } finally {
      seed.button.disabled = false;
    }
  }
  sampleSteps.input.addEventListener('change', () => guard(() => drawSamples(seed.read())));

  // ---- Gibbs chains
  const startSel = selectField('chain-start', 'start from', [
    ['noise', 'random pixels'],
    ['test', 'a test digit'],
    ['pad', 'the drawing pad'],
  ], { value: 'noise' });
  const nField = numberField('chain-n', 'chains', { value: CHAINS, min: 1, max: MAX_CHAINS });
  const stepsField = numberField('chain-steps', 'Gibbs sweeps', { value: stepsSpec.default, min: stepsSpec.min, max: stepsSpec.max, title: 'sweeps of each chain (a sweep samples every layer once)' });
  const rowsField = numberField('chain-rows', 'rows held', { value: 0, min: 0, max: 28, title: 'rows of the start digit held fixed while the chain runs (0: none)' });
  const seedField = numberField('chain-seed', 'seed', { value: 0, min: 0, max: MAX_SEED });
  const runBtn = el('button', { type: 'button', id: 'chain-run', className: 'primary', textContent: 'run the chains' });
  const progress = progressControl('chain');
  const chainsCanvas = picture('chains', 'the Gibbs chains, one tile per chain, at the sweep shown');
  const chainEnergies = el('div', { id: 'chain-energies' });
  const chartBox = named(el('div', { id: 'chain-chart', className: 'chart' }), "each chain's free energy against the sweep");
  const energyText = el('p', { id: 'chain-energy', className: 'explain' });
  const zoom = el('input', { type: 'checkbox', id: 'chain-zoom' });
  const time = el('p', { id: 'chain-time', className: 'timing' });
  const prevBtn = el('button', { type: 'button', id: 'chain-prev', textContent: '◀ step', 'aria-label': 'previous stored state', disabled: true });
  const nextBtn = el('button', { type: 'button', id: 'chain-next', textContent: 'step ▶', 'aria-label': 'next stored state', disabled: true });

  let chain = null; // the shown run: {start, n, steps, rows, sweeps, frames, energies}
  let runs = 0;
  let chart = null;
  let chartN = 0;
  const scrubber = view.own(
    new Scrubber({
      id: 'chain-scrubber',
      captionId: 'chain-sweep',
      label: 'sweep',
      caption: (i) => {
        const s = chain.sweeps[i];
        return s === 0 ? `sweep 0 (the start) of ${chain.steps}` : `sweep ${s} of ${chain.steps}`;
      },
      onShow: (i) => showFrame(i),
      play: { id: 'chain-play', speedId: 'chain-speed', speeds: [5, 10, 25, 50], speed: 10 },
    }),
  );
  view.own({ destroy: () => chart?.destroy() });
  prevBtn.addEventListener('click', () => {
    scrubber.pause();
    scrubber.show(Math.max(0, scrubber.index - 1));
  });
  nextBtn.addEventListener('click', () => {
    scrubber.pause();
    scrubber.show(Math.min(scrubber.count - 1, scrubber.index + 1));
  });

  function showFrame(i) {
    const f = chain.frames[i];
    drawGrid(chainsCanvas, f.x, { n: chain.n, cols: chain.n, scale: 4 });
    const label = `${chain.n} Gibbs chain${chain.n === 1 ? '' : 's'} from ${startText(chain.start)}, at sweep ${chain.sweeps[i]} of ${chain.steps}`;
    chainsCanvas.setAttribute('aria-label', label);
    chainsCanvas.title = label;
    const e = chain.energies.subarray(i * chain.n, (i + 1) * chain.n);
    chainEnergies.replaceChildren(tileLabels(Array.from(e, (v) => `F ${signed(v, 1)}`), 4));
    chart?.setMarker(chain.sweeps[i]);
    prevBtn.disabled = i <= 0;
    nextBtn.disabled = i >= chain.frames.length - 1;
  }

  const pad = view.own(new Pad({ id: 'pad', title: 'draw a digit here: the chains start from it' }));
  window.genlabPad = pad;
  const clearBtn = el('button', { type: 'button', id: 'pad-clear', textContent: 'clear' });
  const testIndex = numberField('test-index', 'test digit', { value: 0, min: 0, max: TEST_DIGITS - 1 });
  const testBtn = el('button', { type: 'button', id: 'pad-test', textContent: 'load test digit' });
  const padNote = el('p', {
    id: 'pad-note',
    className: 'explain',
    textContent: 'Scribble anything: when the stroke ends, the chains start from it and the scribble settles into a digit. The right button (or Shift) erases.',
  });

  const chainsPanel = panel(
    'Gibbs chains',
    {
      id: 'chains-panel',
      explain: `A Gibbs sweep samples every ${deep ? 'unit of the first hidden layer given the pixels and the top layer, then the pixels and the top layer given the first' : 'hidden unit given the pixels (they are independent given them: no links inside a layer), then every pixel given the hidden units'}. Repeated, the chain's state comes to be drawn from the model's own p(v) ∝ exp(−F(v)), whatever the start. Each tile shows p(v | h), the pixels' probabilities after the sweep. The free energy F(v) is the chart's: log p(v) = −F(v) − log Z, so lower is more probable. From random pixels it falls steeply over the first sweeps as a digit forms, then wanders; a chain also lingers near one digit for long stretches, the known weakness of Gibbs sampling (slow mixing between modes).`,
    },
    el('div', { className: 'actions' }, startSel.node, nField.node, stepsField.node, rowsField.node, seedField.node),
    el('div', { className: 'actions' }, runBtn, progress.node),
    el(
      'div',
      { className: 'pad-layout' },
      el(
        'div',
        { style: 'flex: 1 1 30rem; min-width: 0' },
        el('div', { className: 'canvas-box' }, chainsCanvas),
        chainEnergies,
        scrubber.node,
        el('div', { className: 'actions' }, prevBtn, nextBtn),
        energyText,
        time,
      ),
      el(
        'figure',
        { style: 'flex: 0 1 280px' },
        pad.canvas,
        el('figcaption', { className: 'explain', textContent: 'The drawing pad: a stroke starts the chains from it.' }),
        el('div', { className: 'actions' }, clearBtn),
        el('div', { className: 'actions' }, testIndex.node, testBtn),
        padNote,
      ),
    ),
    el('h3', { textContent: 'Free energy along each chain' }),
    el('div', { className: 'actions' }, el('label', { className: 'field', htmlFor: 'chain-zoom' }, zoom, ' zoom in on the sweeps after the start (its free energy often dwarfs the rest)')),
    chartBox,
  );

  const startText = (s) => ({ noise: 'random pixels', test: 'a test digit', pad: 'the drawing' })[s] ?? s;
  const syncRows = () => {
    rowsField.input.disabled = startSel.input.value === 'noise';
    const rows = Number(rowsField.input.value);
    pad.rows = startSel.input.value === 'pad' && rows > 0 && rows < 28 ? rows : null;
  };
  startSel.input.addEventListener('change', syncRows);
  rowsField.input.addEventListener('change', syncRows);
  syncRows();

  /** F of many images, in calls of at most MAX_IMAGES. */
  async function freeEnergies(images) {
    const n = images.length / PIXELS;
    const out = new Float32Array(n);
    for (let s = 0; s < n; s += MAX_IMAGES) {
      const k = Math.min(MAX_IMAGES, n - s);
      const r = await lab.freeEnergy(F, { images: images.subarray(s * PIXELS, (s + k) * PIXELS) });
      out.set(r.free_energy, s);
    }
    return out;
  }

  /** Runs the chains as the controls say, then plays them from the start. */
  async function runChains() {
    const start = startSel.input.value;
    const n = readInt(nField.input, 'chains', 1, MAX_CHAINS);
    const steps = readInt(stepsField.input, 'Gibbs sweeps', stepsSpec.min, stepsSpec.max);
    const seed = readInt(seedField.input, 'seed', 0, MAX_SEED);
    const rows = start === 'noise' ? 0 : readInt(rowsField.input, 'rows held', 0, 28);
    const frames = Math.min(FRAMES, steps + 1);
    runBtn.disabled = true;
    scrubber.pause();
    try {
      let r;
      let what;
      if (start === 'noise') {
        what = `${n} chain${n === 1 ? '' : 's'} of ${steps} sweeps from random pixels`;
        time.textContent = `running ${what}…`;
        r = await progress.run((p) => lab.trajectory(F, { n, seed, frames, steps, ...p }));
      } else {
        let digit;
        if (start === 'pad') {
          if (pad.empty()) throw new Error('the pad is blank: draw a digit (or load a test digit) to start the chains from');
          digit = pad.pixels();
          what = `${n} chain${n === 1 ? '' : 's'} of ${steps} sweeps from the drawing`;
        } else {
          const index = readInt(testIndex.input, 'test digit', 0, TEST_DIGITS - 1);
          const d = await lab.testDigits([index]);
          digit = d.pixels;
          what = `${n} chain${n === 1 ? '' : 's'} of ${steps} sweeps from test digit #${index} (${aDigit(d.labels[0])})`;
        }
        if (rows > 0) what += `, its top ${rows} row${rows === 1 ? '' : 's'} held`;
        time.textContent = `running ${what}…`;
        r = await progress.run((p) => lab.complete(F, { pixels: digit, rows, n, seed, frames, settings: { steps }, ...p }));
      }
      if (!r) {
        time.textContent = `Cancelled: ${what} did not run to the end${chain ? '; the chains shown are the previous run’s' : ''}.`;
        return;
      }
      const energies = await freeEnergies(concat(...r.frames.map((f) => f.x)));
      const sweeps = r.frames.map((f) => steps - f.t);
      chain = { start, n, steps, rows, seed, sweeps, frames: r.frames.map((f) => ({ t: f.t, x: f.x })), energies };
      window.genlabChain = chain;
      drawChart();
      const first = mean(Array.from(energies.subarray(0, n)));
      const last = mean(Array.from(energies.subarray((r.frames.length - 1) * n)));
      energyText.textContent = `Mean free energy of the ${n} chain${n === 1 ? '' : 's'}: ${signed(first, 1)} nats at the start, ${signed(last, 1)} after ${steps} sweeps (the frames binarised at ½, as the model's pixels are).`;
      energyText.dataset.first = String(first);
      energyText.dataset.last = String(last);
      time.textContent = `${what}, seed ${seed}: ${num(r.ms / 1000, 2)} s, ${num(r.ms / steps, 2)} ms per sweep of all ${n}; ${r.frames.length} stored states.`;
      chainsCanvas.dataset.start = start;
      chainsCanvas.dataset.frames = String(r.frames.length);
      chainsCanvas.dataset.sweeps = String(steps);
      scrubber.follow = false;
      scrubber.setCount(r.frames.length);
      scrubber.show(0);
      chainsCanvas.dataset.run = String(++runs);
      scrubber.play();
    } finally {
      runBtn.disabled = false;
    }
  }

  /** Each chain's F against the sweep, and where the test digits sit on average. */
  function drawChart() {
    const n = chain.n;
    if (!chart || chartN !== n) {
      chart?.destroy();
      chartBox.replaceChildren();
      const series = Array.from({ length: n }, (_, k) => ({ label: `chain ${k + 1}` }));
      chart = new LineChart(chartBox, series, { xLabel: 'sweep', yLabel: 'free energy F(v), nats', marker: true });
      chartN = n;
    }
    const ys = Array.from({ length: n }, (_, k) => chain.sweeps.map((_, f) => chain.energies[f * n + k]));
    chart.setData(chain.sweeps, ys);
    chartBox.dataset.points = String(chain.sweeps.length);
    if (zoom.checked && chain.frames.length > 2) {
      // The y range of every frame but the first (which then runs off the chart).
      const later = chain.energies.subarray(n);
      let lo = Infinity;
      let hi = -Infinity;
      for (const v of later) if (Number.isFinite(v)) (lo = Math.min(lo, v)), (hi = Math.max(hi, v));
      const margin = Math.max(1, 0.1 * (hi - lo));
      if (lo <= hi) chart.plot.setScale('y', { min: lo - margin, max: hi + margin });
    }
  }
  zoom.addEventListener('change', () => chain && drawChart());

  // One run at a time: a request while one runs (a stroke, a click) runs once after it, as
  // the controls say then; every caller gets the promise of the runs under way.
  let running = null;
  let again = false;
  function requestRun() {
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      try {
        do {
          again = false;
          await runChains();
        } while (again);
      } finally {
        running = null;
      }
    })();
    return running;
  }
  runBtn.addEventListener('click', () => guard(requestRun));
  clearBtn.addEventListener('click', () => {
    pad.clear(); // a blank pad runs nothing
    padNote.textContent = 'Cleared: draw a digit, or a scribble.';
  });
  async function loadTestDigit() {
    const index = readInt(testIndex.input, 'test digit', 0, TEST_DIGITS - 1);
    const d = await lab.testDigits([index]);
    pad.set(d.pixels);
    padNote.textContent = `Test digit #${index}, ${aDigit(d.labels[0])}. Hold some rows fixed ("rows held") and the chains complete the rest; hold none and they wander off to other digits.`;
  }
  testBtn.addEventListener('click', () => guard(loadTestDigit));
  function padChanged() {
    if (pad.empty()) return;
    startSel.input.value = 'pad';
    syncRows();
    guard(requestRun);
  }
  pad.onchange = padChanged;

  // ---- Filters
  const filtersCanvas = picture('filters', "each hidden unit's weights to the pixels: red positive, blue negative");
  const filtersNote = el('p', { id: 'filters-note', className: 'explain' });
  const legend = signedLegend();
  const filtersPanel = panel(
    deep ? 'Learned filters of the first hidden layer' : 'Learned filters',
    {
      id: 'filters-panel',
      explain: `Each tile is one hidden unit's weights to the 784 pixels, in its place: red where ink turns the unit on, blue where ink turns it off. A unit fires for digits that match its red and avoid its blue. Trained, they become strokes, blobs and pieces of digits; at the start they are noise. Each tile is scaled by its own largest |weight|. Training below redraws them as it learns.`,
    },
    el('div', { className: 'actions' }, legend),
    el('div', { className: 'canvas-box' }, filtersCanvas),
    filtersNote,
  );
  async function drawFilters(step = null) {
    const r = await lab.filters(F);
    const shown = Math.min(r.units, MAX_FILTERS);
    drawGrid(filtersCanvas, perTile(r.filters, shown, PIXELS), { n: shown, cols: Math.min(FILTER_COLS, shown), scale: shown > 100 ? 1 : 2, colour: signedColour });
    filtersCanvas.dataset.units = String(r.units);
    if (step === null) delete filtersCanvas.dataset.step;
    else filtersCanvas.dataset.step = String(step);
    const which = shown < r.units ? `the first ${shown} of ${r.units} hidden units` : `all ${r.units} hidden units`;
    filtersNote.textContent = `${which}${step === null ? '' : `, at training step ${step}`}.`;
  }

  // ---- Reconstructions and the hidden layers
  let indices = Array.from({ length: RECON }, (_, i) => i);
  const reconCanvas = picture('recon', 'test digits (top) and their reconstructions v → h → v (bottom)');
  const reconOther = el('button', { type: 'button', id: 'recon-other', textContent: 'other digits' });
  const reconError = el('p', { id: 'recon-error', className: 'readout' });
  const hiddenBox = el('div', { id: 'hidden-layers' });
  const reconPanel = panel(
    deep ? 'Reconstructions, and the hidden layers' : 'Reconstructions, and the hidden units',
    {
      id: 'recon-panel',
      explain: deep
        ? 'Test digits (top) up to the hidden layers and back (bottom): the mean-field posterior over both layers (each layer listening to the layers on both sides, bottom-up and top-down at once, until they agree), then the pixels\' probabilities given the first layer. Under them, each digit\'s two hidden layers, a small square of units each (dark: on).'
        : 'Test digits (top) to the hidden units and back (bottom): p(h | v), then the pixels\' probabilities given those. Under them, each digit\'s hidden units as a small square (dark: on): a code of the digit that a classifier can read (the next panel).',
    },
    el('div', { className: 'canvas-box' }, reconCanvas),
    reconError,
    hiddenBox,
    el('div', { className: 'actions' }, reconOther),
  );
  async function drawRecon() {
    const r = await lab.reconstruct(F, { indices });
    drawGrid(reconCanvas, concat(r.originals, r.reconstructions), { n: 2 * RECON, cols: RECON, scale: 3 });
    let err = 0;
    for (let i = 0; i < r.originals.length; i++) err += (r.originals[i] - r.reconstructions[i]) ** 2;
    err /= RECON;
    reconError.textContent = `squared error per digit: ${num(err, 1)} (the training chart's reconstruction error) · digits ${Array.from(r.labels).join(' ')}`;
    reconError.dataset.error = String(err);
    const h = await lab.hiddenLayers(F, { images: r.originals });
    const figures = h.sizes.map((size, l) => {
      const shape = unitShape(size);
      const canvas = picture(`hidden-${l}`, `hidden layer ${l + 1}: ${size} units per digit, dark when on`);
      // Scaled to the width of the digits above, so that each square sits under its digit.
      const scale = (3 * (RECON * 29 - 1)) / (RECON * (shape.width + 1) - 1);
      drawGrid(canvas, padUnits(h.layers[l], RECON, size, shape), { n: RECON, cols: RECON, scale, ...shape });
      const on = mean(Array.from(h.layers[l]));
      canvas.dataset.mean = String(on);
      return figure(canvas, `hidden layer ${l + 1}: ${size} units (${shape.width} × ${shape.height}), mean probability ${num(on, 2)}`);
    });
    hiddenBox.replaceChildren(el('div', { className: 'side-by-side' }, ...figures));
    hiddenBox.dataset.layers = String(h.sizes.length);
    hiddenBox.dataset.sizes = h.sizes.join(',');
  }
  reconOther.addEventListener('click', () => {
    indices = Array.from({ length: RECON }, () => Math.floor(Math.random() * TEST_DIGITS));
    guard(drawRecon);
  });

  // ---- The classifiers
  const accuracy = accuracyPanel(lab, info, {
    title: `Features for a classifier: the ${machine} beside an MLP`,
    explain: `The hidden units' probabilities given a digit are features learnt without a single label. A linear classifier on the ${deep ? 'top layer\'s ' : ''}features, trained beside the machine on its batches (the machine itself left alone), shows how much of the digit's class they hold. The yardstick is an MLP of the same size (${deep ? 'two hidden layers' : 'one hidden layer'} as wide as the machine's), trained on the pixels and the labels from end to end.`,
    note: 'Unsupervised pre-training was how deep networks were first trained (Hinton, Osindero & Teh 2006; Salakhutdinov & Hinton 2009 fine-tuned a DBM into a classifier). A linear read-out of fixed features rarely matches a network trained end to end on the labels: the gap measures what the labels add.',
    n: accuracyN,
    pair: [
      { id: 'acc-features', match: (name) => name.includes('features') },
      { id: 'acc-mlp', match: (name) => name.includes('MLP') },
    ],
  });

  // ---- Likelihood
  const llBtn = el('button', { type: 'button', id: 'likelihood-btn', className: 'primary', textContent: 'estimate log Z and the likelihood' });
  const llOut = el('p', { id: 'likelihood', className: 'readout' });
  const logZOut = el('p', { id: 'log-z', className: 'readout' });
  const llNote = el('p', { className: 'explain' });
  const ais = () => `${config.ais_runs ?? '?'} annealing runs through ${config.ais_steps ?? '?'} temperatures`;
  const llPanel = panel(
    'Likelihood: an estimate',
    {
      id: 'likelihood-panel',
      explain: `log p(v) = −F(v) − log Z. The free energy F(v) is cheap${deep ? ' (for the DBM its mean-field bound, so the figure estimates a lower bound)' : ''}; the partition function Z, a sum over every joint state of pixels and hidden units, is not. Annealed importance sampling estimates it: runs start from a model of independent pixels (the digits' mean ink), whose Z is known, and move through a ladder of distributions to the ${machine}, weighing each run by how much likelier its states became on the way. The ± is the standard error of log Z across the runs: how well they agree, not a guarantee. An underestimated log Z (runs that missed probable states) makes the likelihood look better than it is.`,
    },
    el('div', { className: 'actions' }, llBtn),
    logZOut,
    llOut,
    llNote,
  );
  /** The readouts before an estimate: what the button will do, and what it costs. */
  function llIdle() {
    for (const o of [llOut, logZOut]) for (const k of Object.keys(o.dataset)) delete o.dataset[k];
    logZOut.textContent = `Not estimated yet for this model: AIS (${ais()}) takes about a minute on the CPU, and the chains wait for it (the worker does one thing at a time). The estimate is kept until the weights change.`;
    llOut.textContent = '';
    llNote.textContent = '';
  }
  llIdle();
  async function drawLikelihood() {
    llBtn.disabled = true;
    for (const o of [llOut, logZOut]) for (const k of Object.keys(o.dataset)) delete o.dataset[k];
    try {
      logZOut.textContent = `estimating log Z by annealed importance sampling (${ais()}): about a minute on the CPU…`;
      llOut.textContent = '…';
      const z = await lab.logPartition(F);
      logZOut.textContent = `log Z ≈ ${num(z.log_z, 2)} ± ${num(z.se, 2)} nats (AIS, ${ais()})`;
      logZOut.dataset.logZ = String(z.log_z);
      logZOut.dataset.se = String(z.se);
      llOut.textContent = 'scoring the test digits…';
      const r = await lab.likelihood(F, { n: LL_DIGITS });
      llOut.textContent = `log p(x) ${relation(r)} ${natsText(r)} per digit (log Z by AIS) · ${num(r.bits_per_dim, 3)} bits/dim`;
      llOut.dataset.nats = String(r.nats);
      llOut.dataset.bpd = String(r.bits_per_dim);
      llOut.dataset.kind = r.kind;
      if (r.uncertainty != null) llOut.dataset.se = String(r.uncertainty);
      llNote.textContent = `${kindText(r)}, mean over the first ${r.n.toLocaleString('en')} test digits, ${dataText(r)}; higher nats, fewer bits/dim are better. Salakhutdinov & Murray (2008) report about −86 nats for an RBM of 500 hidden units trained long with CD-25; Salakhutdinov & Hinton (2009) about −85 for a DBM.`;
    } catch (e) {
      if (llOut.textContent.endsWith('…')) llOut.textContent = 'Failed (see the message above).';
      if (logZOut.textContent.endsWith('…')) logZOut.textContent = '';
      throw e;
    } finally {
      llBtn.disabled = false;
    }
  }
  llBtn.addEventListener('click', () => guard(drawLikelihood));

  // ---- Training: the free-energy gap and the filters, live
  const gapBox = named(el('div', { id: 'gap-chart', className: 'chart' }), 'mean free energy of training and held-out digits against the training step');
  const gapOut = el('p', { id: 'gap', className: 'readout' });
  let gapChart = null;
  let nextGap = 0;
  let gapBusy = false;
  let filtersBusy = false;
  async function measureGap(step) {
    if (gapBusy) return;
    gapBusy = true;
    try {
      const g = await lab.energyGap(F, { n: gapN });
      gapChart.add(step, [g.train, g.test]);
      const gap = g.test - g.train;
      gapOut.textContent = `step ${step}: mean F ${signed(g.train, 1)} on ${g.n} training digits, ${signed(g.test, 1)} on ${g.n} held-out ones: a gap of ${signed(gap, 2)} nats${gap > 5 ? ' (widening: overfitting)' : ''}`;
      Object.assign(gapOut.dataset, { train: String(g.train), test: String(g.test), step: String(step) });
    } finally {
      gapBusy = false;
    }
  }
  async function liveFilters(step) {
    if (filtersBusy) return;
    filtersBusy = true;
    try {
      await drawFilters(step);
    } finally {
      filtersBusy = false;
    }
  }

  const { training, evaluation, weights } = view.modelPanels({
    training: {
      explain: `Each step clamps a batch of digits and takes the hidden units' posterior (the data's statistics), runs ${config.method === 'cd' || config.method === 1 ? 'chains restarted at the data' : 'persistent chains'} k Gibbs sweeps (the model's statistics), and moves the weights by the difference: raising the probability of the digits, lowering that of what the chains dream up.${deep ? ' The DBM first trains each layer alone as an RBM (pre-training steps per layer), then both together, with mean field for the data and persistent chains for the model.' : ''} The charts: the reconstruction error v → h → v, the batch's free energy, and the two classifiers' cross-entropy. Below, the overfitting signal: the mean free energy of training digits and of held-out test digits every ${GAP_EVERY} steps; held-out digits with a rising free energy are ones the model finds less and less probable. The filters above redraw as it learns.`,
      charts: [
        { id: 'loss-chart', keys: ['recon'], title: 'Reconstruction error v → h → v', yLabel: 'squared error per digit' },
        { id: 'fe-chart', keys: ['free_energy'], title: 'Free energy of the batch', yLabel: 'nats' },
        { id: 'xent-chart', keys: ['probe_xent', 'mlp_xent'], title: 'The two classifiers', yLabel: 'cross-entropy, nats' },
      ],
      steps: 1000,
      chunk: 5,
      sampleN: N,
      sampleEvery: (c) => Math.max(SAMPLE_EVERY, c),
      onStart: () => {
        gapChart.reset();
        gapOut.textContent = '';
        nextGap = 0;
      },
      onProgress: (p) => {
        if (p.step < nextGap && p.step < p.total) return;
        nextGap = p.step + GAP_EVERY;
        guard(() => measureGap(p.step));
        guard(() => liveFilters(p.step));
      },
      onSamples: (s, step) => {
        drawing++; // a sample draw under way is no longer the latest
        grid.show(s.pixels, { n: s.n, cols: COLS, what: `${s.n} samples at training step ${step} (${stepsSpec.default} Gibbs sweeps)` });
      },
      extra: [el('h3', { textContent: 'Free energy: training digits against held-out ones' }), gapBox, gapOut],
    },
    // Fresh samples: chains of as many sweeps as the samples above.
    evaluate: {
      screen: () => grid.current(),
      fresh: 100,
      settings: () => ({ steps: readInt(sampleSteps.input, 'Gibbs sweeps', stepsSpec.min, stepsSpec.max) }),
    },
  });
  gapChart = view.own(new LineChart(gapBox, [{ label: 'training digits' }, { label: 'held-out test digits' }], { xLabel: 'step', yLabel: 'mean free energy, nats' }));

  view.show(samplesPanel, chainsPanel, filtersPanel, reconPanel, el('div', { className: 'columns' }, accuracy.node, llPanel), training.node, evaluation.node, weights.node);

  // After a change of model, the chains run again as set (from noise if the pad is blank).
  const rerun = async () => {
    if (startSel.input.value === 'pad' && pad.empty()) startSel.input.value = 'noise';
    syncRows();
    await requestRun();
  };
  const remember = (c) => {
    config = c;
  };
  const samples = () => drawSamples(seed.read());
  return view.start({
    first: samples,
    then: [requestRun, () => drawFilters(), drawRecon, accuracy.draw],
    // A new model has a new log Z: estimated again on request. A finished run leaves its last
    // progress samples on screen; a reset or a file draws them again.
    refresh: [(c) => remember(c), llIdle, (c, why) => (why === 'trained' ? undefined : samples()), rerun, () => drawFilters(), drawRecon, accuracy.draw],
  });
}
