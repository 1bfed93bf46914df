// A live loss chart (uPlot): one series per loss the family reports, x = training step.

import uPlot from '../../node_modules/uplot/dist/uPlot.esm.js';

const COLORS = ['#2563eb', '#dc2626', '#16a34a', '#9333ea', '#ea580c'];

export class LossChart {
  /**
   * @param {HTMLElement} container
   * @param {{key: string, label: string}[]} losses  the family's losses (series order)
   * @param {{height?: number}} [options]
   */
  constructor(container, losses, { height = 220 } = {}) {
    this.container = container;
    this.losses = losses;
    this.steps = [];
    this.series = losses.map(() => []);
    const width = Math.max(280, container.clientWidth || 560);
    this.plot = new uPlot(
      {
        width,
        height,
        scales: { x: { time: false } },
        axes: [{ label: 'step' }, { label: 'nats' }],
        series: [{ label: 'step' }, ...losses.map((l, i) => ({ label: l.label, stroke: COLORS[i % COLORS.length], width: 1.5, points: { show: false } }))],
        legend: { live: true },
      },
      this._data(),
      container,
    );
    this._resize = () => this.plot.setSize({ width: Math.max(280, container.clientWidth || width), height });
    this._observer = new ResizeObserver(this._resize);
    this._observer.observe(container);
  }

  _data() {
    return [this.steps, ...this.series];
  }

  /** Adds one point per loss at `step`. */
  add(step, losses) {
    this.steps.push(step);
    this.losses.forEach((l, i) => this.series[i].push(losses[l.key] ?? null));
    this.plot.setData(this._data());
  }

  /** Drops every point. */
  reset() {
    this.steps = [];
    this.series = this.losses.map(() => []);
    this.plot.setData(this._data());
  }

  destroy() {
    this._observer.disconnect();
    this.plot.destroy();
  }
}
