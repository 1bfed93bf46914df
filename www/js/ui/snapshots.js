// The samples a training run reports (the same noise decoded every few steps), kept as
// snapshots with a scrubber to replay how the digits emerged. It goes under the training
// panel's charts (its `extra`) and takes the run's start and samples from it.
//
// Element ids (stable; the browser tests rely on them): #train-samples (canvas: the snapshot
// shown) #snapshot-scrubber (range over the snapshots so far) #snapshot-step (its step)

import { PIXELS } from '../genlab.js';
import { el } from './dom.js';
import { drawGrid } from './grid.js';
import { Scrubber } from './scrubber.js';

/** Snapshots kept; beyond it every other old one is dropped (a long run stays replayable). */
const MAX_SNAPSHOTS = 240;

/**
 * @param {{cols: number, onShow?: (pixels: Float32Array, step: number) => void}} options
 *   onShow: also told of the snapshot shown (e.g. to judge it)
 * @returns {{nodes: Node[], start: () => void, add: (images: {pixels: Float32Array}, step: number) => void, destroy: () => void}}
 */
export function snapshotGrid({ cols, onShow }) {
  const snapshots = []; // {step, pixels}
  const canvas = el('canvas', { id: 'train-samples', className: 'grid', title: 'the same noise, decoded as training goes', hidden: true });
  const note = el('p', { className: 'note', textContent: 'Start training to watch the grid fill in.' });
  const scrubber = new Scrubber({
    id: 'snapshot-scrubber',
    captionId: 'snapshot-step',
    label: 'snapshot',
    caption: (i) => `step ${snapshots[i].step} (${i + 1} of ${snapshots.length})`,
    onShow: (i) => {
      const s = snapshots[i];
      canvas.hidden = false;
      note.hidden = true;
      drawGrid(canvas, s.pixels, { n: s.pixels.length / PIXELS, cols, scale: 2 });
      onShow?.(s.pixels, s.step);
    },
  });
  return {
    nodes: [
      el('h3', { textContent: 'Digits emerging from fixed noise' }),
      el('p', { className: 'explain', textContent: 'The same noise vectors decoded by the generator every few steps. Drag the scrubber to replay how the digits emerged.' }),
      scrubber.node,
      note,
      el('div', { className: 'canvas-box' }, canvas),
    ],
    /** A new run: forget the old one's snapshots. */
    start() {
      snapshots.length = 0;
      scrubber.follow = true;
      scrubber.setCount(0);
    },
    add(images, step) {
      snapshots.push({ step, pixels: images.pixels });
      if (snapshots.length > MAX_SNAPSHOTS) {
        for (let i = snapshots.length - 2; i > 0; i -= 2) snapshots.splice(i, 1);
      }
      scrubber.setCount(snapshots.length);
    },
    destroy() {
      scrubber.destroy();
    },
  };
}
