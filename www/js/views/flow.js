// The normalizing flows' page (both `nice` and `realnvp`): samples with the temperature of z;
// the round trip of a drawing (or a test digit) to its code z and back, exact up to rounding;
// interpolation in z; the drawing through the flow layer by layer with each layer's log-det;
// the exact likelihood of the drawing, test digits ranked from typical to outlier, and the
// known caveat (simple images a flow can find more likely than digits); then training,
// evaluation and weights.
//
// Element ids (stable; the browser tests rely on them):
//   #samples (canvas, 16 digits; data-temperature = the T they were drawn at) #temperature
//     (range 0..1.5) #temperature-value #sample-seed #sample-btn #sample-new #sample-time
//   #pad (canvas, ui/pad.js; window.genlabPad is the Pad) #pad-clear #test-index #pad-test
//     (loads test digit #test-index into the pad) #pad-note #z (canvas: z, mid-grey 0, black
//     >= +3, white <= -3) #roundtrip (canvas: f⁻¹(z)) #roundtrip-error (data-error = max |x −
//     f⁻¹(f(x))|, set once the current drawing's round trip is drawn) #z-stats
//   the interpolation panel's (ui/encoder.js latentPanel): #interp-a #interp-b #interp-btn #interp
//   #layers (div: a figure per layer, canvases #layer-0 .. #layer-(L-1), each scaled to its own
//     largest |value|) #layers-logdet (data-logdets: each layer's log |det| in nats,
//     comma-separated; data-layers = L)
//   #pad-nll (data-bpd = bits/dim, data-nats = log p) #rank-btn #rank-note #ranked-typical
//     #ranked-outliers (canvases, data-bpd = each digit's bits/dim, comma-separated)
//     #ranked-typical-bpd #ranked-outliers-bpd (their readouts) #caveat (data-blank-bpd,
//     data-grey-bpd, data-digit-bpd) #caveat-images (canvas: blank, grey, the digit)
//     #caveat-text
//   the training panel's (ui/training.js) with #loss-bpd and #loss-chart, the evaluate panel's
//   (ui/evaluate.js) and the weights panel's (ui/weights.js)
//
// Every state and likelihood comes from the lab (lab.encode, lab.decode, lab.layers,
// lab.likelihood): the page only draws them.

import { PIXELS, TEST_DIGITS } from '../genlab.js';
import { el, latestOnly, num, numberField, panel, readInt, signed } from '../ui/dom.js';
import { latentPanel } from '../ui/encoder.js';
import { clearGrid, concat, drawGrid, tileLabels } from '../ui/grid.js';
import { dataText } from '../ui/likelihood.js';
import { guard, showError } from '../ui/page.js';
import { Pad } from '../ui/pad.js';
import { SampleGrid, seedRow } from '../ui/samples.js';
import { openView } from '../ui/view.js';

/** Samples drawn. */
const N = 16;
const COLS = 8;
/** |z| drawn black or white in the z picture (z ~ N(0, 1): 3 is a rare value). */
const Z_RANGE = 3;
/** Test digits ranked by likelihood, and how many of each end are shown. */
const RANK_N = 200;
const SHOW = 8;
/** The flat grey page of the caveat. */
const GREY = 0.5;

/** Values in [-range, range] as ink: mid-grey 0, black at +range and above, white at -range and below. */
function toInk(values, range) {
  return Float32Array.from(values, (v) => Math.min(1, Math.max(0, (v / range) * 0.5 + 0.5)));
}

/** The largest |value| of an array (0 for none). */
function maxAbs(values) {
  let m = 0;
  for (const v of values) if (Math.abs(v) > m) m = Math.abs(v);
  return m;
}

/** "3.1e-7", or "0". */
const tiny = (v) => (v === 0 ? '0' : v.toExponential(1));

/** "a 7", "an 8". */
const aDigit = (d) => `${d === 8 ? 'an' : 'a'} ${d}`;

