// The PixelCNN's page: digits written one row at a time (the raster scan played back, with the
// model's probability of ink at each pixel as it was drawn); a drawing pad whose top rows the
// model completes; the exact likelihood of a drawing and of test digits, with a map of where
// the model was surprised, and test digits ranked from typical to outlier; then training,
// evaluation and weights.
//
// Element ids (stable; the browser tests rely on them):
//   #samples (canvas: the digits so far; data-labels when digits were asked for) #heat (canvas:
//     p(ink) of each drawn pixel) #sample-label ('' = any digit, 'all' = 0-9 in turn, '0'..'9')
//     #sample-seed #sample-btn #sample-new #sample-progress #sample-cancel (ui/progress.js)
//     #sample-scrubber (range over the stored rows) #sample-rows (its caption) #sample-play
//     #sample-speed #sample-time (what ran, how long; "Cancelled ..." after a cancel)
//   #pad (canvas, ui/pad.js; window.genlabPad is the Pad) #pad-clear #pad-rows (range 1..27:
//     rows kept) #pad-rows-value #pad-label ('' = any digit, '0'..'9') #pad-test (loads a
//     test digit's kept rows) #pad-note #complete-seed #complete-btn #complete-new
//     #complete-progress #complete-cancel #completions (canvas: 8 completions; data-rows = the
//     rows kept, set once they are drawn) #complete-time
//   #pad-nll (data-nats = log p of the drawing) #pad-digit (canvas: the drawing, binarised)
//     #pad-surprise (canvas: -log p of each pixel) #test-index #test-other #test-digit
//     #test-nll (data-nats) #test-surprise #rank-btn #rank-note #test-ranked-typical
//     #test-ranked-outliers (canvases, data-nll = each digit's -log p in nats, comma-separated)
//     #test-ranked-typical-nll #test-ranked-outliers-nll #test-ranked-outliers-surprise
//   the training panel's (ui/training.js) with #loss-nll and #loss-chart, the evaluate panel's
//   (ui/evaluate.js) and the weights panel's (ui/weights.js)

import { HEIGHT, PIXELS, TEST_DIGITS } from '../genlab.js';
import { el, num, numberField, panel, latestOnly, readInt, signed } from '../ui/dom.js';
import { clearGrid, concat, drawGrid, markLabels, tileLabels } from '../ui/grid.js';
import { drawHeat, heatLegend } from '../ui/heat.js';
import { labelPicker } from '../ui/labels.js';
import { guard, showError } from '../ui/page.js';
import { Pad } from '../ui/pad.js';
import { progressControl } from '../ui/progress.js';
import { SampleGrid, seedRow } from '../ui/samples.js';
import { Scrubber } from '../ui/scrubber.js';
import { openView } from '../ui/view.js';

/** Digits drawn row by row. */
const N = 16;
const COLS = 4;
/** One stored state per row, and the blank start: the whole raster scan. */
const FRAMES = HEIGHT + 1;
/** Completions of one drawing. */
const COMPLETIONS = 8;
const ROWS = 14;
/** Test digits ranked by likelihood, and how many of each end are shown. */
const RANK_N = 200;
const SHOW = 8;
/** -log p of a pixel drawn darkest in the surprise maps (p = 0.02). */
const SURPRISE_MAX = 4;
/** Frames per second of a completion's fill-in. */
const FILL_FPS = 30;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
/** Images binarised at 1/2, as the model sees them. */
const binarise = (px) => px.map((v) => (v >= 0.5 ? 1 : 0));
/** -log p of each pixel: the surprise. */
const surprise = (logp) => logp.map((v) => -v);

/**
 * @param {HTMLElement} root
 * @param {import('../genlab.js').GenLab} lab
 * @param {import('../genlab.js').FamilyInfo} info
 */
