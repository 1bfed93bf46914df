// The classifier judge's class histogram as a small uPlot bar chart: how many samples it
// labels as each digit, the classes it reports missing (mode collapse) in red.

import uPlot from '../../node_modules/uplot/dist/uPlot.esm.js';

const DIGITS = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];

export class ClassHistogram {
  /**
   * @param {HTMLElement} container
   * @param {{height?: number}} [options]
   */
  constructor(container, { height = 160 } = {}) {
    this.container = container;
    const bars = uPlot.paths.bars({ size: [0.7, 48], align: 0 });
    const width = Math.max(240, Math.min(container.clientWidth || 360, 520));
    this.plot = new uPlot(
      {
        width,
        height,
        // Ten digits on a fixed axis: bars stay put as counts change.
        scales: { x: { time: false, range: [-0.6, 9.6] }, y: { range: (u, min, max) => [0, Math.max(1, max) * 1.1] } },
        axes: [
          { label: 'digit (as the judge reads it)', splits: () => DIGITS, values: (u, splits) => splits.map(String), grid: { show: false } },
          { label: 'samples', size: 44 },
        ],
        series: [
          { label: 'digit' },
          { label: 'samples', fill: '#2563ebcc', stroke: '#2563eb', paths: bars, points: { show: false } },
          { label: 'missing', fill: '#dc2626cc', stroke: '#dc2626', paths: bars, points: { show: false } },
        ],
        legend: { show: false },
        cursor: { show: false },
      },
      [DIGITS, DIGITS.map(() => null), DIGITS.map(() => null)],
      container,
    );
    this._observer = new ResizeObserver(() => this.plot.setSize({ width: Math.max(240, Math.min(container.clientWidth || width, 520)), height }));
    this._observer.observe(container);
  }

  /**
   * @param {number[]} histogram  ten counts
   * @param {number[]} [missing]  the digits the judge reports missing
   */
  set(histogram, missing = []) {
    const gone = new Set(missing);
    // A missing class with no sample at all still gets a sliver, so the eye finds the gap.
    const sliver = Math.max(...histogram, 1) * 0.02;
    const present = DIGITS.map((d) => (gone.has(d) ? null : histogram[d]));
    const absent = DIGITS.map((d) => (gone.has(d) ? Math.max(histogram[d], sliver) : null));
    this.plot.setData([DIGITS, present, absent]);
    this.container.dataset.total = String(histogram.reduce((s, c) => s + c, 0));
  }

  destroy() {
    this._observer.disconnect();
    this.plot.destroy();
  }
}
