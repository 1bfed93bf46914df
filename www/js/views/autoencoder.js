// The autoencoder's page (latent diffusion's first stage): random codes decoded (smudges, and
// why), reconstructions, the line between two codes, each test digit's code as heat maps of
// its channels, then live training, the judge's evaluation and weights. No likelihood panel:
// the family declares none.
//
// Element ids (stable; the browser tests rely on them):
//   #samples (canvas) #sample-seed #sample-btn #sample-new
//   the encoder panels' (ui/encoder.js): #recon #recon-labels #recon-other #interp-a #interp-b
//     #interp-btn #interp
//   #code (section) #code-other #code-note #code-rows, holding per test digit k (0..3):
//     #code-digit-K (canvas.code-digit: the digit) #code-maps-K (canvas.code-maps: one 7 x 7
//     heat map per code channel, data-images = the channels)
//   the training panel's (ui/training.js): #train-params (#param-KEY) #from-scratch
//     #from-pretrained #train-steps #train-chunk #train-start #train-pause #train-stop
//     #train-reset #progress #train-step #steps-per-sec #images-per-sec #train-state
//     #loss-recon #loss-kl #loss-chart
//   the weights panel's (ui/weights.js): #download #weights-file #weights-info
//   the evaluate panel's (ui/evaluate.js): #eval-screen #eval-fresh #eval-progress ...

import { PIXELS, TEST_DIGITS } from '../genlab.js';
import { el, panel } from '../ui/dom.js';
import { latentPanel, reconstructionPanel } from '../ui/encoder.js';
import { codeLegend, drawCodes } from '../ui/codes.js';
import { drawGrid } from '../ui/grid.js';
import { guard } from '../ui/page.js';
import { SampleGrid, seedRow } from '../ui/samples.js';
import { openView } from '../ui/view.js';

const N = 16;
/** Test digits whose codes are shown. */
const CODE_DIGITS = 4;
/** The code's side: 28 / 4 (its channels are a hyper-parameter, read off the code's size). */
const SIDE = 7;

/**
 * @param {HTMLElement} root
 * @param {import('../genlab.js').GenLab} lab
 * @param {import('../genlab.js').FamilyInfo} info
 */
export async function mount(root, lab, info) {
  const F = info.name;
  const view = await openView(root, lab, info);

  // ---- Samples: codes from N(0, I), which is not where the digits' codes are
  const grid = new SampleGrid({ title: 'random codes, decoded', cols: 4, scale: 4 });
  const seed = seedRow((s) => drawSamples(s));
  const samplesPanel = panel(
    'Random codes, decoded',
    {
      explain:
        "Codes drawn from N(0, I), decoded. They come out as smudges, not digits: the KL term is weighted so lightly that it only keeps the codes bounded, so the digits' codes fill only a small part of that space and a random draw almost never lands in it. Learning where the codes lie is what latent diffusion does.",
    },
    el('div', { className: 'canvas-box' }, grid.canvas),
    el('div', { className: 'actions' }, ...seed.nodes),
  );
  async function drawSamples(s) {
    const out = await lab.sample(F, { n: N, seed: s });
    grid.show(out.pixels, { n: N, what: `${N} random codes decoded (seed ${s})` });
  }

  // ---- Reconstructions and the line between two codes (never a 2-D latent: no manifold)
  const recon = reconstructionPanel(lab, info, { explain: 'Test digits (top) encoded to their code (the posterior mean) and decoded again (bottom): the small grid keeps nearly all of the digit.' });
  const latent = latentPanel(lab, info, {
    title: 'Between two codes',
    explain: "Ten steps on the straight line between the codes of two test digits, decoded. The ends are digits; the codes between them were never a digit's, and can decode to blends.",
    manifold: false,
  });

  // ---- The code itself
  const code = codePanel(lab, info);

  // ---- Training, evaluation, weights
  const { training, evaluation, weights } = view.modelPanels({
    training: {
      explain:
        "Each step encodes a batch of digits, decodes a draw from each one's q(z|x) and scores the reconstruction, plus the KL term at its light weight. The random codes above stay smudges however long it trains. Latent diffusion is built on the shipped weights, not on a model trained here.",
      sampleN: N,
      onSamples: (s, step) => grid.show(s.pixels, { n: s.n, what: `${s.n} random codes decoded at training step ${step}` }),
    },
    evaluate: { screen: () => grid.current() },
  });

  view.show(
    el('div', { className: 'columns' }, samplesPanel, recon.node),
    code.node,
    latent.node,
    training.node,
    evaluation.node,
    weights.node,
  );

  const samples = () => drawSamples(seed.read());
  const rest = [recon.draw, code.draw, latent.drawInterp];
  return view.start({
    first: samples,
    then: rest,
    refresh: [
      // A finished run leaves its last progress samples on screen; a reset or a file redraws.
      (config, why) => (why === 'trained' ? undefined : samples()),
      ...rest,
    ],
  });
}

