// The Evaluate panel every view shares: the classifier judge (weights/classifier.bpk) scores
// either the samples on screen or fresh samples (500 unless the view says fewer) of the current model (lab.evaluate), and
// the panel shows what it found: FID-MNIST beside the real-vs-real baseline, class coverage
// (entropy, an Inception-Score-like figure, the judge's confidence, a histogram), a
// mode-collapse warning, memorisation, the likelihood and conditional accuracy where the
// family has them, and the sampling time.
//
// Element ids (stable; the browser tests rely on them):
//   #eval-screen (button: score the samples on screen) #eval-fresh (button: score fresh samples)
//   #eval-progress (<progress>, value = fraction done; data-updates = progress reports seen)
//   #eval-stage (what is being done) #eval-warning (mode-collapse warning, hidden when none)
//   #eval-results (hidden until a result) #eval-source #eval-fid #eval-fid-real #eval-entropy
//   #eval-is #eval-confidence #eval-memo #eval-likelihood #eval-cond #eval-ms (each in a
//   row hidden when the result lacks it) #eval-histogram (uPlot bar chart of the classes)

import { PIXELS } from '../genlab.js';
import { el, num, panel, pct } from './dom.js';
import { ClassHistogram } from './histogram.js';
import { guard } from './page.js';
import { dataText, headline, kindText } from './likelihood.js';

const FRESH = 500;
const MAX_BITS = Math.log2(10);

function metric(id, name, help) {
  const value = el('span', { id, className: 'readout' });
  const row = el('div', { className: 'metric' }, el('span', { className: 'metric-name', textContent: name }), el('span', {}, value, help ? el('small', { className: 'help', textContent: help }) : null));
  return { value, row };
}

/**
 * @param {import('../genlab.js').GenLab} lab
 * @param {import('../genlab.js').FamilyInfo} info
 * @param {{screen: () => ({pixels: Float32Array, n: number, what: string}|null), fresh?: number,
 *   settings?: () => object}} options
 *   screen: what the view shows now (e.g. a SampleGrid's current()); fresh: how many fresh
 *   samples to score; settings: the sampler settings the view's controls describe, for them
 */
