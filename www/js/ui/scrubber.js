// A timeline over stored frames (training snapshots, a sampler's states): a range input, a
// caption for the frame shown, and optionally play/pause with a speed. It follows the newest
// frame as frames arrive, unless the reader has moved it back to look at an older one.

import { el, selectField } from './dom.js';

export class Scrubber {
  /**
   * @param {object} options
   * @param {string} options.id  the range input's id
   * @param {string} [options.captionId]  the caption's id (default `${id}-caption`)
   * @param {string} options.label
   * @param {(i: number) => void} options.onShow  draws frame i
   * @param {(i: number) => string} options.caption  describes frame i
   * @param {{id: string, speedId: string, speeds?: number[], speed?: number}} [options.play]
   *   a play/pause button and a frames-per-second select
   */
  constructor({ id, captionId = `${id}-caption`, label, onShow, caption, play }) {
    this.count = 0;
    this.index = -1;
    this.follow = true;
    this._onShow = onShow;
    this._caption = caption;
    this._timer = null;
    this.input = el('input', { type: 'range', id, min: 0, max: 0, step: 1, value: 0, disabled: true, 'aria-label': label });
    this.captionText = el('span', { id: captionId, className: 'readout', textContent: '–' });
    const parts = [el('label', { className: 'field scrub', htmlFor: id }, `${label} `, this.input), this.captionText];
    if (play) {
      const speeds = play.speeds ?? [2, 5, 10, 20];
      this.playBtn = el('button', { type: 'button', id: play.id, textContent: '▶ play', disabled: true });
      this.speed = selectField(play.speedId, 'speed', speeds.map((s) => [s, `${s} frames/s`]), { value: play.speed ?? speeds[1] });
      this.playBtn.addEventListener('click', () => (this.playing ? this.pause() : this.play()));
      this.speed.input.addEventListener('change', () => this.playing && (this.pause(), this.play()));
      parts.push(this.playBtn, this.speed.node);
    }
    this.node = el('div', { className: 'actions scrubber' }, ...parts);
    this.input.addEventListener('input', () => {
      this.pause();
      this.follow = Number(this.input.value) === this.count - 1;
      this.show(Number(this.input.value));
    });
  }

  get playing() {
    return this._timer !== null;
  }

  /** There are now `count` frames; shows the newest if following. */
  setCount(count) {
    this.count = count;
    this.input.max = String(Math.max(0, count - 1));
    this.input.disabled = count < 2;
    if (this.playBtn) this.playBtn.disabled = count < 2;
    if (count === 0) {
      this.index = -1;
      this.follow = true;
      this.input.value = '0';
      this.captionText.textContent = '–';
      return;
    }
    if (this.follow || this.index >= count) this.show(count - 1);
  }

  /** Shows frame i. */
  show(i) {
    if (i < 0 || i >= this.count) return;
    this.index = i;
    this.input.value = String(i);
    this.captionText.textContent = this._caption(i);
    this._onShow(i);
  }

  play() {
    if (this.count < 2 || this.playing) return;
    if (this.index >= this.count - 1) this.show(0); // from the start again
    const fps = Number(this.speed?.input.value || 5);
    this.playBtn.textContent = '❚❚ pause';
    this._timer = setInterval(() => {
      if (this.index >= this.count - 1) return this.pause();
      this.show(this.index + 1);
      this.follow = this.index === this.count - 1;
    }, 1000 / fps);
  }

  pause() {
    if (!this.playing) return;
    clearInterval(this._timer);
    this._timer = null;
    if (this.playBtn) this.playBtn.textContent = '▶ play';
  }

  destroy() {
    this.pause();
  }
}
