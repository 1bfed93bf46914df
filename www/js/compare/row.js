// One family's row of the comparison (compare.js): its samples from the table's seed, the
// time per digit, the time per training step, its likelihood, FID-MNIST and conditional
// accuracy, and what it offers. A figure measured here says so ("live", on which backend,
// over how many digits); one read from eval.json says that. A failure stays in the cell it
// belongs to, and the other cells and rows go on.
//
// Hooks the browser tests rely on (classes and data attributes, never ids: the table may be
// mounted twice on a page, or in a shadow root):
//   tr[data-family=NAME][data-cost] (network evaluations its draw costs: the table draws cheapest first)
//   canvas.compare-samples  data-images, data-labels (digits asked for), data-seed
//   td.compare-time  data-ms-per-digit, data-n, data-backend once timed
//   td.compare-train  button.compare-train-btn, progress, data-ms-per-step once timed
//   td.compare-likelihood  .from-file[data-kind][data-pixels][data-rank][data-of], .live[data-kind][data-pixels]
//   td.compare-fid  .from-file[data-fid], button.compare-score-btn, progress[data-updates], .live[data-fid]
//   td.compare-cond  .from-file[data-accuracy], .live[data-accuracy]
//   td.compare-offers  li[data-capability]
//   .compare-error  a failure, in the cell it belongs to

import { el, num, pct } from '../ui/dom.js';
import { affordableLayout } from '../ui/cost.js';
import { drawGrid, markLabels } from '../ui/grid.js';
import { dataText, headline, kindText } from '../ui/likelihood.js';
import { dataModelName, defaultReport, fidRank, fileLabel } from './eval-file.js';
import { backendName, count, duration } from './format.js';
import { TIMED_STEPS, timedSample, timedTraining } from './measure.js';
import { offers } from './offers.js';

/** Ten digits (all ten classes for a conditional family) where they are cheap, five where a draw runs long chains. */
const LAYOUT = { full: { n: 10, cols: 5 }, small: { n: 5, cols: 5 } };
const SCALE = 2;

/** A conditional family draws digits spread over 0-9 from the seed: each digit once in a grid of ten. */
export function labelsFor(info, n, seed) {
  if (!info.capabilities.conditional) return undefined;
  return Array.from({ length: n }, (_, i) => (seed + Math.floor((i * 10) / n)) % 10);
}

function layoutFor(info) {
  return affordableLayout(info, [LAYOUT.full, LAYOUT.small], labelsFor);
}

const small = (text, className = '') => el('small', { className: `compare-detail ${className}`.trim(), textContent: text });

/** Replaces a cell part's content with a failure (the part keeps its place in the cell). */
function showFailure(part, e) {
  part.replaceChildren(el('span', { className: 'compare-error', textContent: `failed: ${e.message}` }));
  part.hidden = false;
}

/** A <progress> for a live figure, hidden until its task starts; data-updates counts the reports it got. */
function progressBar(label) {
  const bar = el('progress', { max: 1, value: 0, hidden: true, 'aria-label': label });
  bar.dataset.updates = '0';
  return bar;
}

/**
 * @param {import('../genlab.js').GenLab} lab
 * @param {import('../genlab.js').FamilyInfo} info
 * @param {{queue: import('./queue.js').WorkQueue, href: (family: string) => string}} context
 *   href: the family page's URL (beside the lab's files, wherever this table is mounted)
 */