/** A figure: a canvas in its box, a caption under it. */
const figure = (canvas, caption) => el('figure', {}, el('div', { className: 'canvas-box' }, canvas), el('figcaption', {}, caption));

/**
 * @param {HTMLElement} root
 * @param {import('../genlab.js').GenLab} lab
 * @param {import('../genlab.js').FamilyInfo} info
 */
export async function mount(root, lab, info) {
  const F = info.name;
  const additive = F === 'nice'; // NICE's couplings only shift; RealNVP's scale and shift
  const view = await openView(root, lab, info);
  const device = () => (lab.backend === 'webgpu' ? 'GPU' : 'CPU');
  const data = dataText({ pixels: info.pixels });

  // ---- Samples, with the temperature of z
  const tSpec = info.sampling.find((h) => h.key === 'temperature') ?? { default: 1, min: 0, max: 1.5 };
  const grid = new SampleGrid({ title: 'samples: f⁻¹(z) for z drawn from N(0, T²I)', cols: COLS, scale: 3 });
  const seed = seedRow((s) => drawSamples(s));
  const tInput = el('input', { type: 'range', id: 'temperature', min: tSpec.min, max: tSpec.max, step: 0.05, value: String(tSpec.default), 'aria-label': 'temperature' });
  const tValue = el('span', { id: 'temperature-value', className: 'readout' });
  const time = el('p', { id: 'sample-time', className: 'timing' });
  const samplesPanel = panel(
    'Samples, and the temperature of z',
    {
      id: 'samples-panel',
      explain: `A flow is one invertible function f from a digit to a code z of the same size (784 numbers). To sample, draw z from a Gaussian and run f backwards: one pass, no chain. The temperature T scales z: at 1 the samples follow the model's own distribution; below 1 they come from nearer its centre, cleaner but less varied (this page starts at ${tSpec.default}); at 0 every z is 0 and all 16 digits are the same picture.`,
    },
    el('div', { className: 'actions' }, el('label', { className: 'field', htmlFor: 'temperature' }, 'temperature T ', tInput, tValue)),
    el('div', { className: 'canvas-box' }, grid.canvas),
    el('div', { className: 'actions' }, ...seed.nodes),
    time,
  );
  const temperature = () => Number(tInput.value);
  let drawing = 0; // bumped by each draw: only the latest one is shown
  async function drawSamples(s) {
    const mine = ++drawing;
    const T = temperature();
    const t0 = performance.now();
    const out = await lab.sample(F, { n: N, seed: s, temperature: T });
    if (mine !== drawing) return;
    const ms = performance.now() - t0;
    grid.show(out.pixels, { n: N, what: `${N} samples at temperature ${T} (seed ${s})` });
    grid.canvas.dataset.temperature = String(T);
    time.textContent = `${N} digits at T = ${T} (seed ${s}): ${num(ms, 0)} ms on the ${device()}, one pass of f⁻¹ for all of them.`;
  }
  const redraw = latestOnly(() => drawSamples(seed.read()), showError);
  const showT = () => (tValue.textContent = temperature().toFixed(2));
  showT();
  tInput.addEventListener('input', () => {
    showT();
    redraw();
  });

  // ---- The round trip: a drawing to z and back
  const pad = view.own(new Pad({ id: 'pad', title: 'draw a digit here' }));
  window.genlabPad = pad;
  const clearBtn = el('button', { type: 'button', id: 'pad-clear', textContent: 'clear' });
  const testIndex = numberField('test-index', 'test digit', { value: 0, min: 0, max: TEST_DIGITS - 1 });
  const testBtn = el('button', { type: 'button', id: 'pad-test', textContent: 'load test digit' });
  const padNote = el('p', { id: 'pad-note', className: 'explain', textContent: 'Draw with the mouse, a pen or a finger; the right button (or Shift) erases.' });
  const zCanvas = el('canvas', { id: 'z', className: 'grid', title: `z = f(x): mid-grey 0, black +${Z_RANGE} or more, white −${Z_RANGE} or less` });
  const rtCanvas = el('canvas', { id: 'roundtrip', className: 'grid', title: 'f⁻¹(z): the drawing again' });
  const rtError = el('p', { id: 'roundtrip-error', className: 'readout' });
  const zStats = el('p', { id: 'z-stats', className: 'explain' });
  const padPanel = panel(
    'There and back: the round trip through z',
    {
      id: 'roundtrip-panel',
      explain:
        'A flow is invertible by construction: each layer moves half of the numbers by amounts computed from the other half, which it leaves alone, so the move can be undone exactly. Encoding is f, decoding is f⁻¹, and a digit comes back from its code to within float rounding. No other family here does that: a VAE\'s decoder gives back a blurred guess, a GAN has no way back at all. And z is no summary: it has as many numbers as the image and keeps everything about it.',
    },
    el(
      'div',
      { className: 'pad-layout' },
      el('figure', {}, pad.canvas, el('figcaption', { textContent: 'x: your drawing' })),
      el('div', { className: 'pad-controls' }, el('div', { className: 'actions' }, clearBtn), el('div', { className: 'actions' }, testIndex.node, testBtn), padNote),
    ),
    el(
      'div',
      { className: 'side-by-side' },
      figure(zCanvas, `z = f(x), 28 × 28 (grey 0, black ≥ +${Z_RANGE}, white ≤ −${Z_RANGE})`),
      figure(rtCanvas, 'f⁻¹(z): decoded again'),
    ),
    rtError,
    zStats,
  );

  async function loadTestDigit({ onlyIfBlank = false } = {}) {
    const index = readInt(testIndex.input, 'test digit', 0, TEST_DIGITS - 1);
    const d = await lab.testDigits([index]);
    if (onlyIfBlank && !pad.empty()) return; // the reader started drawing meanwhile
    pad.set(d.pixels);
    padNote.textContent = `Test digit #${index}, ${aDigit(d.labels[0])}. Draw over it, or clear the pad and draw your own.`;
  }
  clearBtn.addEventListener('click', () => {
    pad.clear();
    padNote.textContent = 'Cleared: draw a digit.';
  });
  testBtn.addEventListener('click', () => guard(() => loadTestDigit()));
  testIndex.input.addEventListener('change', () => guard(() => loadTestDigit()));

  // ---- Interpolation in z
  const latent = latentPanel(lab, info, {
    title: 'Interpolation in z',
    explain:
      'Ten steps on the straight line between the codes z of two test digits, each decoded by f⁻¹. The ends are the digits themselves, exactly. In between, a flow has no promise of meaningful digits: z has 784 numbers, and the midpoint of two codes has a smaller norm than either (about 1/√2 of it for unrelated codes), like a sample drawn at a lower temperature.',
    manifold: false,
  });

  // ---- The drawing through the flow, layer by layer
  const layersBox = el('div', { id: 'layers', className: 'side-by-side' });
  layersBox.style.gap = '0.6rem';
  const layersLogdet = el('p', { id: 'layers-logdet', className: 'readout' });
  const couplings = additive
    ? "NICE's couplings are additive: each shifts half of the pixels (every other column: the odd or the even entries of the flattened image) by amounts an MLP computes from the other half, so it keeps volume and its log-det is 0. Only the last layer, a learnt scale per pixel, stretches or squeezes space."
    : "RealNVP's couplings are affine: each scales and shifts half of the numbers (a checkerboard of pixels, or half of the channels once a squeeze has folded each 2 × 2 block into 4 channels) by amounts a small ResNet computes from the other half; its log-det is the sum of the log-scales. After each scale, half of the numbers leave as final z and the rest go on at half the resolution; the tiles put the parts that left back where their pixels came from.";
  const layersPanel = panel(
    'Through the flow, layer by layer',
    {
      id: 'layers-panel',
      explain: `The drawing above on its way to z. First the logit: pixels y in [0, 1] become logit(0.05 + 0.9 y), unbounded numbers for the flow to work on. ${couplings} Each tile is scaled on its own: mid-grey is 0, black and white are + and − the tile's largest |value| (the ± under it). Under each tile, the layer's log |det| in nats: how much it stretches space around this digit.`,
    },
    layersBox,
    layersLogdet,
    el('p', {
      className: 'explain',
      textContent:
        "The change of variables makes the likelihood exact: log p(y) = log N(z; 0, I) + the sum of the log-dets, the prior's log-density of where the digit lands plus how much every layer stretched space on the way. From that density of pixels in [0, 1] to the probability of the 8-bit digit, subtract 784 ln 256 (the next panel's figure; it adds the dequantisation noise first, so it differs slightly from these layers, traced on the pixels as drawn).",
    }),
  );

  function showLayers(r) {
    const figures = r.names.map((name, i) => {
      const state = r.states.subarray(i * PIXELS, (i + 1) * PIXELS);
      const scale = maxAbs(state);
      const canvas = el('canvas', { id: `layer-${i}`, className: 'grid', title: name });
      drawGrid(canvas, scale > 0 ? toInk(state, scale) : new Float32Array(PIXELS).fill(0.5), { n: 1, scale: 3 });
      const ld = r.logdets[i];
      const caption = el('figcaption', {
        style: 'width: 84px; font-size: 0.75rem; color: var(--muted); font-variant-numeric: tabular-nums',
        title: `${name}: log |det| = ${ld} nats; tile scale ±${scale}`,
      });
      caption.append(
        el('div', { textContent: name }),
        el('div', { textContent: ld === 0 ? 'log-det 0' : `log-det ${signed(ld, 1)}` }),
        el('div', { textContent: `±${num(scale, 2)}` }),
      );
      return el('figure', { style: 'margin: 0' }, el('div', { className: 'canvas-box' }, canvas), caption);
    });
    layersBox.replaceChildren(...figures);
    const total = Array.from(r.logdets).reduce((s, v) => s + v, 0);
    const flat = Array.from(r.logdets).filter((v) => v === 0).length;
    const kept = flat ? ` (${flat} of them keep volume: log-det 0)` : '';
    layersLogdet.textContent = `${r.layers} layers${kept}; their log-dets sum to ${signed(total, 1)} nats for this drawing.`;
    layersLogdet.dataset.logdets = Array.from(r.logdets, (v) => v.toFixed(4)).join(',');
    layersLogdet.dataset.layers = String(r.layers);
  }

  // ---- Likelihood: the drawing, test digits ranked, the caveat
  const padNll = el('p', { id: 'pad-nll', className: 'readout' });
  const rankBtn = el('button', { type: 'button', id: 'rank-btn', textContent: `rank ${RANK_N} other test digits` });
  const rankNote = el('p', { id: 'rank-note', className: 'explain' });
  const typical = el('canvas', { id: 'ranked-typical', className: 'grid', title: 'the most likely test digits' });
  const outliers = el('canvas', { id: 'ranked-outliers', className: 'grid', title: 'the least likely test digits' });
  const typicalBpd = el('div', { id: 'ranked-typical-bpd' });
  const outliersBpd = el('div', { id: 'ranked-outliers-bpd' });
  const caveatImages = el('canvas', { id: 'caveat-images', className: 'grid', title: 'a blank page, a flat grey page, a typical test digit' });
  const caveatBpd = el('div', {});
  const caveatText = el('p', { id: 'caveat-text', className: 'explain' });
  const caveat = el(
    'div',
    { id: 'caveat' },
    el('h3', { textContent: 'What an exact likelihood does not tell you' }),
    el('div', { className: 'canvas-box' }, caveatImages, caveatBpd),
    caveatText,
  );
  const llPanel = panel(
    'Exact likelihood',
    {
      id: 'likelihood-panel',
      explain: `A flow gives every image its log-likelihood in one pass, with no bound and no sampling: the change of variables of the last panel. The figures here are of the 8-bit digit, dequantised: noise u in [0, 1) is added to each byte (one fixed draw), the density p of y = (byte + u) / 256 is exact, and the figure is log p(y) − 784 ln 256, whose average over u is a lower bound on the log-probability of the 8-bit digit. In bits per dimension (per pixel): lower is more likely. These are ${data}: a PixelCNN's or a VAE's figure is of digits binarised to black and white, a different question, and not comparable with these.`,
    },
    el('h3', { textContent: 'Your drawing (the pad above)' }),
    padNll,
    el('h3', { textContent: 'Test digits ranked by likelihood' }),
    el('p', {
      className: 'explain',
      textContent: `An exact likelihood is an outlier score: among ${RANK_N} test digits, the least likely tend to be the odd ones (unusual shapes, thick or broken strokes), the most likely the simplest (little ink to account for, often a thin 1).`,
    }),
    rankNote,
    el('p', { className: 'explain', textContent: 'The most typical (fewest bits/dim):' }),
    el('div', { className: 'canvas-box' }, typical, typicalBpd),
    el('p', { className: 'explain', textContent: 'The outliers (most bits/dim):' }),
    el('div', { className: 'canvas-box' }, outliers, outliersBpd),
    el('div', { className: 'actions' }, rankBtn),
    caveat,
  );

  let median = null; // {index, label, pixels, bpd, ranked}: the ranked digits' median, the caveat's typical digit
  function showNll(r) {
    const bpd = r.bits_per_dim[0];
    const than = median ? `; the median of the ranked test digits: ${num(median.bpd, 3)} bits/dim` : '';
    padNll.textContent = `log p(x) = ${signed(r.nats[0], 1)} nats · ${num(bpd, 3)} bits/dim${than}`;
    padNll.dataset.nats = String(r.nats[0]);
    padNll.dataset.bpd = String(bpd);
  }

  let rankStart = 0;
  async function drawRanked() {
    rankBtn.disabled = true;
    const indices = Array.from({ length: RANK_N }, (_, k) => rankStart + k);
    rankNote.textContent = `Scoring test digits #${indices[0]}–#${indices[RANK_N - 1]}…`;
    try {
      const d = await lab.testDigits(indices);
      const r = await lab.likelihood(F, { images: d.pixels });
      const order = indices.map((_, k) => k).sort((a, b) => r.bits_per_dim[a] - r.bits_per_dim[b]); // most likely first
      const top = order.slice(0, SHOW);
      const bottom = order.slice(-SHOW).reverse(); // the least likely first
      const digits = (ks) => concat(...ks.map((k) => d.pixels.subarray(k * PIXELS, (k + 1) * PIXELS)));
      const bpd = (ks) => ks.map((k) => r.bits_per_dim[k]);
      drawGrid(typical, digits(top), { n: SHOW, cols: SHOW, scale: 3 });
      drawGrid(outliers, digits(bottom), { n: SHOW, cols: SHOW, scale: 3 });
      typical.dataset.bpd = bpd(top).map((v) => v.toFixed(4)).join(',');
      outliers.dataset.bpd = bpd(bottom).map((v) => v.toFixed(4)).join(',');
      typicalBpd.replaceChildren(tileLabels(bpd(top).map((v, i) => `${num(v, 2)} · #${indices[top[i]]}`), 3));
      outliersBpd.replaceChildren(tileLabels(bpd(bottom).map((v, i) => `${num(v, 2)} · #${indices[bottom[i]]}`), 3));
      const m = order[Math.floor(RANK_N / 2)];
      median = { index: indices[m], label: d.labels[m], pixels: d.pixels.slice(m * PIXELS, (m + 1) * PIXELS), bpd: r.bits_per_dim[m], ranked: true };
      const mean = Array.from(r.bits_per_dim).reduce((s, v) => s + v, 0) / RANK_N;
      rankNote.textContent = `Test digits #${indices[0]}–#${indices[RANK_N - 1]}: mean ${num(mean, 3)} bits/dim, from ${num(r.bits_per_dim[order[0]], 3)} (the most typical) to ${num(r.bits_per_dim[order[RANK_N - 1]], 3)} (the oddest). Under each digit: bits/dim · its index.`;
    } catch (e) {
      rankNote.textContent = 'The ranking failed (see the message above).';
      throw e;
    } finally {
      rankBtn.disabled = false;
    }
  }

  async function drawCaveat() {
    if (!median) {
      const d = await lab.testDigits([0]);
      median = { index: 0, label: d.labels[0], pixels: d.pixels, bpd: NaN, ranked: false };
    }
    const digit = median;
    const images = concat(new Float32Array(PIXELS), new Float32Array(PIXELS).fill(GREY), digit.pixels);
    caveatText.textContent = 'Scoring a blank page and a flat grey one…';
    let r;
    try {
      r = await lab.likelihood(F, { images });
    } catch (e) {
      caveatText.textContent = 'The comparison failed (see the message above).';
      throw e;
    }
    const [blank, grey, real] = r.bits_per_dim;
    drawGrid(caveatImages, images, { n: 3, cols: 3, scale: 4 });
    caveatBpd.replaceChildren(tileLabels([`blank: ${num(blank, 3)}`, `grey: ${num(grey, 3)}`, `#${digit.index}: ${num(real, 3)}`], 4));
    caveat.dataset.blankBpd = String(blank);
    caveat.dataset.greyBpd = String(grey);
    caveat.dataset.digitBpd = String(real);
    const which = digit.ranked ? `test digit #${digit.index} (${aDigit(digit.label)}, the median of the ${RANK_N} ranked above)` : `test digit #${digit.index} (${aDigit(digit.label)})`;
    const verdict = (name, v) =>
      v < real
        ? `${name}: ${num(v, 3)} bits/dim, fewer than the digit's ${num(real, 3)}, so the model finds it more likely than a real digit.`
        : `${name}: ${num(v, 3)} bits/dim, more than the digit's ${num(real, 3)}, so this one the model does find less likely.`;
    const fooled = [blank, grey].filter((v) => v < real).length;
    const summary =
      fooled === 2
        ? 'Both pictures that are no digit at all beat a typical digit.'
        : fooled === 1
          ? 'One picture that is no digit at all beats a typical digit.'
          : 'This model is not fooled by these two pictures, but the warning stands.';
    caveatText.textContent =
      `Beside ${which}. ${verdict('The blank page', blank)} ${verdict(`The flat grey page (every pixel ${GREY})`, grey)} ${summary} ` +
      'A likelihood measures how well the pixels fit the statistics the model learnt, and those are dominated by easy things (large smooth areas, neighbouring pixels alike), not by whether the picture is a digit. Nalisnick et al. (2019, "Do Deep Generative Models Know What They Don\'t Know?") found flows trained on one data set giving higher likelihood to images from a simpler one they never saw (house numbers under a model of CIFAR-10 photos). So a high likelihood is a poor test of "is this a digit at all", even when, as above, a low one picks out odd digits among digits.';
  }

  rankBtn.addEventListener('click', () => {
    rankStart = Math.floor(Math.random() * (TEST_DIGITS / RANK_N)) * RANK_N;
    guard(async () => {
      await drawRanked();
      await drawCaveat();
    });
  });

  // ---- The pad's drawing, analysed: round trip, layers, likelihood. Each change of the pad
  // clears the readouts at once (their data-* go until the new results are in), and only the
  // latest drawing's results are written.
  let padVersion = 0;
  const readouts = () => [rtError, layersLogdet, padNll];
  function padChanged() {
    padVersion++;
    delete rtError.dataset.error;
    delete layersLogdet.dataset.logdets;
    delete layersLogdet.dataset.layers;
    delete padNll.dataset.bpd;
    delete padNll.dataset.nats;
    if (pad.empty()) {
      rtError.textContent = 'The pad is blank: draw a digit, or load a test digit.';
      layersLogdet.textContent = 'Draw a digit on the pad to see it pass through the layers.';
      padNll.textContent = 'Draw a digit on the pad to see its likelihood.';
      zStats.textContent = '';
      clearGrid(zCanvas);
      clearGrid(rtCanvas);
      layersBox.replaceChildren();
      return;
    }
    for (const r of readouts()) r.textContent = 'computing…';
    analyse();
  }
  const analyse = latestOnly(async () => {
    const mine = padVersion;
    const stale = () => mine !== padVersion;
    if (pad.empty()) return;
    const x = pad.pixels();
    try {
      const enc = await lab.encode(F, { images: x });
      if (stale()) return;
      const dec = await lab.decode(F, { codes: enc.codes });
      if (stale()) return;
      let err = 0;
      for (let i = 0; i < PIXELS; i++) err = Math.max(err, Math.abs(dec.pixels[i] - x[i]));
      drawGrid(zCanvas, toInk(enc.codes, Z_RANGE), { n: 1, scale: 5 });
      drawGrid(rtCanvas, dec.pixels, { n: 1, scale: 5 });
      rtError.textContent = `max |x − f⁻¹(f(x))| = ${tiny(err)} over the 784 pixels`;
      rtError.dataset.error = String(err);
      const mean = enc.codes.reduce((s, v) => s + v, 0) / enc.codes.length;
      const sd = Math.sqrt(enc.codes.reduce((s, v) => s + (v - mean) ** 2, 0) / enc.codes.length);
      zStats.textContent = `z's 784 numbers: mean ${signed(mean, 2)}, standard deviation ${num(sd, 2)}, largest |z| ${num(maxAbs(enc.codes), 2)} (the prior N(0, I) has mean 0 and standard deviation 1). The digit is in there, scrambled: f⁻¹ gets it back.`;

      const layers = await lab.layers(F, { images: x });
      if (stale()) return;
      showLayers(layers);

      const ll = await lab.likelihood(F, { images: x });
      if (stale()) return;
      showNll(ll);
    } catch (e) {
      if (!stale()) for (const r of readouts()) if (r.textContent === 'computing…') r.textContent = 'Failed (see the message above).';
      throw e;
    }
  }, showError);
  pad.onchange = () => padChanged();
  // Blank paper until there is something to show.
  padChanged();
  drawGrid(typical, new Float32Array(SHOW * PIXELS), { n: SHOW, cols: SHOW, scale: 3 });
  drawGrid(outliers, new Float32Array(SHOW * PIXELS), { n: SHOW, cols: SHOW, scale: 3 });

  // ---- Training, evaluation, weights
  const { training, evaluation, weights } = view.modelPanels({
    training: {
      explain: `Each step adds fresh dequantisation noise to a batch of digits and lowers −log p(x) in bits/dim, the likelihood panel's figure, exactly: no bound, no adversary, no noise schedule. The shipped weights took ${info.train_steps.toLocaleString('en')} steps. The samples above refresh as it learns (at T = ${tSpec.default}).`,
      charts: [{ id: 'loss-chart', keys: ['bpd'], yLabel: 'bits/dim' }],
      steps: 500,
      chunk: 2,
      sampleN: N,
      onSamples: (s, step) => {
        drawing++; // a sample draw under way is no longer the latest
        grid.show(s.pixels, { n: s.n, what: `${s.n} samples at training step ${step} (T = ${tSpec.default})` });
        grid.canvas.dataset.temperature = String(tSpec.default);
      },
    },
    // Fresh samples are drawn at the temperature set above.
    evaluate: { screen: () => grid.current(), settings: () => ({ temperature: temperature() }) },
  });

  view.show(samplesPanel, padPanel, latent.node, layersPanel, llPanel, training.node, evaluation.node, weights.node);
  const samples = () => drawSamples(seed.read());
  return view.start({
    first: samples,
    then: [() => loadTestDigit({ onlyIfBlank: true }), latent.drawInterp, drawRanked, drawCaveat],
    refresh: [
      // A finished run leaves its last progress samples on screen; a reset or a file redraws.
      (config, why) => (why === 'trained' ? undefined : samples()),
      () => (pad.empty() ? undefined : padChanged()),
      latent.drawInterp,
      drawRanked,
      drawCaveat,
    ],
  });
}
