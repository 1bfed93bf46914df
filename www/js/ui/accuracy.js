// For a family that classifies (capabilities.classify): the test accuracy of the classifiers
// it carries (lab.accuracy), naive Bayes by Bayes' rule beside its logistic-regression twin.
//
// Element ids (stable; the browser tests rely on them): #acc-nb #acc-lr (test accuracies,
// e.g. "83.5%"; data-value = the fraction) #acc-n

import { TEST_DIGITS } from '../genlab.js';
import { el, panel, pct } from './dom.js';

/**
 * @param {import('../genlab.js').GenLab} lab
 * @param {import('../genlab.js').FamilyInfo} info
 * @returns {{node: HTMLElement, draw: () => Promise<void>}}
 */
export function accuracyPanel(lab, info) {
  const nb = el('span', { id: 'acc-nb', className: 'big-number', textContent: '…' });
  const lr = el('span', { id: 'acc-lr', className: 'big-number', textContent: '…' });
  const over = el('p', { id: 'acc-n', className: 'explain' });
  const node = panel(
    "Classifying with Bayes' rule",
    {
      id: 'accuracy',
      explain:
        "Fitted to the digits, naive Bayes also classifies: p(y | x) ∝ p(y) Π p(x_i | y). Its twin, logistic regression, fits p(y | x) directly with the same linear form.",
    },
    el(
      'div',
      { className: 'side-by-side accuracies' },
      el('div', { className: 'accuracy' }, nb, el('span', { textContent: 'naive Bayes (generative)' })),
      el('div', { className: 'accuracy' }, lr, el('span', { textContent: 'logistic regression (discriminative)' })),
    ),
    over,
    el('p', {
      className: 'explain',
      textContent:
        'Ng & Jordan (2001): the generative classifier approaches its best error with far fewer examples, but the discriminative one has the lower best error, so with plenty of data, as here, logistic regression wins; naive Bayes pays for pretending the pixels are independent.',
    }),
  );

  async function draw() {
    nb.textContent = lr.textContent = '…';
    const r = await lab.accuracy(info.name, { n: TEST_DIGITS });
    const find = (word) => r.classifiers.find((c) => c.name.includes(word));
    for (const [out, c] of [[nb, find('Bayes')], [lr, find('logistic')]]) {
      out.textContent = c ? pct(c.accuracy) : '–';
      out.dataset.value = c ? String(c.accuracy) : '';
    }
    over.textContent = `Test accuracy over ${r.n.toLocaleString('en')} test digits.`;
  }

  return { node, draw };
}
