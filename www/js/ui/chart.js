// Line charts on uPlot: `LineChart` (any series against a shared x, with an optional vertical
// marker) and `LossChart` (a family's losses against the training step, fed point by point).

import uPlot from '../../node_modules/uplot/dist/uPlot.esm.js';

export const COLORS = ['#2563eb', '#dc2626', '#16a34a', '#9333ea', '#ea580c'];

/** uPlot draws into a fixed width: follow the container's. */
function followWidth(plot, container, height, fallback) {
  const observer = new ResizeObserver(() => plot.setSize({ width: Math.max(260, container.clientWidth || fallback), height }));
  observer.observe(container);
  return observer;
}

export class LineChart {
  /**
   * @param {HTMLElement} container
   * @param {{label: string, color?: string}[]} series
   * @param {{height?: number, xLabel?: string, yLabel?: string, yRange?: [number, number], marker?: boolean}} [options]
   *   yRange: a fixed y range (else it follows the data); marker: draw a vertical line at setMarker(x)
   */
  constructor(container, series, { height = 220, xLabel = 'step', yLabel = '', yRange, marker = false } = {}) {
    this.container = container;
    this.x = [];
    this.ys = series.map(() => []);
    this.marker = null;
    const width = Math.max(260, container.clientWidth || 560);
    const hooks = marker ? { draw: [(u) => this._drawMarker(u)] } : {};
    this.plot = new uPlot(
      {
        width,
        height,
        scales: { x: { time: false }, ...(yRange ? { y: { range: yRange } } : {}) },
        axes: [{ label: xLabel }, { label: yLabel }],
        series: [{ label: xLabel }, ...series.map((s, i) => ({ label: s.label, stroke: s.color || COLORS[i % COLORS.length], width: 1.5, points: { show: false } }))],
        legend: { live: true },
        hooks,
      },
      this._data(),
      container,
    );
    this._observer = followWidth(this.plot, container, height, width);
  }

  _data() {
    return [this.x, ...this.ys];
  }

  _drawMarker(u) {
    if (this.marker == null) return;
    const { ctx, bbox } = u;
    const px = u.valToPos(this.marker, 'x', true);
    if (!(px >= bbox.left && px <= bbox.left + bbox.width)) return;
    ctx.save();
    ctx.strokeStyle = '#1f2328';
    ctx.setLineDash([4, 3]);
    ctx.lineWidth = 1.5 * devicePixelRatio;
    ctx.beginPath();
    ctx.moveTo(px, bbox.top);
    ctx.lineTo(px, bbox.top + bbox.height);
    ctx.stroke();
    ctx.restore();
  }

  /** Replaces the data: x values and one array of y values per series. */
  setData(x, ys) {
    this.x = Array.from(x);
    this.ys = ys.map((y) => Array.from(y));
    this.plot.setData(this._data());
  }

  /** Adds one point per series at `x`. */
  add(x, values) {
    this.x.push(x);
    this.ys.forEach((y, i) => y.push(values[i] ?? null));
    this.plot.setData(this._data());
  }

  /** Moves the vertical marker to `x`. */
  setMarker(x) {
    this.marker = x;
    this.plot.redraw(false, false);
  }

  /** Drops every point. */
  reset() {
    this.setData([], this.ys.map(() => []));
  }

  destroy() {
    this._observer.disconnect();
    this.plot.destroy();
  }
}

export class LossChart extends LineChart {
  /**
   * @param {HTMLElement} container
   * @param {{key: string, label: string}[]} losses  the losses to draw (series order)
   * @param {{height?: number, yLabel?: string, yRange?: [number, number]}} [options]
   */
  constructor(container, losses, { height = 220, yLabel = 'nats', yRange } = {}) {
    super(container, losses, { height, xLabel: 'step', yLabel, yRange });
    this.losses = losses;
  }

  /** Adds one point per loss at `step` (`losses` keyed by the losses' keys). */
  add(step, losses) {
    super.add(step, this.losses.map((l) => losses[l.key] ?? null));
  }
}
