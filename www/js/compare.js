// Every family compared (compare.html, and the <genlab-demo view="compare"> element): the
// trade-off between quality, speed, likelihood and control, measured in the reader's browser.
// One row per family of the registry (the table grows by itself as families are added), all
// from one seed: samples, time per digit, time per training step, likelihood with its kind
// and data model, FID-MNIST and conditional accuracy from the judge, and what it offers.
//
// Figures come from two places, and each says which: measured live in the worker (samples and
// their time at once; a training step's time, and a live score with the judge, when asked),
// or read from weights/eval.json (what `./build.sh eval` measured natively on 1000 samples
// and the 10,000 test digits). Work for the worker goes through one queue (compare/queue.js),
// family by family, cheapest first, what the reader asks for first; one family's failure
// stays in its row.
//
// mountCompare builds everything inside `root` (an element or a shadow root) and looks up
// nothing outside it: it may be mounted twice on a page, or inside a custom element. Its styles
// (compare/style.js) come with it: adopted into root's root node, the document or the shadow
// root, once per root node, so the table looks the same on compare.html and in the element.

import { MAX_SEED } from './genlab.js';
import { el } from './ui/dom.js';
import { likelihoodGroups, loadEvalFile } from './compare/eval-file.js';
import { likelihoodSection } from './compare/likelihood-groups.js';
import { WorkQueue } from './compare/queue.js';
import { familyRow } from './compare/row.js';
import { TIMED_STEPS } from './compare/measure.js';
import { COMPARE_CSS, adoptCompareStyles } from './compare/style.js';

/** Samples per live score: the reader's choice (FID needs many; the CPU takes a while for the long samplers). */
const LIVE_COUNTS = [100, 200, 500, 1000];

/** The columns: [heading, what it holds]. */
const COLUMNS = [
  ['Family', 'the model, its name in the API and its paper'],
  ['Samples', 'fresh samples from the pretrained weights, all families from the same seed'],
  ['Time per digit', 'wall-clock time of one draw in this browser, over the digits it drew'],
  ['Training step', 'time per step of training the shipped model in this browser, when asked'],
  ['Likelihood', 'log p(x) of the test digits with its kind and data model; ranked only among its data model'],
  ['FID-MNIST', "Fréchet distance between the judge's features of the samples and of the test digits, beside real digits' own; lower is better"],
  ['Conditional accuracy', 'share of samples the judge reads as the digit asked for'],
  ['Offers', 'what the family can do beyond sampling, from its declared capabilities'],
];

/** How the figures are measured, for the reader (a <details> under the table). */
function howMeasured() {
  const item = (title, text) => el('li', {}, el('strong', { textContent: `${title}: ` }), text);
  return el(
    'details',
    { className: 'compare-how' },
    el('summary', { textContent: 'How these figures are measured' }),
    el(
      'ul',
      {},
      item('Samples', 'ten digits per family from the same seed, with the default sampler settings; five where a draw runs long chains (thousands of network evaluations a digit). A conditional family is asked for digits spread evenly over 0–9.'),
      item('Time per digit', 'one lab.sample call timed in this page, divided by the digits it drew, after the weights were loaded and the sampler run once on one digit (so neither the download nor a first run\'s set-up is counted). A draw of a few digits costs more per digit than a large batch: eval.json\'s native figure is over a large batch, and a live score gives the time in its batch too.'),
      item('Training step', `timed when asked, not by itself: on the CPU one step of the larger models takes seconds (timing every family there takes a minute or two), and training needs the MNIST digits (5.5 MB), which drawing the table does not. The shipped model is fine-tuned for ${TIMED_STEPS + 1} steps, the first a warm-up; the mean of the other ${TIMED_STEPS} is shown, and the model's weights are put back at once.`),
      item('Likelihood', 'from eval.json (over the test digits it names), with its kind (exact, a lower bound, or an estimate with its standard error) and data model; a live score adds the figure over as many test digits as samples. Only figures of the same data model are ranked together.'),
      item('FID-MNIST and conditional accuracy', 'from eval.json (on the samples it names) and, when asked, scored live here with the same judge on the number of samples chosen above the table, from the table\'s seed. FID depends on the number of samples: compare live figures only at the same count, each beside what as many real digits score.'),
      item('Offers', 'read off what the family implements (its capabilities), not a list kept by hand.'),
    ),
  );
}

/**
 * Builds the comparison into `root` and starts its first pass: every family's samples, drawn
 * and timed one family after another, cheapest first, and eval.json's figures.
 *
 * @param {Element|ShadowRoot} root
 * @param {import('./genlab.js').GenLab} lab
 * @param {{seed?: number, onProgress?: (p: {done: number, total: number, family: string|null, failed: number, evalError: string|null, finished: boolean}) => void}} [options]
 *   onProgress: after each family's samples of a pass (`family`, `done` of `total`), and once
 *   more when the pass and eval.json are both settled (`finished`; `failed` families whose
 *   samples failed, `evalError` why eval.json could not be read, or null)
 * @returns {Promise<() => void>} the clean-up: stops the table's work and removes it
 */