export function evaluatePanel(lab, info, { screen, fresh = FRESH, settings = () => ({}) }) {
  const F = info.name;
  const screenBtn = el('button', { type: 'button', id: 'eval-screen', textContent: 'score the samples on screen' });
  const freshBtn = el('button', { type: 'button', id: 'eval-fresh', className: 'primary', textContent: `score ${fresh} fresh samples` });
  const progress = el('progress', { id: 'eval-progress', max: 1, value: 0 });
  progress.dataset.updates = '0';
  const stage = el('span', { id: 'eval-stage', className: 'stage', textContent: 'not run yet' });
  const warning = el('p', { id: 'eval-warning', className: 'warning', hidden: true });
  const source = el('p', { id: 'eval-source', className: 'explain' });

  const m = {
    fid: metric('eval-fid', 'FID-MNIST', null),
    entropy: metric('eval-entropy', 'class entropy', 'how evenly the samples cover the ten digits (log2 10 = 3.32 bits when all are equally common)'),
    is: metric('eval-is', 'Inception-Score-like', 'exp E KL(p(y|x) || p(y)): 1 when the judge cannot tell the samples apart, 10 for sure, evenly spread digits'),
    confidence: metric('eval-confidence', 'judge confidence', "the judge's mean top probability: low for smudges it cannot read"),
    memo: metric('eval-memo', 'memorisation', null),
    likelihood: metric('eval-likelihood', 'test-set likelihood', null),
    cond: metric('eval-cond', 'conditional accuracy', 'share of samples the judge reads as the digit that was asked for'),
    ms: metric('eval-ms', 'sampling time', null),
  };
  const fidReal = el('span', { id: 'eval-fid-real', className: 'readout' });
  m.fid.row.lastChild.append(
    ' vs ',
    fidReal,
    ' for real digits',
    el('small', {
      className: 'help',
      textContent: 'Fréchet distance between the judge\'s features of the samples and of the 10,000 test digits: lower is better; the baseline is what as many real training digits score (small sample counts inflate both).',
    }),
  );
  const histBox = el('div', { id: 'eval-histogram', className: 'histogram' });
  const results = el(
    'div',
    { id: 'eval-results', hidden: true },
    source,
    el('div', { className: 'eval-grid' }, el('div', { className: 'metrics' }, ...Object.values(m).map((x) => x.row)), el('div', {}, el('h3', { textContent: 'Classes the judge sees' }), histBox)),
  );

  const node = panel(
    'Evaluate',
    {
      id: 'evaluate',
      explain:
        'A classifier trained on MNIST (the judge) scores the samples: how close they are to real digits, whether every digit appears, how readable they are, and whether the model copies its training digits.',
    },
    el('div', { className: 'actions' }, screenBtn, freshBtn),
    el('div', { className: 'progress-row' }, progress, stage),
    warning,
    results,
  );
  const histogram = new ClassHistogram(histBox);

  function onProgress({ fraction, stage: what }) {
    progress.value = fraction;
    progress.dataset.updates = String(Number(progress.dataset.updates) + 1);
    stage.textContent = what;
  }

  function show(r, what, seconds) {
    source.textContent = `${what}: scored in ${num(seconds, 1)} s.`;
    m.fid.value.textContent = num(r.fid, 1);
    fidReal.textContent = num(r.fid_real, 1);
    const c = r.classes;
    m.entropy.value.textContent = `${num(c.entropy_bits, 2)} of ${num(MAX_BITS, 2)} bits`;
    m.is.value.textContent = `${num(c.inception_score, 2)} of 10`;
    m.confidence.value.textContent = pct(c.confidence);
    histogram.set(c.histogram, c.missing);
    warning.textContent = c.warning ? `⚠ ${c.warning}` : '';
    warning.hidden = !c.warning;

    const memo = r.memorisation;
    m.memo.row.hidden = !memo;
    if (memo) {
      m.memo.value.textContent = `${pct(memo.near_copies)} near-copies · distance ratio ${num(memo.ratio, 2)}`;
      m.memo.row.querySelector('.help')?.remove();
      m.memo.value.after(
        el('small', {
          className: 'help',
          textContent: `of ${memo.n} samples, the share nearer to a training digit than 95% of test digits are (about 5% when the model does not copy); the ratio is the mean distance to the nearest training digit, samples (${num(memo.sample_nn, 2)}) over test digits (${num(memo.test_nn, 2)}): well below 1 means copies.`,
        }),
      );
    }

    const ll = r.likelihood;
    m.likelihood.row.hidden = !ll;
    if (ll) {
      m.likelihood.value.textContent = headline(ll);
      m.likelihood.row.querySelector('.help')?.remove();
      m.likelihood.value.after(
        el('small', {
          className: 'help',
          textContent: `${kindText(ll)}, mean over ${ll.n} test digits, ${dataText(ll)}; higher nats and lower bits/dim are better.`,
        }),
      );
    }

    m.cond.row.hidden = r.conditional_accuracy == null;
    if (r.conditional_accuracy != null) m.cond.value.textContent = pct(r.conditional_accuracy);

    m.ms.row.hidden = r.ms_per_digit == null;
    if (r.ms_per_digit != null) m.ms.value.textContent = `${num(r.ms_per_digit, r.ms_per_digit < 10 ? 2 : 0)} ms per digit`;
    results.hidden = false;
  }

  async function score(kind) {
    screenBtn.disabled = freshBtn.disabled = true;
    progress.value = 0;
    progress.dataset.updates = '0';
    stage.textContent = 'starting…';
    const t0 = performance.now();
    try {
      let r;
      let what;
      if (kind === 'screen') {
        const shown = screen();
        if (!shown || shown.n < 2) throw new Error('there are no samples on screen to score yet (at least 2 are needed)');
        // Copy: the grid may redraw (training) while the judge works.
        const images = shown.pixels.slice(0, shown.n * PIXELS);
        r = await lab.evaluate(F, { images, memorisation: Math.min(300, shown.n), onProgress });
        what = `On screen: ${shown.what}`;
      } else {
        const set = settings();
        r = await lab.evaluate(F, { n: fresh, onProgress, ...set });
        const shown = Object.entries(set).map(([k, v]) => `${k} ${v}`).join(', ');
        what = `${fresh} fresh samples of the current model (seed 0${shown ? `; ${shown}` : ''})`;
      }
      progress.value = 1;
      stage.textContent = 'done';
      show(r, what, (performance.now() - t0) / 1000);
    } catch (e) {
      stage.textContent = 'failed';
      throw e;
    } finally {
      screenBtn.disabled = freshBtn.disabled = false;
    }
  }

  screenBtn.addEventListener('click', () => guard(() => score('screen')));
  freshBtn.addEventListener('click', () => guard(() => score('fresh')));

  return {
    node,
    destroy() {
      histogram.destroy();
    },
  };
}
