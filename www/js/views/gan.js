// The GAN's page (both `gan` and the class-conditional `cgan`): samples from fixed noise, the
// judge's class histogram (mode collapse made visible), the latent space (blending two noise
// vectors, editing the first dimensions of one, and for cgan one z drawn as every digit),
// live training with the two players' losses, D(x) vs D(G(z)), and a fixed-noise grid with a
// scrubber over every snapshot; then evaluation and weights.
//
// Element ids (stable; the browser tests rely on them):
//   #samples (canvas) #sample-seed #sample-btn #sample-new #sample-label (cgan: '' never,
//     'all' = one row per digit, '0'..'9')
//   the judge's (ui/judge.js): #class-histogram #class-warning #class-source #class-summary
//   the noise panel's (ui/noise.js): #interp-a #interp-b #interp-btn #interp #latent-label
//     #z-seed #z-0 .. #z-5 #z-reset #z-image #every-class
//   the training panel's (ui/training.js), with #train-sample-every, #loss-chart (D and G
//     losses) and #dx-chart (D(x) and D(G(z))); the snapshots' (ui/snapshots.js):
//     #train-samples #snapshot-scrubber #snapshot-step
//   the evaluate panel's (ui/evaluate.js) and the weights panel's (ui/weights.js)

import { el, panel } from '../ui/dom.js';
import { judgeView } from '../ui/judge.js';
import { labelOptions, labelPicker, labelRequest } from '../ui/labels.js';
import { noisePanel } from '../ui/noise.js';
import { guard } from '../ui/page.js';
import { SampleGrid, seedRow } from '../ui/samples.js';
import { snapshotGrid } from '../ui/snapshots.js';
import { openView } from '../ui/view.js';

/** 64 samples: enough for the judge's histogram to mean something (16 miss digits by chance). */
const N = 64;
const COLS = 8;

/**
 * @param {HTMLElement} root
 * @param {import('../genlab.js').GenLab} lab
 * @param {import('../genlab.js').FamilyInfo} info
 */
export async function mount(root, lab, info) {
  const F = info.name;
  const conditional = info.capabilities.conditional;
  const view = await openView(root, lab, info);

  // ---- Samples, and what the judge reads in them
  const grid = new SampleGrid({ title: 'samples', cols: COLS, scale: 2 });
  const seed = seedRow((s) => drawSamples(s));
  const picker = conditional ? labelPicker('sample-label', { none: null, value: 'all' }) : null;
  picker?.input.addEventListener('change', () => guard(() => drawSamples(seed.read())));
  const samplesPanel = panel(
    'Samples',
    {
      explain: conditional
        ? 'The generator turns a noise vector z and a requested digit into an image. Ask for every digit (a row each) or one.'
        : 'The generator turns a noise vector z ~ N(0, I) into an image in one pass. The same seed gives the same noise.',
    },
    el('div', { className: 'canvas-box' }, grid.canvas),
    el('div', { className: 'actions' }, ...seed.nodes, picker?.node),
  );
  const judge = view.own(judgeView(lab));
  const judgePanel = panel(
    'Mode collapse',
    {
      id: 'mode-collapse',
      explain:
        'A generator can win its game by drawing only the digits that fool the discriminator best: mode collapse. A classifier (the judge) reads the samples on screen; a digit missing from its histogram is one the generator no longer draws.',
    },
    ...judge.nodes,
  );
  async function drawSamples(s) {
    const req = labelRequest(conditional ? picker.value() : null, { n: N, cols: COLS, perRow: COLS });
    const out = await lab.sample(F, { ...labelOptions(req), seed: s });
    const what = `${req.what} (seed ${s})`;
    grid.show(out.pixels, { n: req.n, cols: req.cols, what, labels: req.labels ?? req.label });
    judge.judge(out.pixels, `the ${what}`, req.label ?? req.labels ?? null);
  }

  // ---- Latent space
  const noise = noisePanel(lab, info);

  // ---- Training (with the fixed-noise snapshots under its charts), evaluation, weights
  const snapshots = view.own(snapshotGrid({ cols: COLS, onShow: (pixels, step) => judge.judge(pixels, `the fixed-noise grid at training step ${step}`) }));
  const { training, evaluation, weights } = view.modelPanels({
    training: {
      explain:
        'Two networks train against each other: D learns to tell real digits from G\'s, G learns to fool D. The losses do not fall steadily as in other models; D(x) and D(G(z)) both near ½ means D can no longer tell. On the CPU a step takes about a second: use a small batch to see more.',
      charts: [
        { id: 'loss-chart', keys: ['d_loss', 'g_loss'], title: 'The two players\' losses', yLabel: 'nats' },
        { id: 'dx-chart', keys: ['d_real', 'd_fake'], title: 'What D believes: D(x) vs D(G(z))', yLabel: 'probability "real"', yRange: [0, 1] },
      ],
      steps: 1000,
      chunk: 1,
      sampleN: N,
      sampleEveryField: 10,
      extra: snapshots.nodes,
      onStart: () => snapshots.start(),
      onSamples: (s, step) => snapshots.add(s, step),
    },
    evaluate: { screen: () => grid.current() },
  });

  view.show(el('div', { className: 'columns' }, samplesPanel, judgePanel), noise.node, training.node, evaluation.node, weights.node);
  return view.start({ first: () => drawSamples(seed.read()), then: [noise.drawBlend, noise.drawCode] });
}
