// The variational autoencoder's page: samples from the prior, reconstructions, the latent
// space (interpolation; the manifold for a 2-D latent), the ELBO, live training, weights and
// the judge's evaluation.
//
// Element ids (stable; the browser tests rely on them):
//   #samples (canvas) #sample-seed #sample-btn #sample-new
//   the encoder panels' (ui/encoder.js): #recon #recon-other #interp-a #interp-b #interp-btn
//     #interp #manifold #manifold-note
//   #likelihood-btn #likelihood
//   the training panel's (ui/training.js): #train-params (#param-KEY) #from-scratch
//     #from-pretrained #train-steps #train-chunk #train-start #train-pause #train-stop
//     #train-reset #progress #train-step #steps-per-sec #images-per-sec #train-state
//     #loss-recon #loss-kl #loss-chart
//   the weights panel's (ui/weights.js): #download #weights-file #weights-info
//   the evaluate panel's (ui/evaluate.js): #eval-screen #eval-fresh #eval-progress ...

import { el, num, panel } from '../ui/dom.js';
import { latentPanel, reconstructionPanel } from '../ui/encoder.js';
import { guard } from '../ui/page.js';
import { SampleGrid, seedRow } from '../ui/samples.js';
import { openView } from '../ui/view.js';

const N = 16;
/** Test digits the ELBO is averaged over. */
const ELBO_DIGITS = 500;

/**
 * @param {HTMLElement} root
 * @param {import('../genlab.js').GenLab} lab
 * @param {import('../genlab.js').FamilyInfo} info
 */
export async function mount(root, lab, info) {
  const F = info.name;
  const view = await openView(root, lab, info);

  // ---- Samples
  const grid = new SampleGrid({ title: 'samples from the prior', cols: 4, scale: 4 });
  const seed = seedRow((s) => drawSamples(s));
  const samplesPanel = panel(
    'Samples from the prior',
    { explain: 'Codes z drawn from N(0, I), decoded into pixel probabilities. The same seed gives the same digits.' },
    el('div', { className: 'canvas-box' }, grid.canvas),
    el('div', { className: 'actions' }, ...seed.nodes),
  );
  async function drawSamples(s) {
    const out = await lab.sample(F, { n: N, seed: s });
    grid.show(out.pixels, { n: N, what: `${N} samples from the prior (seed ${s})` });
  }

  // ---- Reconstructions and the latent space
  const recon = reconstructionPanel(lab, info);
  const latent = latentPanel(lab, info);

  // ---- Likelihood
  const llBtn = el('button', { type: 'button', id: 'likelihood-btn', textContent: 'compute the ELBO' });
  const llOut = el('span', { id: 'likelihood', className: 'readout' });
  const llPanel = panel(
    'Likelihood',
    { explain: `The evidence lower bound on log p(x), averaged over ${ELBO_DIGITS} test digits (binarised): higher is better.` },
    el('div', { className: 'actions' }, llBtn, llOut),
  );
  llBtn.addEventListener('click', () =>
    guard(async () => {
      llBtn.disabled = true;
      llOut.textContent = 'computing…';
      try {
        const r = await lab.likelihood(F, { n: ELBO_DIGITS });
        llOut.textContent = `log p(x) ≥ ${num(r.nats, 1)} nats (${num(r.bits_per_dim, 3)} bits/dim) over ${r.n} test digits`;
      } catch (e) {
        llOut.textContent = '';
        throw e;
      } finally {
        llBtn.disabled = false;
      }
    }),
  );

  // ---- Training, evaluation, weights
  const { training, evaluation, weights } = view.modelPanels({
    training: {
      explain: 'Training runs in a worker, a few steps at a time; the samples above refresh as it learns.',
      sampleN: N,
      onSamples: (s, step) => grid.show(s.pixels, { n: s.n, what: `${s.n} samples at training step ${step}` }),
    },
    evaluate: { screen: () => grid.current() },
  });

  view.show(
    el('div', { className: 'columns' }, samplesPanel, recon.node),
    latent.node,
    training.node,
    evaluation.node,
    el('div', { className: 'columns' }, llPanel, weights.node),
  );

  const samples = () => drawSamples(seed.read());
  const rest = [recon.draw, latent.drawInterp, (config) => latent.drawManifold(config)];
  return view.start({
    first: samples,
    then: rest,
    refresh: [
      // A finished run leaves its last progress samples on screen; a reset or a file redraws.
      (config, why) => (why === 'trained' ? undefined : samples()),
      ...rest,
      () => (llOut.textContent = ''),
    ],
  });
}
