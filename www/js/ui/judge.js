// "What the judge reads": the classifier judge's class histogram of the images on screen
// (lab.classes), with the mode-collapse warning when digits vanish. Refreshed whenever the
// view draws new samples; calls never pile up (only the latest images are judged).
//
// Element ids (stable; the browser tests rely on them):
//   #class-histogram (uPlot bar chart; data-total = images judged) #class-warning (hidden
//   when no digit is missing) #class-source (which images) #class-summary

import { el, latestOnly, num, pct } from './dom.js';
import { ClassHistogram } from './histogram.js';
import { showError } from './page.js';

/** Below this many images a missing digit is as likely chance as collapse. */
const FEW = 50;

/**
 * @param {import('../genlab.js').GenLab} lab
 */
export function judgeView(lab) {
  const box = el('div', { id: 'class-histogram', className: 'histogram' });
  const warning = el('p', { id: 'class-warning', className: 'warning', hidden: true });
  const source = el('p', { id: 'class-source', className: 'explain', textContent: 'waiting for samples…' });
  const summary = el('p', { id: 'class-summary', className: 'explain' });
  const histogram = new ClassHistogram(box);

  const judge = latestOnly(async (pixels, what, requested) => {
    const r = await lab.classes(pixels);
    const c = r.classes;
    const n = r.labels.length;
    const single = typeof requested === 'number';
    // One digit asked for: the question is whether the model drew it, not coverage.
    histogram.set(c.histogram, single ? [] : c.missing);
    source.textContent = `The judge's reading of ${what}.`;
    const parts = [];
    if (requested != null) {
      const asked = single ? Array(n).fill(requested) : requested;
      const agree = r.labels.filter((l, i) => l === asked[i]).length / n;
      parts.push(`${pct(agree, 0)} read as the digit asked for`);
    }
    if (!single) parts.push(`class entropy ${num(c.entropy_bits, 2)} of 3.32 bits`, `Inception-Score-like ${num(c.inception_score, 2)} of 10`);
    parts.push(`judge confidence ${pct(c.confidence, 0)}`);
    summary.textContent = parts.join(' · ');
    const warn = !single && c.warning;
    warning.hidden = !warn;
    warning.textContent = warn ? `⚠ ${c.warning}${n < FEW ? ` (only ${n} images: a digit can be missing by chance)` : ''}` : '';
  }, showError);

  return {
    nodes: [source, box, warning, summary],
    /**
     * Judges images (n * 784 floats).
     * @param {Float32Array} pixels
     * @param {string} what  describes them ("64 samples (seed 3)")
     * @param {number|number[]|null} [requested]  the digit they were all asked to be, or each
     *   one's (a conditional model's labels), if any
     */
    judge(pixels, what, requested = null) {
      judge(pixels.slice(), what, requested);
    },
    destroy() {
      histogram.destroy();
    },
  };
}
