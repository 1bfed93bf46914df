// A grid of sampled digits that remembers what it shows (the Evaluate panel scores "the
// samples on screen" from it), and the seed row that redraws it.
//
// The canvas carries data-images (images drawn) and, for samples of requested digits,
// data-labels ("3,3,3,…": the digit each image was asked to be), so that a reader (the
// browser tests) can ask the judge whether the digits drawn are the ones asked for.

import { MAX_SEED, PIXELS } from '../genlab.js';
import { el, numberField, randomSeed, readInt } from './dom.js';
import { drawGrid, markLabels } from './grid.js';
import { guard } from './page.js';

export class SampleGrid {
  /**
   * @param {{id?: string, title?: string, cols?: number, scale?: number}} [options]
   */
  constructor({ id = 'samples', title = 'samples', cols = 4, scale = 4 } = {}) {
    // A picture for screen readers, named by what it shows (each draw's `what`).
    this.canvas = el('canvas', { id, className: 'grid', title, 'aria-label': title });
    this.canvas.setAttribute('role', 'img');
    this.cols = cols;
    this.scale = scale;
    /** The pixels on screen (n * 784 floats), or null before the first draw. */
    this.pixels = null;
    this.n = 0;
    /** A sentence saying what the grid shows (for the Evaluate panel). */
    this.what = '';
    this._listeners = [];
  }

  /**
   * Draws images and remembers them.
   * @param {Float32Array} pixels
   * @param {{n?: number, cols?: number, scale?: number, what?: string, labels?: number|number[]}} [options]
   *   labels: the digit every image was asked to be, or each one's
   */
  show(pixels, { n = pixels.length / PIXELS, cols = this.cols, scale = this.scale, what = '', labels } = {}) {
    drawGrid(this.canvas, pixels, { n, cols, scale });
    markLabels(this.canvas, n, labels);
    this.canvas.setAttribute('aria-label', what || this.canvas.title);
    this.pixels = pixels;
    this.n = n;
    this.what = what;
    for (const fn of this._listeners) fn(this);
  }

  /** Calls `fn(grid)` after every draw. */
  onShow(fn) {
    this._listeners.push(fn);
  }

  /** What the Evaluate panel scores: `{pixels, n, what}`, or null before the first draw. */
  current() {
    return this.pixels ? { pixels: this.pixels, n: this.n, what: this.what || `${this.n} samples` } : null;
  }
}

/**
 * The seed field and its buttons: `#${prefix}-seed`, `#${prefix}-btn` (draw), `#${prefix}-new`
 * (a random seed, then draw). `draw(seed)` is called on each, errors shown in the page.
 * @param {(seed: number) => Promise<void>} draw
 * @param {{prefix?: string, value?: number, label?: string, button?: string}} [options]
 */
export function seedRow(draw, { prefix = 'sample', value = 0, label = 'seed', button = 'sample' } = {}) {
  const seed = numberField(`${prefix}-seed`, label, { value, min: 0, max: MAX_SEED });
  const btn = el('button', { type: 'button', id: `${prefix}-btn`, textContent: button });
  const again = el('button', { type: 'button', id: `${prefix}-new`, textContent: 'new seed' });
  const read = () => readInt(seed.input, label, 0, MAX_SEED);
  const run = () => guard(() => draw(read()), btn);
  btn.addEventListener('click', run);
  again.addEventListener('click', () => {
    seed.input.value = String(randomSeed());
    run();
  });
  seed.input.addEventListener('change', run);
  return { input: seed.input, read, nodes: [seed.node, btn, again], button: btn };
}
