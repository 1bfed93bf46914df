// Latent diffusion's page: the diffusion page (views/ddpm.js) run in the codes of the
// autoencoder it is built on, its states shown decoded; and "Pixel vs latent diffusion": the
// same digits drawn by the pixel-space DDPM and by latent diffusion, each timed.
//
// Element ids (stable; the browser tests rely on them): those of views/ddpm.js, and
//   #pvl (section) #pvl-btn #pvl-pixel #pvl-latent (canvases: digits 0-7, data-labels)
//   #pvl-pixel-time #pvl-latent-time (data-ms-per-digit, data-backend) #pvl-ratio
//   (data-ratio: pixel ms per digit / latent ms per digit) #pvl-progress #pvl-cancel

import { el, num, panel } from '../ui/dom.js';
import { drawGrid, markLabels } from '../ui/grid.js';
import { guard } from '../ui/page.js';
import { progressControl } from '../ui/progress.js';
import { mountDiffusion } from './ddpm.js';

/**
 * What latent diffusion is measured against: the pixel-space DDPM. The one family named here,
 * as the base of the comparison (latent diffusion's declarations say what it is built on, the
 * autoencoder, not which model it speeds up).
 */
const PIXEL = 'ddpm';
/** The digits drawn by both: one each of 0-7. */
const DIGITS = Array.from({ length: 8 }, (_, i) => i);

/**
 * @param {HTMLElement} root
 * @param {import('../genlab.js').GenLab} lab
 * @param {import('../genlab.js').FamilyInfo} info
 */
export async function mount(root, lab, info) {
  return mountDiffusion(root, lab, info, (page) => [pixelVsLatent(lab, info, page)]);
}

/** The backend in words, for a timing. */
const where = (lab) => (lab.backend === 'webgpu' ? 'the GPU' : 'the CPU');

/**
 * @param {import('../genlab.js').GenLab} lab
 * @param {import('../genlab.js').FamilyInfo} info
 * @param {import('./ddpm.js').DiffusionPage} page
 */
function pixelVsLatent(lab, info, page) {
  const pixel = lab.family(PIXEL);
  const btn = el('button', { type: 'button', id: 'pvl-btn', className: 'primary', textContent: 'draw with both' });
  const progress = progressControl('pvl');
  const ratio = el('p', { id: 'pvl-ratio', className: 'timing' });
  const side = (id, caption) => {
    const canvas = el('canvas', { id, className: 'grid', title: caption, 'aria-label': caption });
    canvas.setAttribute('role', 'img');
    const time = el('p', { id: `${id}-time`, className: 'timing' });
    return { canvas, time, node: el('figure', {}, el('div', { className: 'canvas-box' }, canvas), el('figcaption', { textContent: caption }), time) };
  };
  const sides = [side('pvl-pixel', `${pixel?.title ?? PIXEL}: on the pixels`), side('pvl-latent', `${info.title}: on the codes`)];
  const node = panel(
    'Pixel vs latent diffusion',
    {
      id: 'pvl',
      explain:
        "The same digits (0–7, from the seed and with the sampler settings above) drawn by diffusion on the 28 × 28 pixels and by diffusion on the autoencoder's 7 × 7 code grid, decoded once at the end: the same kind of U-Net and the same number of steps, on a smaller state. Both are timed on this backend, after a one-step run of each so that loading and warming up are not counted.",
    },
    el('div', { className: 'actions' }, btn, progress.node),
    el('div', { className: 'side-by-side' }, ...sides.map((s) => s.node)),
    ratio,
  );
  if (!pixel) {
    btn.disabled = true;
    ratio.textContent = `This build has no '${PIXEL}' family to compare with.`;
    return { node };
  }

  /** The page's settings that `family` declares (both declare the same: this keeps it so). */
  const settingsOf = (family, settings) => Object.fromEntries(Object.entries(settings).filter(([k]) => family.sampling.some((h) => h.key === k)));

  async function run() {
    const seed = page.seed();
    const settings = page.settings();
    const families = [pixel, info];
    const options = (f) => ({ n: DIGITS.length, labels: DIGITS, seed, ...settingsOf(f, settings) });
    const what = page.describe(options(info));
    ratio.textContent = `Warming up both models…`;
    delete ratio.dataset.ratio;
    for (const s of sides) s.time.textContent = '';
    // Untimed: each model's weights loaded and a one-step draw of the same batch made (on
    // WebGPU the first call of a shape compiles its kernels).
    for (const f of families) if ((await progress.run((p) => lab.sample(f.name, { ...options(f), steps: 1, ...p }))) === null) return cancelled();
    const ms = [];
    for (const [i, f] of families.entries()) {
      ratio.textContent = `Drawing ${DIGITS.length} digits with ${f.title}…`;
      const t0 = performance.now();
      const out = await progress.run((p) => lab.sample(f.name, { ...options(f), ...p }));
      if (out === null) return cancelled();
      ms.push((performance.now() - t0) / DIGITS.length);
      const s = sides[i];
      drawGrid(s.canvas, out.pixels, { n: DIGITS.length, cols: 4, scale: 3 });
      markLabels(s.canvas, DIGITS.length, DIGITS);
      s.canvas.setAttribute('aria-label', `${DIGITS.length} digits from ${f.title} (seed ${seed}; ${what})`);
      Object.assign(s.time.dataset, { msPerDigit: String(ms[i]), backend: lab.backend });
      s.time.textContent = `${num(ms[i], 0)} ms per digit on ${where(lab)}`;
    }
    const r = ms[0] / ms[1];
    ratio.dataset.ratio = String(r);
    ratio.textContent =
      r >= 1
        ? `Latent diffusion drew each digit ${num(r, 1)}× faster than pixel diffusion (${what}, on ${where(lab)}).`
        : `Latent diffusion took ${num(1 / r, 1)}× as long per digit as pixel diffusion here (${what}, on ${where(lab)}).`;
  }

  function cancelled() {
    ratio.textContent = 'Cancelled: press "draw with both" to compare again.';
  }

  btn.addEventListener('click', () =>
    guard(async () => {
      btn.disabled = true;
      try {
        await run();
      } catch (e) {
        ratio.textContent = '';
        throw e;
      } finally {
        btn.disabled = false;
      }
    }, btn),
  );
  // A new model (trained, reset, loaded) makes the timings stale: say so, keep the pictures.
  const refresh = () => {
    if (!ratio.dataset.ratio) return;
    delete ratio.dataset.ratio;
    ratio.textContent = 'The model changed: press "draw with both" to compare again.';
  };
  return { node, refresh };
}