/**
 * A few test digits, each beside its code: one heat map per channel, in the diverging
 * colours (the codes are signed), the same scale for every channel and digit.
 * @param {import('../genlab.js').GenLab} lab
 * @param {import('../genlab.js').FamilyInfo} info
 * @returns {{node: HTMLElement, draw: () => Promise<void>}}
 */
function codePanel(lab, info) {
  let indices = Array.from({ length: CODE_DIGITS }, (_, i) => i);
  const other = el('button', { type: 'button', id: 'code-other', textContent: 'other digits' });
  const note = el('p', { id: 'code-note', className: 'explain' });
  const rows = el('div', { id: 'code-rows' });
  const picture = (id, className, label) => {
    const c = el('canvas', { id, className: `grid ${className}`, title: label, 'aria-label': label });
    c.setAttribute('role', 'img');
    return c;
  };
  const node = panel(
    'The code',
    {
      id: 'code',
      explain: `Test digits (left) and their codes (right), one ${SIDE} × ${SIDE} map per channel of the code: what latent diffusion draws instead of pixels. The code keeps the digit's layout: each cell of a map sits over a 4 × 4 patch of the digit.`,
    },
    codeLegend(),
    note,
    rows,
    el('div', { className: 'actions' }, other),
  );

  async function draw() {
    const digits = await lab.testDigits(indices);
    const { dim, codes } = await lab.encode(info.name, { images: digits.pixels });
    const per = SIDE * SIDE;
    if (dim % per) throw new Error(`'${info.name}' gives codes of ${dim} numbers: not ${SIDE} x ${SIDE} maps`);
    const channels = dim / per;
    note.textContent = `Each code: ${dim} numbers, ${channels} channel${channels === 1 ? '' : 's'} of ${SIDE} × ${SIDE} (against the digit's ${PIXELS} pixels).`;
    rows.replaceChildren(
      ...indices.map((index, k) => {
        const what = `test digit ${index} (${digits.labels[k] === 8 ? 'an' : 'a'} ${digits.labels[k]})`;
        const digit = picture(`code-digit-${k}`, 'code-digit', what);
        const maps = picture(`code-maps-${k}`, 'code-maps', `the ${channels} channels of the code of ${what}`);
        // Both 56 CSS pixels high: a 28-pixel digit at scale 2, a 7-pixel map at scale 8.
        drawGrid(digit, digits.pixels.subarray(k * PIXELS, (k + 1) * PIXELS), { n: 1, cols: 1, scale: 2 });
        drawCodes(maps, codes.subarray(k * dim, (k + 1) * dim), { n: 1, grid: [channels, SIDE, SIDE], scale: 8 });
        return el('div', { className: 'actions' }, digit, maps, el('span', { className: 'explain', textContent: what }));
      }),
    );
  }

  other.addEventListener('click', () => {
    indices = Array.from({ length: CODE_DIGITS }, () => Math.floor(Math.random() * TEST_DIGITS));
    guard(draw, other);
  });
  return { node, draw };
}
