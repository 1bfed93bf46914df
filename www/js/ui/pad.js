// A drawing pad for one 28 x 28 digit: mouse, pen and touch alike through Pointer Events, a
// soft round brush writing ink (intensities in [0, 1]) into a Float32Array(784), row-major as
// every image in GenLab. Drawn at a readable scale (10 canvas pixels per image pixel), dark ink
// on light paper as ui/grid.js draws digits, with an optional guide line under the first
// `rows` rows (the rows a completion keeps; the rows below it are shaded: the model draws them).
//
// The right mouse button (or Shift) erases. `onchange(pixels)` is called when a stroke ends and
// after clear() and set().
//
// Element ids: the canvas's, given by the caller (#pad in the PixelCNN view).

import { PIXELS } from '../genlab.js';
import { el } from './dom.js';

const SIZE = 28;
const GUIDE = '#2563eb'; // the site's accent
const BELOW = 'rgba(37, 99, 235, 0.07)'; // tint of the rows the model will draw

export class Pad {
  /**
   * @param {{id?: string, scale?: number, rows?: number|null, radius?: number, title?: string,
   *   onchange?: (pixels: Float32Array) => void}} [options]
   *   scale: canvas pixels per image pixel; rows: the guide line (null: none); radius: the
   *   brush's radius in image pixels (full ink inside radius - 0.5, fading to none at radius + 0.5)
   */
  constructor({ id = 'pad', scale = 10, rows = null, radius = 1.4, title = 'draw a digit here', onchange = null } = {}) {
    this.scale = scale;
    this.radius = radius;
    /** Called with a copy of the pixels after a stroke, clear() and set(). */
    this.onchange = onchange;
    this._pixels = new Float32Array(PIXELS);
    this._rows = rows;
    this._stroke = null; // {id, x, y, erase} while a pointer draws
    this.canvas = el('canvas', { id, className: 'pad', title, 'aria-label': title, width: SIZE * scale, height: SIZE * scale });
    this.canvas.style.touchAction = 'none'; // a finger draws instead of scrolling the page
    this.canvas.style.width = `${SIZE * scale}px`; // the height follows (CSS height: auto), narrow screens shrink it
    this._bind();
    this.render();
  }

  /** A copy of the pixels: 784 values in [0, 1], row-major. */
  pixels() {
    return this._pixels.slice();
  }

  /** True when nothing is drawn. */
  empty() {
    return this._pixels.every((v) => v === 0);
  }

  /** Wipes the pad. */
  clear() {
    this._pixels.fill(0);
    this.render();
    this._changed();
  }

  /**
   * Loads a digit (784 values in [0, 1], e.g. a test digit); with `rows`, only its first
   * `rows` rows (the rest left blank).
   * @param {ArrayLike<number>} pixels
   * @param {{rows?: number}} [options]
   */
  set(pixels, { rows = SIZE } = {}) {
    if (!pixels || pixels.length !== PIXELS) throw new Error(`the pad takes one 28x28 digit (${PIXELS} values), got ${pixels?.length} values`);
    this._pixels.fill(0);
    for (let i = 0; i < rows * SIZE; i++) this._pixels[i] = Math.min(1, Math.max(0, Number(pixels[i]) || 0));
    this.render();
    this._changed();
  }

  /** The guide line: under the first `rows` rows, or none (null). */
  get rows() {
    return this._rows;
  }

  set rows(rows) {
    this._rows = rows;
    this.render();
  }

  /** Redraws the canvas from the pixels. */
  render() {
    const s = this.scale;
    const ctx = this.canvas.getContext('2d');
    ctx.fillStyle = '#ffffff';
    ctx.fillRect(0, 0, SIZE * s, SIZE * s);
    if (this._rows != null && this._rows < SIZE) {
      ctx.fillStyle = BELOW;
      ctx.fillRect(0, this._rows * s, SIZE * s, (SIZE - this._rows) * s);
    }
    for (let i = 0; i < PIXELS; i++) {
      const v = this._pixels[i];
      if (v <= 0) continue;
      const shade = Math.round(255 * (1 - v));
      ctx.fillStyle = `rgb(${shade},${shade},${shade})`;
      ctx.fillRect((i % SIZE) * s, Math.floor(i / SIZE) * s, s, s);
    }
    if (this._rows != null && this._rows > 0 && this._rows < SIZE) {
      ctx.strokeStyle = GUIDE;
      ctx.lineWidth = 2;
      ctx.setLineDash([6, 4]);
      ctx.beginPath();
      ctx.moveTo(0, this._rows * s);
      ctx.lineTo(SIZE * s, this._rows * s);
      ctx.stroke();
      ctx.setLineDash([]);
    }
  }

