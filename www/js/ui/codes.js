// Codes drawn as pictures: an autoencoder's code (channels x side x side numbers, signed, about
// unit standard deviation) as one heat map per channel, in the diverging colours of ui/heat.js,
// on the same scale everywhere so that maps compare. Used by the autoencoder's page (a test
// digit's code) and the step-through panel (latent diffusion's state z_t at each step).

import { el } from './dom.js';
import { drawGrid } from './grid.js';
import { signedColour, signedLegend } from './heat.js';

/** |value| drawn at full colour: the codes are rescaled to about unit standard deviation. */
export const CODE_RANGE = 2.5;

/**
 * Draws `n` codes of shape `grid` ([channels, side, side], flattened channel-major) as
 * n x channels heat maps, one row of `channels` maps per code (`perRow` codes to a row).
 * @param {HTMLCanvasElement} canvas
 * @param {Float32Array} values  n * channels * side * side numbers
 * @param {{n: number, grid: number[], scale?: number, perRow?: number}} options
 */
export function drawCodes(canvas, values, { n, grid, scale = 4, perRow = 1 }) {
  const [channels, side] = grid;
  drawGrid(canvas, values, { n: n * channels, cols: channels * perRow, width: side, height: side, scale, colour: (v) => signedColour(v / CODE_RANGE) });
  canvas.dataset.channels = String(channels);
}

/** The colour key: negative, zero, positive, and the value at full colour. */
export function codeLegend() {
  return el('div', { className: 'actions' }, signedLegend(), el('span', { className: 'heat-legend', textContent: `(full colour at ±${CODE_RANGE}; the codes have about unit standard deviation)` }));
}
