// Heat maps of per-pixel values (a probability of ink, a pixel's surprise -log p in nats),
// drawn by ui/grid.js's drawGrid (28 x 28 tiles, a 1-pixel gap, scaled up by CSS) in colour:
// white for 0, through yellow and orange, to dark red at `max` and above. And a diverging map
// for signed values (an energy model's filters: blue below 0, white at 0, red above).

import { el } from './dom.js';
import { drawGrid } from './grid.js';

/** The colour ramp: [position in [0, 1], r, g, b]. */
const RAMP = [
  [0, 255, 255, 255],
  [0.25, 254, 224, 144],
  [0.5, 253, 141, 60],
  [0.75, 215, 48, 31],
  [1, 110, 0, 0],
];

/** The ramp's colour at v in [0, 1]. */
export function heatColour(v) {
  v = Number.isFinite(v) ? Math.min(1, Math.max(0, v)) : 1;
  let k = 1;
  while (k < RAMP.length - 1 && RAMP[k][0] < v) k++;
  const [p0, ...a] = RAMP[k - 1];
  const [p1, ...b] = RAMP[k];
  const f = (v - p0) / (p1 - p0);
  return a.map((c, i) => Math.round(c + f * (b[i] - c)));
}

/**
 * @param {HTMLCanvasElement} canvas
 * @param {Float32Array|number[]} values  n * 784 values >= 0
 * @param {{n?: number, cols?: number, scale?: number, max?: number}} [options]
 *   max: the value drawn darkest (default 1); cols, scale and n as for drawGrid
 */
export function drawHeat(canvas, values, { n, cols, scale = 3, max = 1 } = {}) {
  drawGrid(canvas, values, { n, cols, scale, colour: (v) => heatColour(v / max) });
}

/** A legend for the ramp: `heatLegend('0', '1 (sure of ink)')` reads "0 [ramp] 1 (sure of ink)". */
export function heatLegend(low, high, props = {}) {
  const bar = el('span', { className: 'heat-ramp' });
  bar.style.background = `linear-gradient(to right, ${RAMP.map(([p, r, g, b]) => `rgb(${r},${g},${b}) ${p * 100}%`).join(', ')})`;
  return el('span', { className: 'heat-legend', ...props }, low, ' ', bar, ' ', high);
}

/** The diverging map's ends: blue for -1, red for +1 (white at 0). */
const NEG = [33, 102, 172];
const POS = [178, 24, 43];

/** A diverging colour for v in [-1, 1]: blue below 0, white at 0, red above. */
export function signedColour(v) {
  if (!Number.isFinite(v)) return [0, 0, 0];
  const a = Math.min(1, Math.abs(v));
  const end = v < 0 ? NEG : POS;
  return end.map((c) => Math.round(255 + a * (c - 255)));
}

/** Each tile of `values` (tiles of `per` values) divided by its own largest |value|. */
export function perTile(values, n, per) {
  const out = new Float32Array(n * per);
  for (let k = 0; k < n; k++) {
    let m = 0;
    for (let i = 0; i < per; i++) m = Math.max(m, Math.abs(values[k * per + i]));
    for (let i = 0; i < per; i++) out[k * per + i] = m > 0 ? values[k * per + i] / m : 0;
  }
  return out;
}

/** A legend for the diverging map: "negative [blue, white, red] positive". */
export function signedLegend() {
  const bar = el('span', { className: 'heat-ramp', style: `background: linear-gradient(to right, rgb(${NEG}), #fff, rgb(${POS}))` });
  return el('span', { className: 'heat-legend' }, 'negative ', bar, ' positive');
}
