// The latent space of a generator that decodes noise (capabilities.latent without an encoder,
// e.g. a GAN): two noise vectors blended, one edited dimension by dimension, and for a
// class-conditional family (capabilities.conditional) one z drawn as every digit.
//
// Element ids (stable; the browser tests rely on them):
//   #interp-a #interp-b (noise seeds) #interp-btn #interp (canvas) #latent-label (conditional)
//   #z-seed #z-0 .. #z-5 (range inputs over the first six dimensions) #z-reset #z-image
//   (canvas) #every-class (conditional: the same z as each digit; data-labels 0..9)

import { MAX_SEED } from '../genlab.js';
import { el, latestOnly, numberField, panel, readInt } from './dom.js';
import { drawGrid, markLabels } from './grid.js';
import { labelPicker } from './labels.js';
import { guard, showError } from './page.js';

const EDITABLE = 6;
const BLEND = 10;
const DIGITS = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];

/**
 * @param {import('../genlab.js').GenLab} lab
 * @param {import('../genlab.js').FamilyInfo} info
 * @returns {{node: HTMLElement, drawBlend: () => Promise<void>, drawCode: () => Promise<void>}}
 *   drawCode reads the seed's code again (after the model changed: its z size may differ)
 */
export function noisePanel(lab, info) {
  const F = info.name;
  const conditional = info.capabilities.conditional;
  const ia = numberField('interp-a', 'from noise seed', { value: 1, min: 0, max: MAX_SEED });
  const ib = numberField('interp-b', 'to noise seed', { value: 2, min: 0, max: MAX_SEED });
  const latentLabel = conditional ? labelPicker('latent-label', { label: 'as the digit', none: null, all: null, value: 3 }) : null;
  const blendBtn = el('button', { type: 'button', id: 'interp-btn', textContent: 'blend' });
  const blend = el('canvas', { id: 'interp', className: 'grid', title: 'decoded blends of two noise vectors' });
  const zSeed = numberField('z-seed', 'noise seed', { value: 7, min: 0, max: MAX_SEED });
  const zReset = el('button', { type: 'button', id: 'z-reset', textContent: 'back to the seed' });
  const zImage = el('canvas', { id: 'z-image', className: 'grid', title: 'the edited code, decoded' });
  const everyClass = conditional ? el('canvas', { id: 'every-class', className: 'grid', title: 'the same z decoded as each digit' }) : null;
  const sliders = Array.from({ length: EDITABLE }, (_, i) => el('input', { type: 'range', id: `z-${i}`, min: -3, max: 3, step: 0.05, value: 0, 'aria-label': `z${i + 1}` }));
  const sliderValues = sliders.map(() => el('span', { className: 'readout', textContent: '0.00' }));
  const zDims = el('p', { className: 'explain' });
  const node = panel(
    'Latent space',
    { id: 'latent', explain: 'Every image is a function of its noise vector z: nearby vectors give similar digits.' },
    el('h3', { textContent: 'Blend two noise vectors' }),
    el('p', { className: 'explain', textContent: `z = (1 − a) z₁ + a z₂ for ${BLEND} values of a from 0 to 1, each decoded by the generator.` }),
    el('div', { className: 'actions' }, ia.node, ib.node, latentLabel?.node, blendBtn),
    el('div', { className: 'canvas-box' }, blend),
    el('h3', { textContent: 'Edit one noise vector' }),
    zDims,
    el('div', { className: 'actions' }, zSeed.node, zReset),
    el(
      'div',
      { className: 'z-editor' },
      el('div', { className: 'z-sliders' }, ...sliders.map((s, i) => el('label', { className: 'field', htmlFor: s.id }, `z${i + 1}`, s, sliderValues[i]))),
      el('div', { className: 'canvas-box' }, zImage),
    ),
    conditional ? el('h3', { textContent: 'Same z, every digit' }) : null,
    conditional
      ? el('p', { className: 'explain', textContent: 'The code above decoded with each label 0–9: the label picks the digit, z keeps the style (slant, thickness).' })
      : null,
    conditional ? el('div', { className: 'canvas-box' }, everyClass) : null,
  );

  /** Decodes codes, as the picked digit where the family is conditional. */
  const decode = (codes, n) => lab.decode(F, conditional ? { codes, labels: Array(n).fill(latentLabel.value()) } : { codes });

  async function drawBlend() {
    const a = readInt(ia.input, 'first noise seed', 0, MAX_SEED);
    const b = readInt(ib.input, 'second noise seed', 0, MAX_SEED);
    const [za, zb] = await Promise.all([lab.latentCodes(F, { n: 1, seed: a }), lab.latentCodes(F, { n: 1, seed: b })]);
    const d = za.dim;
    const codes = new Float32Array(BLEND * d);
    for (let k = 0; k < BLEND; k++) {
      const t = k / (BLEND - 1);
      for (let j = 0; j < d; j++) codes[k * d + j] = (1 - t) * za.codes[j] + t * zb.codes[j];
    }
    drawGrid(blend, (await decode(codes, BLEND)).pixels, { n: BLEND, cols: BLEND, scale: 3 });
  }

  // The edited code: the seed's z with the first dimensions set by the sliders.
  let code = null;
  async function loadCode() {
    const s = readInt(zSeed.input, 'noise seed', 0, MAX_SEED);
    const z = await lab.latentCodes(F, { n: 1, seed: s });
    code = z.codes;
    zDims.textContent = `This generator's z has ${z.dim} dimensions; the sliders set the first ${Math.min(EDITABLE, z.dim)}, the rest stay as the seed drew them.`;
    sliders.forEach((sl, i) => {
      sl.disabled = i >= z.dim;
      sl.value = String(code[i] ?? 0);
      sliderValues[i].textContent = (code[i] ?? 0).toFixed(2);
    });
  }

  async function drawEdited() {
    if (!code) await loadCode();
    const z = Float32Array.from(code);
    sliders.forEach((sl, i) => {
      if (i < z.length) z[i] = Number(sl.value);
    });
    drawGrid(zImage, (await decode(z, 1)).pixels, { n: 1, cols: 1, scale: 6 });
    if (conditional) {
      const codes = new Float32Array(DIGITS.length * z.length);
      DIGITS.forEach((c) => codes.set(z, c * z.length));
      const all = await lab.decode(F, { codes, labels: DIGITS });
      drawGrid(everyClass, all.pixels, { n: DIGITS.length, cols: DIGITS.length, scale: 3 });
      markLabels(everyClass, DIGITS.length, DIGITS);
    }
  }
  const redrawEdited = latestOnly(drawEdited, (e) => showError(e, node));

  blendBtn.addEventListener('click', () => guard(drawBlend, node));
  latentLabel?.input.addEventListener('change', () => {
    guard(drawBlend, node);
    redrawEdited();
  });
  sliders.forEach((sl, i) =>
    sl.addEventListener('input', () => {
      sliderValues[i].textContent = Number(sl.value).toFixed(2);
      redrawEdited();
    }),
  );
  const reloadCode = () =>
    guard(async () => {
      await loadCode();
      redrawEdited();
    }, node);
  zSeed.input.addEventListener('change', reloadCode);
  zReset.addEventListener('click', reloadCode);

  return {
    node,
    drawBlend,
    async drawCode() {
      code = null;
      await drawEdited();
    },
  };
}
