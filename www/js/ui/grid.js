// Draws 28 x 28 grey-scale images (floats in [0, 1], row-major, one after another) into a
// canvas as a grid: dark ink on light paper, one canvas pixel per image pixel, scaled up by
// CSS with `image-rendering: pixelated`.

import { el } from './dom.js';

const SIZE = 28;
const GAP = 1;
const GAP_SHADE = 215; // the lines between tiles

/** Ink in [0, 1] as grey: 0 white paper, 1 black; a non-finite value black. */
function grey(v) {
  const shade = Number.isFinite(v) ? Math.round(255 * (1 - Math.min(1, Math.max(0, v)))) : 0;
  return [shade, shade, shade];
}

/**
 * @param {HTMLCanvasElement} canvas
 * @param {Float32Array|number[]} pixels  n * 784 values in [0, 1]
 * @param {{n?: number, cols?: number, scale?: number, width?: number, height?: number, colour?: (v: number) => number[]}} [options]
 *   n: images to draw (default: all); cols: images per row (default: a square grid);
 *   scale: CSS pixels per image pixel (default 3); colour: a value's [r, g, b] (default
 *   grey: dark ink on light paper).
 */
export function drawGrid(canvas, pixels, { n, cols, scale = 3, width = SIZE, height = SIZE, colour = grey } = {}) {
  const per = width * height;
  n = n ?? Math.floor(pixels.length / per);
  cols = Math.max(1, Math.min(cols ?? Math.ceil(Math.sqrt(n)), n || 1));
  const rows = Math.max(1, Math.ceil(n / cols));
  const W = cols * width + (cols - 1) * GAP;
  const H = rows * height + (rows - 1) * GAP;
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
    const x0 = (k % cols) * (width + GAP);
    const y0 = Math.floor(k / cols) * (height + GAP);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const [r, g, b] = colour(pixels[k * per + y * width + x]);
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

/**
 * Records on a grid's canvas the digit each image was asked to be (data-labels = "3,3,…"),
 * or that none was (no attribute).
 * @param {HTMLCanvasElement} canvas
 * @param {number} n  images drawn
 * @param {number|ArrayLike<number>|null|undefined} labels  one digit for all, or one per image
 */
export function markLabels(canvas, n, labels) {
  if (labels == null) delete canvas.dataset.labels;
  else canvas.dataset.labels = (typeof labels === 'number' ? Array(n).fill(labels) : Array.from(labels).slice(0, n)).join(',');
}

/**
 * Concatenates several Float32Arrays of images (rows of a grid drawn together).
 * @param {...Float32Array} parts
 */
export function concat(...parts) {
  const out = new Float32Array(parts.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** Blanks a canvas to the grid's background (while something loads). */
export function clearGrid(canvas) {
  const ctx = canvas.getContext('2d');
  ctx.fillStyle = `rgb(${GAP_SHADE},${GAP_SHADE},${GAP_SHADE})`;
  ctx.fillRect(0, 0, canvas.width, canvas.height);
}

/**
 * One readout under each tile of a one-row grid drawn at `scale` (a digit's score, its index):
 * `tileLabels(['0.91 · #12', ...], 3)`.
 * @param {string[]} texts
 * @param {number} scale  the grid's CSS pixels per image pixel
 */
export function tileLabels(texts, scale) {
  const width = `width: ${(SIZE + GAP) * scale}px`;
  return el('div', { className: 'tile-labels' }, ...texts.map((t) => el('span', { textContent: t, style: width })));
}
