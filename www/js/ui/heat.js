// Heat maps of per-pixel values (a probability of ink, a pixel's surprise -log p in nats),
// laid out as ui/grid.js lays out digits (28 x 28 tiles, a 1-pixel gap, scaled up by CSS):
// white for 0, through yellow and orange, to dark red at `max` and above.

import { el } from './dom.js';

const SIZE = 28;
const GAP = 1;
const GAP_SHADE = 215;
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
  const per = SIZE * SIZE;
  n = n ?? Math.floor(values.length / per);
  cols = Math.max(1, Math.min(cols ?? Math.ceil(Math.sqrt(n)), n || 1));
  const rows = Math.max(1, Math.ceil(n / cols));
  const W = cols * SIZE + (cols - 1) * GAP;
  const H = rows * SIZE + (rows - 1) * GAP;
  canvas.width = W;
  canvas.height = H;
  canvas.style.width = `${W * scale}px`;
  canvas.style.height = `${H * scale}px`;
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  const img = ctx.createImageData(W, H);
  const d = img.data;
  for (let i = 0; i < d.length; i += 4) {
    d[i] = d[i + 1] = d[i + 2] = GAP_SHADE;
    d[i + 3] = 255;
  }
  for (let k = 0; k < n; k++) {
    const x0 = (k % cols) * (SIZE + GAP);
    const y0 = Math.floor(k / cols) * (SIZE + GAP);
    for (let y = 0; y < SIZE; y++) {
      for (let x = 0; x < SIZE; x++) {
        const [r, g, b] = heatColour(values[k * per + y * SIZE + x] / max);
        const o = ((y0 + y) * W + x0 + x) * 4;
        d[o] = r;
        d[o + 1] = g;
        d[o + 2] = b;
      }
    }
  }
  ctx.putImageData(img, 0, 0);
  canvas.dataset.images = String(n);
}

/** A legend for the ramp: `heatLegend('0', '1 (sure of ink)')` reads "0 [ramp] 1 (sure of ink)". */
export function heatLegend(low, high, props = {}) {
  const bar = el('span', { className: 'heat-ramp' });
  bar.style.background = `linear-gradient(to right, ${RAMP.map(([p, r, g, b]) => `rgb(${r},${g},${b}) ${p * 100}%`).join(', ')})`;
  return el('span', { className: 'heat-legend', ...props }, low, ' ', bar, ' ', high);
}