export async function mountCompare(root, lab, { seed = 0, onProgress } = {}) {
  if (!Number.isInteger(seed) || seed < 0 || seed > MAX_SEED) throw new Error(`invalid parameter: seed must be a whole number in [0, ${MAX_SEED}], got ${seed}`);
  const queue = new WorkQueue();
  const families = lab.families();
  const href = (family) => new URL(`family.html?family=${encodeURIComponent(family)}`, lab.base).href;
  const rows = families.map((info) => familyRow(lab, info, { queue, href }));
  // The order of the automatic work: cheapest first; the sort is stable (registry order on ties).
  const byCost = [...rows].sort((a, b) => a.cost - b.cost);
  const titleOf = (family) => lab.family(family)?.title ?? family;
  const llSection = likelihoodSection({ title: titleOf });

  const seedInput = el('input', { type: 'number', min: 0, max: MAX_SEED, step: 1, value: String(seed) });
  const drawBtn = el('button', { type: 'button', className: 'compare-draw-btn', textContent: 'draw again' });
  const liveCount = el('select', {}, ...LIVE_COUNTS.map((n) => el('option', { value: String(n), textContent: String(n) })));
  const scoreAllBtn = el('button', { type: 'button', className: 'compare-score-all-btn', textContent: 'score every family live' });
  const trainAllBtn = el('button', { type: 'button', className: 'compare-train-all-btn', textContent: 'time every family\'s training' });
  const passStatus = el('p', { className: 'compare-pass' });
  passStatus.setAttribute('role', 'status');
  const caption = el('caption', {});

  const table = el(
    'table',
    { className: 'compare-table' },
    caption,
    el('thead', {}, el('tr', {}, ...COLUMNS.map(([name, help]) => el('th', { scope: 'col', title: help, textContent: name })))),
    el('tbody', {}, ...rows.map((r) => r.node)),
  );
  const node = el(
    'section',
    { className: 'compare', dataset: { state: 'drawing' } },
    el(
      'div',
      { className: 'compare-toolbar' },
      el('label', { className: 'field' }, 'seed ', seedInput),
      drawBtn,
      el('label', { className: 'field' }, 'samples per live score ', liveCount),
      scoreAllBtn,
      trainAllBtn,
    ),
    passStatus,
    el('div', { className: 'compare-scroll' }, table),
    howMeasured(),
    llSection.node,
  );
  // The styles, where the table is: a <style> of its own where they cannot be adopted.
  if (!adoptCompareStyles(root)) node.prepend(el('style', { textContent: COMPARE_CSS }));
  root.append(node);

  let closed = false;
  let evalError = null;
  let current = seed; // the seed of the samples on screen
  // eval.json: a plain fetch beside the worker's work (it does not wait in the queue).
  const evalLoaded = loadEvalFile(lab.base).then(
    (file) => {
      if (closed) return;
      const groups = likelihoodGroups(file, families);
      llSection.show(file, families, groups);
      for (const r of rows) r.showEval(file, families, groups);
    },
    (e) => {
      evalError = e.message;
      if (closed) return;
      llSection.showError(e);
      for (const r of rows) r.showEvalError(e);
    },
  );

  const report = (p) => {
    try {
      onProgress?.(p);
    } catch (e) {
      console.error('genlab compare: an onProgress handler threw', e);
    }
  };

  /** One pass: every family's samples from `s`, cheapest first. */
  async function drawAll(s) {
    current = s;
    drawBtn.disabled = true;
    node.dataset.state = 'drawing';
    caption.textContent = `Every family from seed ${s}: samples, speed in this browser, likelihood, quality and what each offers`;
    const total = rows.length;
    let done = 0;
    let failed = 0;
    passStatus.textContent = `drawing the samples: 0 of ${total} families…`;
    try {
      await Promise.all(
        byCost.map((r) =>
          r.draw(s).then((ok) => {
            done += 1;
            if (!ok) failed += 1;
            passStatus.textContent = done < total ? `drawing the samples: ${done} of ${total} families…` : `${total} families drawn from seed ${s}${failed ? `, ${failed} failed (see their rows)` : ''}.`;
            report({ done, total, family: r.info.name, failed, evalError: null, finished: false });
          }),
        ),
      );
      await evalLoaded;
    } catch (e) {
      if (e?.closed || closed) return; // the table or the lab was closed meanwhile
      throw e;
    } finally {
      drawBtn.disabled = false;
    }
    node.dataset.state = failed || evalError ? 'error' : 'ready';
    report({ done, total, family: null, failed, evalError, finished: true });
  }

  /** Queues `task(row)` for every family, cheapest first, after what is queued already. */
  async function everyFamily(button, task) {
    button.disabled = true;
    try {
      await Promise.all(byCost.map((r) => task(r)));
    } finally {
      button.disabled = false;
    }
  }

  const onError = (e) => {
    if (e?.closed) return;
    passStatus.textContent = `failed: ${e.message}`;
    console.error('genlab compare:', e);
  };
  drawBtn.addEventListener('click', () => {
    const v = Number(seedInput.value);
    if (!Number.isInteger(v) || v < 0 || v > MAX_SEED) return onError(new Error(`the seed must be a whole number in [0, ${MAX_SEED}], got '${seedInput.value}'`));
    drawAll(v).catch(onError);
  });
  // Live scores and training runs take the seed of the samples on screen.
  const score = (r, urgent) => r.score({ n: Number(liveCount.value), seed: current, urgent });
  const train = (r, urgent) => r.timeTraining({ seed: current, urgent });
  for (const r of rows) {
    r.node.querySelector('.compare-score-btn').addEventListener('click', () => score(r, true));
    r.node.querySelector('.compare-train-btn').addEventListener('click', () => train(r, true));
  }
  scoreAllBtn.addEventListener('click', () => everyFamily(scoreAllBtn, (r) => score(r, false)).catch(onError));
  trainAllBtn.addEventListener('click', () => everyFamily(trainAllBtn, (r) => train(r, false)).catch(onError));

  drawAll(seed).catch(onError);

  return () => {
    closed = true;
    queue.close();
    for (const r of rows) r.destroy();
    node.remove();
  };
}
