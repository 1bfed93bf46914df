// For a family that classifies (capabilities.classify): the test accuracy of the classifiers
// it carries (lab.accuracy), two side by side, a generative model's classifier beside its
// discriminative yardstick: by default naive Bayes by Bayes' rule beside its logistic-regression
// twin; a view may name another pair (the Boltzmann machines: a linear classifier on their
// features beside an MLP of the same size).
//
// Element ids (stable; the browser tests rely on them): by default #acc-nb #acc-lr (test
// accuracies, e.g. "83.5%"; data-value = the fraction), or the pair's own ids; #acc-n

import { TEST_DIGITS } from '../genlab.js';
import { el, panel, pct } from './dom.js';

/**
 * @typedef {object} AccuracySpec
 * @property {string} title
 * @property {string} explain
 * @property {string} [note]  a paragraph under the figures
 * @property {number} [n]  test digits scored (default all 10,000)
 * @property {{id: string, match: (name: string) => boolean, caption?: string}[]} pair
 *   each figure's element id, which of lab.accuracy's classifiers it shows, and its caption
 *   (default: the classifier's own name)
 */

/** @type {AccuracySpec} */
const NAIVE_BAYES = {
  title: "Classifying with Bayes' rule",
  explain:
    "Fitted to the digits, naive Bayes also classifies: p(y | x) ∝ p(y) Π p(x_i | y). Its twin, logistic regression, fits p(y | x) directly with the same linear form.",
  note: 'Ng & Jordan (2001): the generative classifier approaches its best error with far fewer examples, but the discriminative one has the lower best error, so with plenty of data, as here, logistic regression wins; naive Bayes pays for pretending the pixels are independent.',
  pair: [
    { id: 'acc-nb', match: (name) => name.includes('Bayes'), caption: 'naive Bayes (generative)' },
    { id: 'acc-lr', match: (name) => name.includes('logistic'), caption: 'logistic regression (discriminative)' },
  ],
};

/**
 * @param {import('../genlab.js').GenLab} lab
 * @param {import('../genlab.js').FamilyInfo} info
 * @param {AccuracySpec} [spec]  the panel's wording and its pair of classifiers (default: naive Bayes')
 * @returns {{node: HTMLElement, draw: () => Promise<void>}}
 */
export function accuracyPanel(lab, info, spec = NAIVE_BAYES) {
  const figures = spec.pair.map((p) => ({
    ...p,
    value: el('span', { id: p.id, className: 'big-number', textContent: '…' }),
    caption: el('span', { textContent: p.caption ?? '' }),
  }));
  const over = el('p', { id: 'acc-n', className: 'explain' });
  const node = panel(
    spec.title,
    { id: 'accuracy', explain: spec.explain },
    el('div', { className: 'side-by-side accuracies' }, ...figures.map((f) => el('div', { className: 'accuracy' }, f.value, f.caption))),
    over,
    spec.note ? el('p', { className: 'explain', textContent: spec.note }) : null,
  );

  async function draw() {
    for (const f of figures) f.value.textContent = '…';
    const r = await lab.accuracy(info.name, { n: spec.n ?? TEST_DIGITS });
    for (const f of figures) {
      const c = r.classifiers.find((x) => f.match(x.name));
      f.value.textContent = c ? pct(c.accuracy) : '–';
      f.value.dataset.value = c ? String(c.accuracy) : '';
      if (c && f.caption.textContent === '') f.caption.textContent = c.name;
      if (c) f.value.dataset.name = c.name;
    }
    over.textContent = `Test accuracy over ${r.n.toLocaleString('en')} test digits.`;
  }

  return { node, draw };
}