  /** Stops listening (the view is going). */
  destroy() {
    this._unbind?.();
  }

  // ---- Drawing

  /** A pointer event's position in image pixels (0..28 across, whatever the CSS size). */
  _at(ev) {
    const r = this.canvas.getBoundingClientRect();
    return { x: ((ev.clientX - r.left) / r.width) * SIZE, y: ((ev.clientY - r.top) / r.height) * SIZE };
  }

  /** One dab of the brush centred at (x, y) in image pixels. */
  _dab(x, y, erase) {
    const R = this.radius + 0.5;
    for (let py = Math.max(0, Math.floor(y - R)); py <= Math.min(SIZE - 1, Math.floor(y + R)); py++) {
      for (let px = Math.max(0, Math.floor(x - R)); px <= Math.min(SIZE - 1, Math.floor(x + R)); px++) {
        // Distance from the pixel's centre: full ink within radius - 0.5, none beyond radius + 0.5.
        const d = Math.hypot(px + 0.5 - x, py + 0.5 - y);
        const a = Math.min(1, Math.max(0, this.radius + 0.5 - d));
        if (a <= 0) continue;
        const i = py * SIZE + px;
        this._pixels[i] = erase ? Math.min(this._pixels[i], 1 - a) : Math.max(this._pixels[i], a);
      }
    }
  }

  /** Dabs along the segment from the stroke's last point to (x, y), a quarter pixel apart. */
  _line(x, y) {
    const s = this._stroke;
    const steps = Math.max(1, Math.ceil(Math.hypot(x - s.x, y - s.y) / 0.25));
    for (let k = 1; k <= steps; k++) this._dab(s.x + ((x - s.x) * k) / steps, s.y + ((y - s.y) * k) / steps, s.erase);
    s.x = x;
    s.y = y;
  }

  _bind() {
    const c = this.canvas;
    // A synthetic event's pointer (a test's dispatchEvent) is no active pointer: no capture then.
    const capture = (method, id) => {
      try {
        c[method]?.(id);
      } catch {
        // not an active pointer
      }
    };
    const down = (ev) => {
      if (this._stroke || (ev.pointerType === 'mouse' && ev.button !== 0 && ev.button !== 2)) return;
      ev.preventDefault();
      capture('setPointerCapture', ev.pointerId); // the stroke goes on outside the canvas
      const { x, y } = this._at(ev);
      this._stroke = { id: ev.pointerId, x, y, erase: ev.button === 2 || ev.shiftKey };
      this._dab(x, y, this._stroke.erase);
      this.render();
    };
    const move = (ev) => {
      if (!this._stroke || ev.pointerId !== this._stroke.id) return;
      ev.preventDefault();
      // Every position the browser coalesced into this event, for smooth fast strokes.
      const points = ev.getCoalescedEvents?.().length ? ev.getCoalescedEvents() : [ev];
      for (const p of points) {
        const { x, y } = this._at(p);
        this._line(x, y);
      }
      this.render();
    };
    const up = (ev) => {
      if (!this._stroke || ev.pointerId !== this._stroke.id) return;
      if (ev.type === 'pointerup') {
        const { x, y } = this._at(ev);
        this._line(x, y);
      }
      this._stroke = null;
      capture('releasePointerCapture', ev.pointerId);
      this.render();
      this._changed();
    };
    const menu = (ev) => ev.preventDefault(); // the right button erases
    c.addEventListener('pointerdown', down);
    c.addEventListener('pointermove', move);
    c.addEventListener('pointerup', up);
    c.addEventListener('pointercancel', up);
    c.addEventListener('contextmenu', menu);
    this._unbind = () => {
      c.removeEventListener('pointerdown', down);
      c.removeEventListener('pointermove', move);
      c.removeEventListener('pointerup', up);
      c.removeEventListener('pointercancel', up);
      c.removeEventListener('contextmenu', menu);
    };
  }

  _changed() {
    try {
      this.onchange?.(this.pixels());
    } catch (e) {
      console.error('genlab: a pad onchange handler threw', e);
    }
  }
}
