// Naive Bayes' page: its samples (binary, speckled) beside a deep model's, per class if asked;
// the two classifiers it carries, naive Bayes (generative) against its logistic-regression
// twin (discriminative); its exact test-set likelihood; training (one pass of counting
// against many gradient steps), evaluation and weights.
//
// The deep model is read from the registry: the first other family with a likelihood to
// compare with (the VAE today).
//
// Element ids (stable; the browser tests rely on them):
//   #samples (canvas: naive Bayes; data-labels when digits were asked for) #deep-samples
//     (canvas: the deep model) #deep-note #sample-seed #sample-btn #sample-new #sample-label
//     ('' = any digit, 'all' = a row per digit, '0'..'9')
//   the accuracy panel's (ui/accuracy.js): #acc-nb #acc-lr (data-value = the fraction) #acc-n
//   #likelihood-btn #likelihood (exact log p(x), nats and bits/dim) #likelihood-deep
//   the training panel's (ui/training.js) with #loss-chart (nll) and #xent-chart, the
//   evaluate panel's (ui/evaluate.js) and the weights panel's (ui/weights.js)

import { TEST_DIGITS } from '../genlab.js';
import { accuracyPanel } from '../ui/accuracy.js';
import { el, num, panel } from '../ui/dom.js';
import { drawGrid } from '../ui/grid.js';
import { labelOptions, labelPicker, labelRequest } from '../ui/labels.js';
import { guard } from '../ui/page.js';
import { SampleGrid, seedRow } from '../ui/samples.js';
import { openView } from '../ui/view.js';
import { kindText, natsText, relation } from '../ui/likelihood.js';

const N = 16;
const PER_ROW = 8;
/** Test digits the deep model's likelihood is averaged over (a bound costs more per digit). */
const DEEP_DIGITS = 1000;

/** The deep model shown beside naive Bayes: the first other family with a likelihood, else any other that does not classify. */
function deepModel(lab, info) {
  const others = lab.families().filter((f) => f.name !== info.name && !f.capabilities.classify);
  return others.find((f) => f.capabilities.likelihood) ?? others[0];
}

/**
 * @param {HTMLElement} root
 * @param {import('../genlab.js').GenLab} lab
 * @param {import('../genlab.js').FamilyInfo} info
 */
