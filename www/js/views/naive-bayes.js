// Naive Bayes' page: its samples (binary, speckled) beside a deep model's (the VAE's), per
// class if asked; the two classifiers it carries, naive Bayes (generative) against its
// logistic-regression twin (discriminative); its exact test-set likelihood; training (one
// pass of counting against many gradient steps), evaluation and weights.
//
// Element ids (stable; the browser tests rely on them):
//   #samples (canvas: naive Bayes) #deep-samples (canvas: the VAE) #deep-note
//   #sample-seed #sample-btn #sample-new #sample-label ('' = any digit, 'all' = a row per
//     digit, '0'..'9')
//   #acc-nb #acc-lr (test accuracies, e.g. "83.5%"; data-value = the fraction) #acc-n
//   #likelihood-btn #likelihood (exact log p(x), nats and bits/dim) #likelihood-deep
//   the training panel's (ui/training.js) with #loss-chart (nll) and #xent-chart, the
//   evaluate panel's (ui/evaluate.js) and the weights panel's (ui/weights.js)

import { el, num, panel, pct } from '../ui/dom.js';
import { evaluatePanel } from '../ui/evaluate.js';
import { drawGrid } from '../ui/grid.js';
import { labelOptions, labelPicker, labelRequest } from '../ui/labels.js';
import { guard, showError } from '../ui/page.js';
import { SampleGrid, seedRow } from '../ui/samples.js';
import { trainingPanel } from '../ui/training.js';
import { weightsPanel } from '../ui/weights.js';

/** The deep model shown beside naive Bayes. */
const DEEP = 'vae';
const N = 16;
const PER_ROW = 8;
const TEST_DIGITS = 10000;

/**
 * @param {HTMLElement} root
 * @param {import('../genlab.js').GenLab} lab
 * @param {import('../genlab.js').FamilyInfo} info
 */
export async function mount(root, lab, info) {
  const F = info.name;
  const cleanups = [];
  const deep = lab.family(DEEP);

  // ---- Samples beside a deep model's
  const grid = new SampleGrid({ title: 'naive Bayes samples', cols: 4, scale: 3 });
  const deepCanvas = el('canvas', { id: 'deep-samples', className: 'grid', title: `${deep?.title ?? DEEP} samples` });
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
      el('figure', {}, el('div', { className: 'canvas-box' }, deepCanvas), el('figcaption', { textContent: `${deep?.title ?? DEEP} (same seed)` })),
    ),
    deepNote,
  );

  // ---- Classifiers
  const accNb = el('span', { id: 'acc-nb', className: 'big-number', textContent: '…' });
  const accLr = el('span', { id: 'acc-lr', className: 'big-number', textContent: '…' });
  const accN = el('p', { id: 'acc-n', className: 'explain' });
  const accPanel = panel(
    "Classifying with Bayes' rule",
    {
      id: 'accuracy',
      explain:
        "Fitted to the digits, naive Bayes also classifies: p(y | x) ∝ p(y) Π p(x_i | y). Its twin, logistic regression, fits p(y | x) directly with the same linear form.",
    },
    el(
      'div',
      { className: 'side-by-side accuracies' },
      el('div', { className: 'accuracy' }, accNb, el('span', { textContent: 'naive Bayes (generative)' })),
      el('div', { className: 'accuracy' }, accLr, el('span', { textContent: 'logistic regression (discriminative)' })),
    ),
    accN,
    el('p', {
      className: 'explain',
      textContent:
        'Ng & Jordan (2001): the generative classifier approaches its best error with far fewer examples, but the discriminative one has the lower best error, so with plenty of data, as here, logistic regression wins; naive Bayes pays for pretending the pixels are independent.',
    }),
  );

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

  // ---- Training, evaluation, weights
  const pretrained = await lab.config(F);
  const training = trainingPanel(lab, info, {
    pretrained,
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
    onModelChanged: async (why) => refreshModel(why === 'reset' ? 'pretrained' : ''),
  });
  cleanups.push(() => training.destroy());
  const weights = weightsPanel(lab, info, { busy: () => training.active, onLoaded: () => refreshModel() });
  const evaluation = evaluatePanel(lab, info, { screen: () => grid.current() });
  cleanups.push(() => evaluation.destroy());

  root.classList.add('view', `view-${F}`);
  root.append(samplesPanel, el('div', { className: 'columns' }, accPanel, llPanel), training.node, evaluation.node, weights.node);

  // ---- Drawing
  async function drawNb(s) {
    const req = labelRequest(picker.value(), { n: N, cols: 4, perRow: PER_ROW });
    const out = await lab.sample(F, { ...labelOptions(req), seed: s });
    grid.show(out.pixels, { n: req.n, cols: req.cols, scale: req.n > N ? 2 : 3, what: `${req.what} (seed ${s})` });
  }

  async function drawSamples(s) {
    await drawNb(s);
    await drawDeep(s);
  }

  async function drawDeep(s) {
    if (!deep) {
      deepNote.textContent = `(no '${DEEP}' family in this build to compare with)`;
      return;
    }
    const d = await lab.sample(DEEP, { n: N, seed: s });
    drawGrid(deepCanvas, d.pixels, { n: N, cols: 4, scale: 3 });
    deepNote.textContent = picker.value() === null ? '' : `The ${deep.title} is not class-conditional: its samples are of any digit.`;
  }

  async function drawAccuracy() {
    accNb.textContent = accLr.textContent = '…';
    const r = await lab.accuracy(F, { n: TEST_DIGITS });
    const find = (word) => r.classifiers.find((c) => c.name.includes(word));
    for (const [out, c] of [[accNb, find('Bayes')], [accLr, find('logistic')]]) {
      out.textContent = c ? pct(c.accuracy) : '–';
      out.dataset.value = c ? String(c.accuracy) : '';
    }
    accN.textContent = `Test accuracy over ${r.n.toLocaleString('en')} test digits.`;
  }

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
      const d = await lab.likelihood(DEEP, { n: 1000 });
      llDeep.textContent = `For comparison, the ${deep.title}: log p(x) ${d.kind === 'exact' ? '=' : '≥'} ${num(d.nats, 1)} nats (${num(d.bits_per_dim, 3)} bits/dim${d.kind === 'bound' ? ', a lower bound' : ''}, first ${d.n.toLocaleString('en')} test digits).`;
    }
  }

  async function refreshModel(note = '') {
    weights.show(await lab.config(F), note);
    await guard(() => drawSamples(seed.read()));
    await guard(drawAccuracy);
    await guard(drawLikelihood);
  }

  llBtn.addEventListener('click', () => guard(drawLikelihood));

  // ---- First pictures: samples first (the page is "ready" then), the rest after.
  weights.show(pretrained, 'pretrained');
  try {
    await drawNb(seed.read());
    document.body.dataset.ready = '1';
  } catch (e) {
    showError(e);
    if (!e?.closed) document.body.dataset.ready = 'error';
  }
  (async () => {
    await guard(() => drawDeep(seed.read()));
    await guard(drawAccuracy);
    await guard(drawLikelihood);
  })();

  return () => {
    for (const c of cleanups) c();
  };
}