export async function mount(root, lab, info) {
  const F = info.name;
  const view = await openView(root, lab, info);
  const device = () => (lab.backend === 'webgpu' ? 'GPU' : 'CPU');

  // ---- The raster scan, played back
  const grid = new SampleGrid({ title: 'samples, drawn row by row', cols: COLS, scale: 3 });
  const heat = el('canvas', { id: 'heat', className: 'grid', title: "the model's probability of ink at each pixel when it was drawn" });
  const picker = labelPicker('sample-label', { none: 'any digit (unconditional)', all: 'each digit in turn', value: 'all' });
  const seed = seedRow((s) => drawSamples(s));
  const progress = progressControl('sample');
  const time = el('p', { id: 'sample-time', className: 'timing' });
  let traj = null; // {frames, n, labels, what}
  let playback = 0; // bumped to stop the automatic playback (a new run, the reader scrubbing)
  let drawing = 0; // bumped by each run: only the latest run's frames are shown
  const scrubber = view.own(
    new Scrubber({
      id: 'sample-scrubber',
      captionId: 'sample-rows',
      label: 'rows drawn',
      caption: (i) => {
        const drawn = HEIGHT - traj.frames[i].t;
        return drawn === HEIGHT ? `all ${HEIGHT} rows (the samples)` : `${drawn} of ${HEIGHT} rows`;
      },
      onShow: (i) => showFrame(i),
      play: { id: 'sample-play', speedId: 'sample-speed', speeds: [5, 10, 20, 40], speed: 20 },
    }),
  );
  scrubber.input.addEventListener('input', () => playback++);
  scrubber.playBtn.addEventListener('click', () => playback++);
  picker.input.addEventListener('change', () => guard(() => drawSamples(seed.read())));
  const samplesPanel = panel(
    'Writing a digit, one pixel at a time',
    {
      id: 'raster',
      explain:
        'PixelCNN draws pixel after pixel in reading order, each one a coin flip with the probability of ink the network gives it after seeing every pixel above and to its left. Nothing is decided in advance: the digit takes shape as it is written. Left, the digits so far (a stored state per row); right, the probability each pixel had when it was drawn: pale where the model was sure of paper, dark red where it was sure of ink, orange where it hesitated.',
    },
    el('div', { className: 'actions' }, picker.node, ...seed.nodes, progress.node),
    scrubber.node,
    el(
      'div',
      { className: 'side-by-side' },
      el('figure', {}, el('div', { className: 'canvas-box' }, grid.canvas), el('figcaption', { textContent: 'the digits so far' })),
      el('figure', {}, el('div', { className: 'canvas-box' }, heat), el('figcaption', {}, heatLegend('p(ink) 0', '1'))),
    ),
    time,
  );

  function showFrame(i) {
    const f = traj.frames[i];
    const drawn = HEIGHT - f.t;
    const what = drawn === HEIGHT ? traj.what : `${traj.what}, ${drawn} of ${HEIGHT} rows drawn`;
    grid.show(f.x, { n: traj.n, cols: COLS, what, labels: traj.labels });
    drawHeat(heat, f.x0 ?? new Float32Array(traj.n * PIXELS), { n: traj.n, cols: COLS, scale: 3, max: 1 });
  }

  /** The sampling options the picker describes, and a phrase for them. */
  function samplingOptions() {
    const d = picker.value();
    if (d === 'all') return { options: { n: N, labels: Array.from({ length: N }, (_, i) => i % 10) }, what: `${N} digits, 0–9 in turn` };
    if (d === null) return { options: { n: N }, what: `${N} digits (any digit)` };
    return { options: { n: N, label: d }, what: `${N} digits ${d}` };
  }

  async function drawSamples(s) {
    const mine = ++drawing;
    playback++;
    scrubber.pause();
    const { options, what } = samplingOptions();
    const t0 = performance.now();
    time.textContent = `Drawing ${what}, ${PIXELS} pixels each, row by row…`;
    const r = await progress.run((p) => lab.trajectory(F, { ...options, seed: s, frames: FRAMES, ...p }));
    if (mine !== drawing) return; // a later run took over
    if (!r) {
      time.textContent = `Cancelled after ${num((performance.now() - t0) / 1000, 1)} s: ${traj ? 'the digits shown are the previous ones' : 'nothing was drawn'}.`;
      return;
    }
    traj = { frames: r.frames, n: r.n, labels: options.label ?? options.labels, what: `${what} (seed ${s})` };
    time.textContent = `${what} (seed ${s}): ${num(r.ms / 1000, 2)} s for ${r.n} digits, ${num(r.ms / r.n, 0)} ms per digit on the ${device()}, ${PIXELS} dependent steps each.`;
    scrubber.follow = false;
    scrubber.setCount(r.frames.length);
    // Played back once, row by row, at the scrubber's speed; it ends on the samples.
    const run = ++playback;
    for (let i = 0; i < r.frames.length; i++) {
      if (run !== playback) return;
      scrubber.show(i);
      if (i < r.frames.length - 1) await sleep(1000 / Number(scrubber.speed.input.value));
    }
  }

  // ---- The drawing pad and its completions
  const rowsInput = el('input', { type: 'range', id: 'pad-rows', min: 1, max: HEIGHT - 1, step: 1, value: ROWS, 'aria-label': 'rows kept' });
  const rowsValue = el('span', { id: 'pad-rows-value', className: 'readout' });
  const pad = view.own(new Pad({ id: 'pad', rows: ROWS, title: 'draw the top of a digit here' }));
  window.genlabPad = pad;
  const clearBtn = el('button', { type: 'button', id: 'pad-clear', textContent: 'clear' });
  const testBtn = el('button', { type: 'button', id: 'pad-test' });
  const padNote = el('p', { id: 'pad-note', className: 'explain', textContent: 'Draw with the mouse, a pen or a finger; the right button (or Shift) erases.' });
  const padLabel = labelPicker('pad-label', { none: 'any digit', all: null });
  const cseed = seedRow((s) => complete(s), { prefix: 'complete', button: 'complete' });
  cseed.button.className = 'primary';
  const cprogress = progressControl('complete');
  const completions = el('canvas', { id: 'completions', className: 'grid', title: 'completions: the kept rows, then what the model drew' });
  const ctime = el('p', { id: 'complete-time', className: 'timing' });
  let completing = 0;
  const padPanel = panel(
    'Finish a digit you start',
    {
      id: 'completion',
      explain:
        'Draw the top of a digit. The rows above the dashed line are kept exactly as drawn (ink where the pad is darker than half); the model writes the rest, pixel by pixel, given them. Each completion is a different draw from p(rest of the digit | the rows kept): an ambiguous start gives different digits.',
    },
    el(
      'div',
      { className: 'pad-layout' },
      el('figure', {}, pad.canvas, el('figcaption', { textContent: 'rows above the line are kept' })),
      el(
        'div',
        { className: 'pad-controls' },
        el('label', { className: 'field', htmlFor: 'pad-rows' }, 'rows kept ', rowsInput, rowsValue),
        padLabel.node,
        el('div', { className: 'actions' }, clearBtn, testBtn),
        padNote,
        el('div', { className: 'actions' }, ...cseed.nodes, cprogress.node),
      ),
    ),
    el('h3', { textContent: `${COMPLETIONS} completions` }),
    el('div', { className: 'canvas-box' }, completions),
    ctime,
  );

  const keptRows = () => Number(rowsInput.value);
  function rowsChanged() {
    const rows = keptRows();
    pad.rows = rows;
    rowsValue.textContent = `${rows} of ${HEIGHT}`;
    testBtn.textContent = rows === HEIGHT / 2 ? "use a test digit's top half" : `use a test digit's top ${rows} rows`;
  }
  rowsChanged();
  rowsInput.addEventListener('input', rowsChanged);
  clearBtn.addEventListener('click', () => {
    pad.clear();
    padNote.textContent = 'Cleared: draw the top of a digit.';
  });
  testBtn.addEventListener('click', () =>
    guard(async () => {
      const index = Math.floor(Math.random() * TEST_DIGITS);
      const rows = keptRows();
      const d = await lab.testDigits([index]);
      pad.set(d.pixels, { rows });
      padNote.textContent = `Test digit #${index}, a ${d.labels[0]}: its top ${rows} rows. Press "complete" to see how the model finishes it.`;
    }),
  );

  async function complete(s) {
    const mine = ++completing;
    const rows = keptRows();
    const label = padLabel.value();
    delete completions.dataset.rows;
    const asked = label === null ? '' : `, asked for a ${label}`;
    ctime.textContent = `Completing the top ${rows} rows ${COMPLETIONS} times${asked}…`;
    const r = await cprogress.run((p) =>
      lab.complete(F, { pixels: pad.pixels(), rows, n: COMPLETIONS, seed: s, frames: FRAMES, ...(label === null ? {} : { label }), ...p }),
    );
    if (mine !== completing) return;
    if (!r) {
      ctime.textContent = 'Cancelled: the completions shown are the previous ones.';
      return;
    }
    // The rows fill in, then the completions stay.
    for (const f of r.frames) {
      if (mine !== completing) return;
      drawGrid(completions, f.x, { n: r.n, cols: COMPLETIONS, scale: 3 });
      await sleep(1000 / FILL_FPS);
    }
    markLabels(completions, r.n, label);
    completions.dataset.rows = String(rows);
    ctime.textContent = `${r.n} completions of the top ${rows} rows (seed ${s}${asked}): ${HEIGHT - rows} rows drawn per digit in ${num(r.ms / 1000, 2)} s on the ${device()}.`;
  }

  // ---- Likelihood: the drawing, a test digit, test digits ranked
  const padDigit = el('canvas', { id: 'pad-digit', className: 'grid', title: 'your drawing, binarised as the model sees it' });
  const padSurprise = el('canvas', { id: 'pad-surprise', className: 'grid', title: '-log p of each pixel of your drawing' });
  const padNll = el('p', { id: 'pad-nll', className: 'readout', textContent: 'Draw a digit on the pad to see its likelihood.' });
  const testIndex = numberField('test-index', 'test digit', { value: 0, min: 0, max: TEST_DIGITS - 1 });
  const testOther = el('button', { type: 'button', id: 'test-other', textContent: 'another test digit' });
  const testDigit = el('canvas', { id: 'test-digit', className: 'grid', title: 'the test digit, binarised as the model sees it' });
  const testSurprise = el('canvas', { id: 'test-surprise', className: 'grid', title: '-log p of each pixel of the test digit' });
  const testNll = el('p', { id: 'test-nll', className: 'readout' });
  const rankBtn = el('button', { type: 'button', id: 'rank-btn', textContent: `rank ${RANK_N} other test digits` });
  const rankNote = el('p', { id: 'rank-note', className: 'explain' });
  const typical = el('canvas', { id: 'test-ranked-typical', className: 'grid', title: 'the most likely test digits' });
  const outliers = el('canvas', { id: 'test-ranked-outliers', className: 'grid', title: 'the least likely test digits' });
  const outliersSurprise = el('canvas', { id: 'test-ranked-outliers-surprise', className: 'grid', title: 'where the model was surprised by them' });
  const typicalNll = el('div', { id: 'test-ranked-typical-nll' });
  const outliersNll = el('div', { id: 'test-ranked-outliers-nll' });
  let reference = null; // the ranked digits' median -log p, for the readouts
  const pair = (digit, map, digitCaption) =>
    el(
      'div',
      { className: 'side-by-side' },
      el('figure', {}, el('div', { className: 'canvas-box' }, digit), el('figcaption', { textContent: digitCaption })),
      el('figure', {}, el('div', { className: 'canvas-box' }, map), el('figcaption', { textContent: '−log p of each pixel' })),
    );
  const llPanel = panel(
    'Exact likelihood, pixel by pixel',
    {
      id: 'likelihood-panel',
      explain:
        'The chain rule makes log p(x) = Σᵢ log p(xᵢ | the pixels before it) exact: no bound, no sampling, one pass of the network. Each pixel\'s term says how surprised the model was by it (the maps: white where it expected what it saw, dark red where it did not). Digits are binarised at ½ and scored without a label; higher log p (fewer nats of −log p) is more typical.',
    },
    el('div', { className: 'actions' }, heatLegend('−log p 0', `${SURPRISE_MAX} nats or more`)),
    el(
      'div',
      { className: 'columns' },
      el('div', {}, el('h3', { textContent: 'Your drawing (the pad above)' }), padNll, pair(padDigit, padSurprise, 'the drawing, binarised')),
      el(
        'div',
        {},
        el('h3', { textContent: 'A test digit' }),
        el('div', { className: 'actions' }, testIndex.node, testOther),
        testNll,
        pair(testDigit, testSurprise, 'the test digit, binarised'),
      ),
    ),
    el('h3', { textContent: `Test digits ranked by likelihood` }),
    rankNote,
    el('p', { className: 'explain', textContent: 'The most typical (highest log p):' }),
    el('div', { className: 'canvas-box' }, typical, typicalNll),
    el('p', { className: 'explain', textContent: 'The outliers (lowest log p), and where they surprised the model:' }),
    el('div', { className: 'canvas-box' }, outliers, outliersNll, outliersSurprise),
    el('div', { className: 'actions' }, rankBtn),
  );

  /** "log p(x) = −88.1 nats (0.162 bits/dim)", and how it compares with the ranked test digits. */
  function nllText(nats) {
    const bits = -nats / (PIXELS * Math.LN2);
    const than = reference === null ? '' : ` (the median test digit: ${signed(reference)} nats)`;
    return `log p(x) = ${signed(nats)} nats (${num(bits, 3)} bits/dim)${than}`;
  }

  async function scoreDrawing() {
    if (pad.empty()) {
      padNll.textContent = 'Draw a digit on the pad to see its likelihood.';
      delete padNll.dataset.nats;
      drawGrid(padDigit, new Float32Array(PIXELS), { n: 1, scale: 4 });
      drawHeat(padSurprise, new Float32Array(PIXELS), { n: 1, scale: 4 });
      return;
    }
    const px = pad.pixels();
    const r = await lab.likelihood(F, { images: px });
    drawGrid(padDigit, binarise(px), { n: 1, scale: 4 });
    drawHeat(padSurprise, surprise(r.pixels), { n: 1, scale: 4, max: SURPRISE_MAX });
    padNll.textContent = nllText(r.nats[0]);
    padNll.dataset.nats = String(r.nats[0]);
  }
  const rescore = latestOnly(scoreDrawing, showError);
  // Blank paper until there is something to show.
  const blank = (n) => new Float32Array(n * PIXELS);
  drawGrid(padDigit, blank(1), { n: 1, scale: 4 });
  drawHeat(padSurprise, blank(1), { n: 1, scale: 4 });
  drawGrid(completions, blank(COMPLETIONS), { n: COMPLETIONS, cols: COMPLETIONS, scale: 3 });
  pad.onchange = () => rescore();

  async function drawTest() {
    const index = readInt(testIndex.input, 'test digit', 0, TEST_DIGITS - 1);
    const d = await lab.testDigits([index]);
    const r = await lab.likelihood(F, { images: d.pixels });
    drawGrid(testDigit, binarise(d.pixels), { n: 1, scale: 4 });
    drawHeat(testSurprise, surprise(r.pixels), { n: 1, scale: 4, max: SURPRISE_MAX });
    testNll.textContent = `#${index}, a ${d.labels[0]}: ${nllText(r.nats[0])}`;
    testNll.dataset.nats = String(r.nats[0]);
  }
  testIndex.input.addEventListener('change', () => guard(drawTest));
  testOther.addEventListener('click', () => {
    testIndex.input.value = String(Math.floor(Math.random() * TEST_DIGITS));
    guard(drawTest);
  });

  let rankStart = 0;
  async function drawRanked() {
    rankBtn.disabled = true;
    try {
      const indices = Array.from({ length: RANK_N }, (_, k) => rankStart + k);
      const d = await lab.testDigits(indices);
      const r = await lab.likelihood(F, { images: d.pixels });
      const order = indices.map((_, k) => k).sort((a, b) => r.nats[b] - r.nats[a]); // most likely first
      const top = order.slice(0, SHOW);
      const bottom = order.slice(-SHOW).reverse(); // the least likely first
      const digits = (ks) => concat(...ks.map((k) => binarise(d.pixels.subarray(k * PIXELS, (k + 1) * PIXELS))));
      const nll = (ks) => ks.map((k) => -r.nats[k]);
      drawGrid(typical, digits(top), { n: SHOW, cols: SHOW, scale: 3 });
      drawGrid(outliers, digits(bottom), { n: SHOW, cols: SHOW, scale: 3 });
      drawHeat(outliersSurprise, concat(...bottom.map((k) => surprise(r.pixels.subarray(k * PIXELS, (k + 1) * PIXELS)))), { n: SHOW, cols: SHOW, scale: 3, max: SURPRISE_MAX });
      typical.dataset.nll = nll(top).map((v) => v.toFixed(2)).join(',');
      outliers.dataset.nll = nll(bottom).map((v) => v.toFixed(2)).join(',');
      typicalNll.replaceChildren(tileLabels(nll(top).map((v, i) => `${num(v, 1)} · #${indices[top[i]]}`), 3));
      outliersNll.replaceChildren(tileLabels(nll(bottom).map((v, i) => `${num(v, 1)} · #${indices[bottom[i]]}`), 3));
      const sorted = Array.from(r.nats).sort((a, b) => a - b);
      reference = sorted[Math.floor(RANK_N / 2)];
      const mean = sorted.reduce((s, v) => s + v, 0) / RANK_N;
      rankNote.textContent = `Test digits #${rankStart}–#${rankStart + RANK_N - 1}, binarised at ½: mean log p(x) = ${signed(mean)} nats, from ${signed(sorted[RANK_N - 1])} (the most typical) to ${signed(sorted[0])} (the oddest). Under each digit: −log p in nats · its index.`;
    } finally {
      rankBtn.disabled = false;
    }
  }
  rankBtn.addEventListener('click', () => {
    rankStart = Math.floor(Math.random() * (TEST_DIGITS / RANK_N)) * RANK_N;
    guard(drawRanked);
  });

  // ---- Training, evaluation, weights
  const { training, evaluation, weights } = view.modelPanels({
    training: {
      explain:
        'Each step shows the network a batch of digits (binarised afresh) and lowers −log p(x), the exact negative log-likelihood summed over the 784 pixels: the chart is in nats per digit, the units of the likelihood panel. The masked convolutions compute all 784 conditionals in one pass when training; sampling needs 784 dependent steps. The samples above refresh as it learns.',
      steps: 500,
      chunk: 5,
      sampleN: N,
      onSamples: (s, step) => {
        playback++;
        traj = null;
        scrubber.setCount(0);
        clearGrid(heat);
        grid.show(s.pixels, { n: s.n, cols: COLS, what: `${s.n} samples at training step ${step} (any digit)` });
      },
    },
    // Fresh samples each take 784 dependent steps: 100 of them.
    evaluate: { screen: () => grid.current(), fresh: 100 },
  });

  view.show(samplesPanel, padPanel, llPanel, training.node, evaluation.node, weights.node);
  const samples = () => drawSamples(seed.read());
  return view.start({
    first: samples,
    then: [drawTest, drawRanked],
    refresh: [
      // A finished run leaves its last progress samples on screen; a reset or a file redraws.
      (config, why) => (why === 'trained' ? undefined : samples()),
      drawTest,
      drawRanked,
      scoreDrawing,
    ],
  });
}