export async function mount(root, lab, info) {
  const F = info.name;
  const view = await openView(root, lab, info);
  const deep = deepModel(lab, info);

  // ---- Samples beside a deep model's
  const grid = new SampleGrid({ title: 'naive Bayes samples', cols: 4, scale: 3 });
  const deepCanvas = el('canvas', { id: 'deep-samples', className: 'grid', title: `${deep?.title ?? 'deep model'} samples` });
  const deepNote = el('p', { id: 'deep-note', className: 'explain' });
  const seed = seedRow((s) => drawSamples(s));
  const picker = labelPicker('sample-label', { none: 'any digit', all: 'every digit (a row each)' });
  picker.input.addEventListener('change', () => guard(() => drawSamples(seed.read())));
  const samplesPanel = panel(
    'Samples: naive Bayes beside a deep model',
    {
      explain:
        'Naive Bayes draws a class, then every pixel on its own with that class\'s ink probability. With no link between pixels there are no strokes, only speckle around the class average. A deep generative model ties the pixels together through learned features, so it draws whole strokes: that is why deep generative models exist.',
    },
    el('div', { className: 'actions' }, picker.node, ...seed.nodes),
    el(
      'div',
      { className: 'side-by-side' },
      el('figure', {}, el('div', { className: 'canvas-box' }, grid.canvas), el('figcaption', { textContent: 'naive Bayes (binary pixels)' })),
      el('figure', {}, el('div', { className: 'canvas-box' }, deepCanvas), el('figcaption', { textContent: `${deep?.title ?? 'no deep model'} (same seed)` })),
    ),
    deepNote,
  );
  async function drawNb(s) {
    const req = labelRequest(picker.value(), { n: N, cols: 4, perRow: PER_ROW });
    const out = await lab.sample(F, { ...labelOptions(req), seed: s });
    grid.show(out.pixels, { n: req.n, cols: req.cols, scale: req.n > N ? 2 : 3, what: `${req.what} (seed ${s})`, labels: req.label ?? req.labels });
  }
  async function drawDeep(s) {
    if (!deep) {
      deepNote.textContent = '(no other family in this build to compare with)';
      return;
    }
    const d = await lab.sample(deep.name, { n: N, seed: s });
    drawGrid(deepCanvas, d.pixels, { n: N, cols: 4, scale: 3 });
    deepNote.textContent = picker.value() === null || deep.capabilities.conditional ? '' : `The ${deep.title} is not class-conditional: its samples are of any digit.`;
  }
  async function drawSamples(s) {
    await drawNb(s);
    await drawDeep(s);
  }

  // ---- Classifiers
  const accuracy = accuracyPanel(lab, info);

  // ---- Likelihood
  const llBtn = el('button', { type: 'button', id: 'likelihood-btn', textContent: 'compute again' });
  const llOut = el('p', { id: 'likelihood', className: 'readout', textContent: '…' });
  const llDeep = el('p', { id: 'likelihood-deep', className: 'explain' });
  const llPanel = panel(
    'Exact likelihood',
    {
      id: 'likelihood-panel',
      explain:
        'A mixture of ten products of Bernoullis has a likelihood in closed form, log p(x) = log Σ_c p(c) Π_i θ_ci^x_i (1 − θ_ci)^(1 − x_i): no bound, no sampling. Test digits are binarised (fixed seed); higher nats, lower bits/dim are better.',
    },
    llOut,
    llDeep,
    el('div', { className: 'actions' }, llBtn),
  );
  async function drawLikelihood() {
    llBtn.disabled = true;
    llOut.textContent = 'computing…';
    try {
      const r = await lab.likelihood(F, { n: TEST_DIGITS });
      llOut.textContent = `log p(x) = ${num(r.nats, 1)} nats per digit · ${num(r.bits_per_dim, 3)} bits/dim (exact, ${r.n.toLocaleString('en')} binarised test digits)`;
    } catch (e) {
      llOut.textContent = '';
      throw e;
    } finally {
      llBtn.disabled = false;
    }
    if (deep?.capabilities.likelihood) {
      const d = await lab.likelihood(deep.name, { n: DEEP_DIGITS });
      llDeep.textContent = `For comparison, the ${deep.title}: log p(x) ${relation(d)} ${natsText(d)} (${num(d.bits_per_dim, 3)} bits/dim, ${kindText(d)}, first ${d.n.toLocaleString('en')} test digits).`;
    }
  }
  llBtn.addEventListener('click', () => guard(drawLikelihood));

  // ---- Training, evaluation, weights
  const { training, evaluation, weights } = view.modelPanels({
    training: {
      explain:
        'Each step hands one batch to both models. Naive Bayes adds it to its counts: one pass of counting is all it needs, so its loss (−log p(x) of each batch before it is counted) levels off at once. Logistic regression takes one gradient step: its cross-entropy needs many.',
      charts: [
        { id: 'loss-chart', keys: ['nll'], title: 'Naive Bayes: −log p(x) per digit, before counting', yLabel: 'nats' },
        { id: 'xent-chart', keys: ['xent'], title: 'Logistic regression: cross-entropy', yLabel: 'nats' },
      ],
      steps: 400,
      chunk: 5,
      sampleN: N,
      sampleEvery: (c) => Math.max(20, c),
      onSamples: (s, step) => grid.show(s.pixels, { n: s.n, cols: 4, what: `${s.n} samples at training step ${step}` }),
    },
    evaluate: { screen: () => grid.current() },
  });

  view.show(samplesPanel, el('div', { className: 'columns' }, accuracy.node, llPanel), training.node, evaluation.node, weights.node);
  return view.start({
    first: () => drawNb(seed.read()),
    then: [() => drawDeep(seed.read()), accuracy.draw, drawLikelihood],
  });
}
