// The forward process of a diffusion family (capabilities.diffusion): a test digit noised in
// closed form to any t, x_t = √ᾱ_t x₀ + √(1 − ᾱ_t) ε, beside the schedule's signal and noise
// levels (a chart with a marker at t), and the same digit and noise at ten evenly spaced t.
// The number of timesteps T is the schedule's length (lab.schedule), not a constant here.
// A family diffusing in another's codes (capabilities.diffuses_codes: latent diffusion) noises the
// digit's code, and the pictures are that code decoded: what the denoiser sees, as a digit.
//
// Element ids (stable; the browser tests rely on them):
//   #fwd-index #fwd-t (range 0..T-1) #fwd-t-value #fwd-image (canvas: x_t) #fwd-levels
//   #fwd-strip (canvas: t = 0, T/10, ..., T-1) #schedule-chart (uPlot)

import { PIXELS, TEST_DIGITS } from '../genlab.js';
import { LineChart } from './chart.js';
import { el, latestOnly, num, numberField, panel, readInt } from './dom.js';
import { drawGrid } from './grid.js';
import { showError } from './page.js';

/** Until the schedule has loaded: DDPM's T. */
const DEFAULT_T = 1000;
const START_T = 300;

/** t = 0, T/10, ..., 9T/10 and the last step, T - 1. */
const stripOf = (T) => [...Array.from({ length: 10 }, (_, i) => Math.round((i * T) / 10)), T - 1];

/**
 * @param {import('../genlab.js').GenLab} lab
 * @param {import('../genlab.js').FamilyInfo} info
 * @returns {{node: HTMLElement, drawSchedule: () => Promise<void>, draw: () => Promise<void>,
 *   redraw: () => void, destroy: () => void}}  redraw: draw, never queueing more than the latest
 */
export function forwardPanel(lab, info) {
  const F = info.name;
  const coded = info.capabilities.diffuses_codes;
  let alphaBar = null;
  let strip = stripOf(DEFAULT_T);
  const index = numberField('fwd-index', 'test digit', { value: 0, min: 0, max: TEST_DIGITS - 1 });
  const t = el('input', { type: 'range', id: 'fwd-t', min: 0, max: DEFAULT_T - 1, step: 1, value: START_T, 'aria-label': 'timestep t' });
  const tValue = el('span', { id: 'fwd-t-value', className: 'readout', textContent: String(START_T) });
  const image = el('canvas', { id: 'fwd-image', className: 'grid', title: coded ? "the test digit's code noised to step t, decoded" : 'the test digit noised to step t' });
  const levels = el('p', { id: 'fwd-levels', className: 'explain' });
  const stripCanvas = el('canvas', { id: 'fwd-strip', className: 'grid' });
  const stripText = el('p', { className: 'explain' });
  const chartBox = el('div', { id: 'schedule-chart', className: 'chart' });
  const node = panel(
    coded ? "The forward process: noising a digit's code" : 'The forward process: noising a digit',
    {
      id: 'forward',
      explain: coded
        ? "Training shows the network the codes of digits (the autoencoder's, frozen) noised in closed form, z_t = √ᾱ_t z₀ + √(1 − ᾱ_t) ε, at a random t, and asks it for ε. The pictures are the noised code decoded: what the denoiser sees, as a digit. The schedule ᾱ_t sets how fast the signal fades."
        : 'Training shows the network digits noised in closed form, x_t = √ᾱ_t x₀ + √(1 − ᾱ_t) ε, at a random t, and asks it for ε. The schedule ᾱ_t sets how fast the signal fades.',
    },
    el('div', { className: 'actions' }, index.node, el('label', { className: 'field scrub', htmlFor: 'fwd-t' }, 't ', t), tValue),
    el(
      'div',
      { className: 'forward-row' },
      el('div', {}, el('div', { className: 'canvas-box' }, image), levels),
      el('div', { className: 'forward-chart' }, chartBox),
    ),
    stripText,
    el('div', { className: 'canvas-box' }, stripCanvas),
  );
  const chart = new LineChart(chartBox, [{ label: 'signal √ᾱ_t' }, { label: 'noise √(1 − ᾱ_t)' }], { xLabel: 't', yLabel: 'level', yRange: [0, 1], marker: true, height: 200 });

  function setStrip(T) {
    strip = stripOf(T);
    t.max = String(T - 1);
    stripCanvas.title = `t = ${strip.join(', ')}`;
    stripText.textContent = `The same digit and noise at t = ${strip.join(', ')}${coded ? ' (decoded)' : ''}:`;
  }
  setStrip(DEFAULT_T);

  /** Loads the schedule (another may have been trained or loaded) and draws its levels. */
  async function drawSchedule() {
    const { alpha_bar: ab } = await lab.schedule(F);
    alphaBar = ab;
    setStrip(ab.length);
    chart.setData(ab.map((_, i) => i), [ab.map((a) => Math.sqrt(a)), ab.map((a) => Math.sqrt(1 - a))]);
  }

  async function draw() {
    const i = readInt(index.input, 'test digit', 0, TEST_DIGITS - 1);
    const at = Number(t.value);
    tValue.textContent = String(at);
    if (alphaBar) {
      chart.setMarker(at);
      levels.textContent = `t = ${at}: signal √ᾱ_t = ${num(Math.sqrt(alphaBar[at]), 3)}, noise √(1 − ᾱ_t) = ${num(Math.sqrt(1 - alphaBar[at]), 3)}`;
    }
    const out = await lab.forwardProcess(F, { index: i, ts: [at, ...strip] });
    drawGrid(image, out.pixels.subarray(0, PIXELS), { n: 1, cols: 1, scale: 6 });
    drawGrid(stripCanvas, out.pixels.subarray(PIXELS), { n: strip.length, cols: strip.length, scale: 3 });
  }
  const redraw = latestOnly(draw, (e) => showError(e, node));

  t.addEventListener('input', () => redraw());
  index.input.addEventListener('change', () => redraw());
  return { node, drawSchedule, draw, redraw, destroy: () => chart.destroy() };
}