export function familyRow(lab, info, { queue, href }) {
  const F = info.name;
  const { layout, cost } = layoutFor(info);
  let run = null; // the training run being timed, stopped if the table goes away

  // Family
  const [firstAuthor, ...coauthors] = info.paper.authors.split(',');
  const head = el(
    'th',
    { scope: 'row', className: 'compare-family' },
    el('a', { href: href(F), textContent: info.title }),
    el('code', { textContent: F }),
    el('a', { className: 'compare-paper', href: info.paper.url, textContent: `${firstAuthor}${coauthors.length ? ' et al.' : ''}, ${info.paper.year}`, rel: 'noopener', target: '_blank', title: info.paper.title }),
  );

  // Samples
  const canvas = el('canvas', { className: 'compare-samples samples grid', 'aria-label': `samples of the ${info.title}: not drawn yet` });
  canvas.setAttribute('role', 'img');
  canvas.width = layout.cols * 29 - 1;
  canvas.height = Math.ceil(layout.n / layout.cols) * 29 - 1;
  const sampleStatus = el('span', { className: 'compare-status', textContent: 'queued…' });
  const samplesCell = el('td', { className: 'compare-samples-cell' }, canvas, sampleStatus);

  // Time per digit
  const timeNow = el('div', { className: 'compare-measured' }, small('waiting for the samples…'));
  const timeFile = el('div', { className: 'from-file', hidden: true });
  const timeLive = el('div', { className: 'live', hidden: true });
  const timeCell = el('td', { className: 'compare-time' }, timeNow, timeFile, timeLive);

  // Training step
  const trainBtn = el('button', { type: 'button', className: 'compare-train-btn', textContent: 'time training', 'aria-label': `time training: ${TIMED_STEPS + 1} steps of the ${info.title}` });
  const trainBar = progressBar(`training steps timed, ${info.title}`);
  const trainOut = el('div', { className: 'compare-measured' }, small(`${TIMED_STEPS + 1} steps of the shipped model, in this browser`));
  const trainCell = el('td', { className: 'compare-train' }, el('div', { className: 'compare-action' }, trainBtn, trainBar), trainOut);

  // Likelihood
  const llFile = el('div', { className: 'from-file' }, small('loading eval.json…'));
  const llLive = el('div', { className: 'live', hidden: true });
  const llCell = el('td', { className: 'compare-likelihood' }, llFile, llLive);

  // FID-MNIST, and the live score that also fills the likelihood, accuracy and batch time
  const fidFile = el('div', { className: 'from-file' }, small('loading eval.json…'));
  const scoreBtn = el('button', { type: 'button', className: 'compare-score-btn', textContent: 'score live', 'aria-label': `score live: the ${info.title}, in this browser` });
  const scoreBar = progressBar(`live score, ${info.title}`);
  const scoreStage = el('span', { className: 'compare-status' });
  const fidLive = el('div', { className: 'live', hidden: true });
  const fidCell = el('td', { className: 'compare-fid' }, fidFile, el('div', { className: 'compare-action' }, scoreBtn, scoreBar, scoreStage), fidLive);

  // Conditional accuracy
  const condFile = el('div', { className: 'from-file' }, small(info.capabilities.conditional ? 'loading eval.json…' : 'unconditional: no digit is asked for'));
  const condLive = el('div', { className: 'live', hidden: true });
  const condCell = el('td', { className: 'compare-cond' }, condFile, condLive);

  // Offers
  const offerList = el('ul', { className: 'compare-offers-list' }, ...offers(info).map((o) => el('li', { textContent: o.name, title: o.help, dataset: { capability: o.key } })));
  const offersCell = el('td', { className: 'compare-offers' }, offerList);

  const node = el('tr', { dataset: { family: F, cost: String(cost) } }, head, samplesCell, timeCell, trainCell, llCell, fidCell, condCell, offersCell);

  /** Draws the samples from `seed` and times them; resolves false (the failure shown) when it failed. */
  async function draw(seed) {
    const { n, cols } = layout;
    const labels = labelsFor(info, n, seed);
    sampleStatus.textContent = 'queued…';
    try {
      const r = await queue.add(() => {
        sampleStatus.textContent = 'drawing…';
        return timedSample(lab, info, { n, seed, labels });
      });
      drawGrid(canvas, r.pixels, { n, cols, scale: SCALE });
      markLabels(canvas, n, labels);
      canvas.dataset.seed = String(seed);
      canvas.setAttribute('aria-label', `${n} samples of the ${info.title} from seed ${seed}${labels ? `, asked for the digits ${labels.join(', ')}` : ''}`);
      sampleStatus.textContent = '';
      const per = r.ms / n;
      Object.assign(timeCell.dataset, { msPerDigit: String(per), n: String(n), backend: r.backend });
      timeNow.replaceChildren(
        el('span', { className: 'readout', textContent: duration(per) }),
        ' per digit',
        small(`live: ${n} digits in one call of ${duration(r.ms)}, on ${backendName(r.backend)}`),
      );
      return true;
    } catch (e) {
      if (e?.closed) throw e;
      sampleStatus.textContent = '';
      showFailure(sampleStatus, e);
      timeNow.replaceChildren(small('not timed: the draw failed'));
      return false;
    }
  }

  /**
   * Times a few training steps; the failure is shown in the cell. A timing already queued or
   * running for this row is the one asked for ("time every family" after a row's own button):
   * a second would re-enable the button while the first still runs.
   */
  let timing = null;
  function timeTraining(options) {
    timing ??= timeTrainingOnce(options).finally(() => (timing = null));
    return timing;
  }

  async function timeTrainingOnce({ seed = 0, urgent = true } = {}) {
    trainBtn.disabled = true;
    trainOut.replaceChildren(small('queued…'));
    try {
      const r = await queue.add(
        () => {
          trainOut.replaceChildren(small('loading the training digits and the model…'));
          trainBar.hidden = false;
          trainBar.value = 0;
          trainBar.dataset.updates = '0';
          return timedTraining(lab, info, {
            seed,
            onRun: (h) => (run = h),
            onStep: (step, total) => {
              trainBar.value = step / total;
              trainBar.dataset.updates = String(Number(trainBar.dataset.updates) + 1);
              trainOut.replaceChildren(small(`step ${step} of ${total} done${step === 1 ? ' (the warm-up, not counted)' : ''}`));
            },
          });
        },
        { urgent },
      );
      trainCell.dataset.msPerStep = String(r.msPerStep);
      const perImage = r.batch ? ` · ${num((1000 * r.batch) / r.msPerStep, 0)} digits/s (batch ${r.batch})` : '';
      trainOut.replaceChildren(
        ...[
          el('span', { className: 'readout', textContent: duration(r.msPerStep) }),
          ` per step${perImage}`,
          small(`mean of ${r.steps} steps after a warm-up step, fine-tuning the shipped model on ${backendName(r.backend)}, in this browser; the model's weights were put back.`),
          info.train_steps ? small(`The shipped weights' ${count(info.train_steps)} steps: about ${duration(info.train_steps * r.msPerStep)} at this speed.`) : null,
        ].filter(Boolean),
      );
    } catch (e) {
      if (!e?.closed) showFailure(trainOut, e);
    } finally {
      run = null;
      trainBar.hidden = true;
      trainBtn.disabled = false;
    }
  }

  /** Scores `n` fresh samples from `seed` with the judge, live (lab.evaluate); the failure is shown in the cell. */
  async function score({ n, seed = 0, urgent = true }) {
    scoreBtn.disabled = true;
    scoreStage.textContent = 'queued…';
    let t0 = 0;
    const onProgress = ({ fraction, stage }) => {
      scoreBar.value = fraction;
      scoreBar.dataset.updates = String(Number(scoreBar.dataset.updates) + 1);
      scoreStage.textContent = stage;
    };
    try {
      const r = await queue.add(
        () => {
          scoreBar.hidden = false;
          scoreBar.value = 0;
          scoreBar.dataset.updates = '0';
          scoreStage.textContent = 'starting…';
          t0 = performance.now();
          return lab.evaluate(F, { n, seed, onProgress });
        },
        { urgent },
      );
      showLive(r, { n, seed, seconds: (performance.now() - t0) / 1000, backend: lab.backend });
      scoreStage.textContent = '';
    } catch (e) {
      if (!e?.closed) {
        scoreStage.textContent = '';
        showFailure(fidLive, e);
      }
    } finally {
      scoreBar.hidden = true;
      scoreBtn.disabled = false;
    }
  }

  function showLive(r, { n, seed, seconds, backend }) {
    const where = `in this browser on ${backendName(backend)}`;
    fidLive.dataset.fid = String(r.fid);
    fidLive.dataset.n = String(n);
    fidLive.replaceChildren(
      'live: ',
      el('span', { className: 'readout', textContent: num(r.fid, 1) }),
      ` vs ${num(r.fid_real, 1)} for ${count(n)} real digits`,
      small(`${count(n)} samples from seed ${seed}, scored ${where} in ${num(seconds, 1)} s. Few samples inflate FID: compare live figures at the same count, each with its real-digit baseline.`),
    );
    fidLive.hidden = false;

    if (r.conditional_accuracy != null) {
      condLive.dataset.accuracy = String(r.conditional_accuracy);
      condLive.replaceChildren('live: ', el('span', { className: 'readout', textContent: pct(r.conditional_accuracy) }), small(`of ${count(n)} samples read as the digit asked for, ${where}`));
      condLive.hidden = false;
    }

    const ll = r.likelihood;
    if (ll) {
      Object.assign(llLive.dataset, { kind: ll.kind, pixels: ll.pixels });
      llLive.replaceChildren('live: ', el('span', { className: 'readout', textContent: headline(ll) }), small(`${kindText(ll)}, mean over ${count(ll.n)} test digits, ${dataText(ll)}, ${where}`));
      llLive.hidden = false;
    }

    if (r.ms_per_digit != null) {
      timeLive.replaceChildren(small(`live score: ${duration(r.ms_per_digit)} per digit in a batch of ${count(n)} (the worker's own time)`));
      timeLive.hidden = false;
    }
  }

  /** Fills the cells' eval.json parts. `groups`: likelihoodGroups of the file, for the rank. */
  function showEval(file, families, groups) {
    const report = defaultReport(file, F);
    if (!report) {
      const missing = small('not in eval.json (a family added since it was written: run ./build.sh eval); score it live');
      for (const part of [llFile, fidFile]) part.replaceChildren(missing.cloneNode(true));
      if (info.capabilities.conditional) condFile.replaceChildren(missing.cloneNode(true));
      return;
    }

    if (Number.isFinite(report.ms_per_digit)) {
      timeFile.replaceChildren(small(`${duration(report.ms_per_digit)} per digit in a batch of ${count(report.n)}`), small(fileLabel(file, `${count(report.n)} samples`), 'compare-source'));
      timeFile.hidden = false;
    }

    const ll = report.likelihood;
    if (ll) {
      const group = groups.find((g) => g.pixels === ll.pixels);
      const entry = group?.entries.find((e) => e.family === F);
      Object.assign(llFile.dataset, { kind: ll.kind, pixels: ll.pixels });
      if (entry) Object.assign(llFile.dataset, { rank: String(entry.rank), of: String(group.entries.length) });
      const mismatch = info.capabilities.likelihood && info.capabilities.likelihood !== ll.kind;
      llFile.replaceChildren(
        ...[
          el('span', { className: 'readout', textContent: headline(ll) }),
          small(`${kindText(ll)}; ${dataText(ll)}`),
          entry ? small(`rank ${entry.rank} of ${group.entries.length} among ${dataModelName(ll.pixels)} (the only comparable figures)`, 'compare-rank') : null,
          mismatch ? small(`eval.json's kind (${ll.kind}) is not this build's (${info.capabilities.likelihood}): run ./build.sh eval`, 'compare-error') : null,
          small(fileLabel(file, `${count(ll.n)} test digits`), 'compare-source'),
        ].filter(Boolean),
      );
    } else {
      llFile.replaceChildren(small(info.capabilities.likelihood ? 'not in eval.json: score it live' : 'none: this family gives no likelihood'));
    }

    if (Number.isFinite(report.fid)) {
      const rank = fidRank(file, families, F);
      fidFile.dataset.fid = String(report.fid);
      fidFile.replaceChildren(
        ...[
          el('span', { className: 'readout', textContent: num(report.fid, 1) }),
          ` vs ${num(report.fid_real, 1)} for real digits`,
          rank ? small(`rank ${rank.rank} of ${rank.of}, lower is better`, 'compare-rank') : null,
          small(fileLabel(file, `${count(report.n)} samples, seed ${report.seed}`), 'compare-source'),
        ].filter(Boolean),
      );
    }

    if (info.capabilities.conditional) {
      if (report.conditional_accuracy != null) {
        condFile.dataset.accuracy = String(report.conditional_accuracy);
        condFile.replaceChildren(el('span', { className: 'readout', textContent: pct(report.conditional_accuracy) }), small(fileLabel(file, `${count(report.n)} samples`), 'compare-source'));
      } else condFile.replaceChildren(small('not in eval.json: score it live'));
    }
  }

  /** eval.json could not be read: its parts say so (the live figures still work). */
  function showEvalError(e) {
    for (const part of [llFile, fidFile, ...(info.capabilities.conditional ? [condFile] : [])]) showFailure(part, e);
  }

  return {
    node,
    info,
    /** Network evaluations the row's draw costs: the first pass goes cheapest first. */
    cost,
    draw,
    score,
    timeTraining,
    showEval,
    showEvalError,
    destroy() {
      run?.stop().catch(() => {}); // the timing task then puts the model's weights back
    },
  };
}
