// Panels for a family with an encoder (capabilities.encoder): test digits encoded and decoded
// again, and the latent space between the codes of two test digits, with the decoded
// manifold when the latent is 2-D.
//
// Element ids (stable; the browser tests rely on them):
//   #recon (canvas: test digits above, reconstructions below) #recon-labels #recon-other
//   #interp-a #interp-b #interp-btn #interp (canvas) #manifold (canvas) #manifold-note

import { TEST_DIGITS } from '../genlab.js';
import { el, numberField, panel, readInt } from './dom.js';
import { concat, drawGrid } from './grid.js';
import { guard } from './page.js';

const ROW = 8;
const BLEND = 10;
const SIDE = 15;
const EXTENT = 2.5;

/**
 * Test digits (top) and their reconstructions (bottom), with "other digits".
 * @param {import('../genlab.js').GenLab} lab
 * @param {import('../genlab.js').FamilyInfo} info
 * @param {{explain?: string}} [options]  the panel's sentence (another for a model without an encoder)
 * @returns {{node: HTMLElement, draw: () => Promise<void>}}
 */
export function reconstructionPanel(lab, info, { explain = 'Test digits (top) encoded to their posterior mean and decoded again (bottom).' } = {}) {
  let indices = Array.from({ length: ROW }, (_, i) => i);
  const canvas = el('canvas', { id: 'recon', className: 'grid', title: 'test digits (top) and their reconstructions (bottom)' });
  const labels = el('p', { className: 'explain', id: 'recon-labels' });
  const other = el('button', { type: 'button', id: 'recon-other', textContent: 'other digits' });
  const node = panel(
    'Reconstructions',
    { explain },
    el('div', { className: 'canvas-box' }, canvas),
    labels,
    el('div', { className: 'actions' }, other),
  );

  async function draw() {
    const r = await lab.reconstruct(info.name, { indices });
    drawGrid(canvas, concat(r.originals, r.reconstructions), { n: 2 * ROW, cols: ROW, scale: 3 });
    labels.textContent = `labels: ${Array.from(r.labels).join(' ')}`;
  }

  other.addEventListener('click', () => {
    indices = Array.from({ length: ROW }, () => Math.floor(Math.random() * TEST_DIGITS));
    guard(draw, other);
  });
  return { node, draw };
}

/**
 * Decoded points on the line between the codes of two test digits; for a 2-D latent, the
 * decoded grid of codes over [-2.5, 2.5]².
 * @param {import('../genlab.js').GenLab} lab
 * @param {import('../genlab.js').FamilyInfo} info
 * @param {{title?: string, explain?: string, manifold?: boolean}} [options]  manifold: false
 *   for a latent that is never 2-D (a flow's z, the image's 784 numbers): no manifold section,
 *   and drawManifold does nothing
 * @returns {{node: HTMLElement, drawInterp: () => Promise<void>, drawManifold: (config: {latent: number}) => Promise<void>}}
 */
export function latentPanel(lab, info, { title = 'Latent space', explain = 'Ten steps on the straight line between the codes of two test digits.', manifold: withManifold = true } = {}) {
  const F = info.name;
  const a = numberField('interp-a', 'from test digit', { value: 3, min: 0, max: TEST_DIGITS - 1 });
  const b = numberField('interp-b', 'to test digit', { value: 2, min: 0, max: TEST_DIGITS - 1 });
  const btn = el('button', { type: 'button', id: 'interp-btn', textContent: 'interpolate' });
  const interp = el('canvas', { id: 'interp', className: 'grid', title: 'decoded points on the line between two codes' });
  const manifold = el('canvas', { id: 'manifold', className: 'grid', title: 'the 2-D latent space, decoded', hidden: true });
  const note = el('p', { id: 'manifold-note', className: 'note' });
  const node = panel(
    title,
    { explain },
    el('div', { className: 'actions' }, a.node, b.node, btn),
    el('div', { className: 'canvas-box' }, interp),
    ...(withManifold
      ? [
          el('h3', { textContent: 'Manifold' }),
          el('p', { className: 'explain', textContent: `With a 2-D latent: a ${SIDE} × ${SIDE} grid of codes over [-${EXTENT}, ${EXTENT}]², decoded.` }),
          note,
          el('div', { className: 'canvas-box' }, manifold),
        ]
      : []),
  );

  async function drawInterp() {
    const from = readInt(a.input, 'first test digit', 0, TEST_DIGITS - 1);
    const to = readInt(b.input, 'second test digit', 0, TEST_DIGITS - 1);
    const out = await lab.interpolate(F, { a: from, b: to, steps: BLEND });
    drawGrid(interp, out.pixels, { n: BLEND, cols: BLEND, scale: 3 });
  }

  async function drawManifold(config) {
    if (!withManifold) return;
    if (config.latent !== 2) {
      manifold.hidden = true;
      note.hidden = false;
      note.textContent = `This model's latent has ${config.latent} dimensions: train one with latent size 2 to see its manifold.`;
      return;
    }
    const out = await lab.manifold(F, { side: SIDE, extent: EXTENT });
    drawGrid(manifold, out.pixels, { n: SIDE * SIDE, cols: SIDE, scale: 2 });
    manifold.hidden = false;
    note.hidden = true;
  }

  btn.addEventListener('click', () => guard(drawInterp, btn));
  return { node, drawInterp, drawManifold };
}
