// The labs the <genlab-demo> elements of a page share: one GenLab (one worker, one wasm
// instance, one model per family) per files' folder and backend, however many elements show
// it. The worker runs one call at a time and loads a family's weights on the first call that
// needs them, so two elements of one family fetch its weights once.

import { GenLab } from '../genlab.js';

/** `${backend} ${base}` -> {lab: Promise<GenLab>, listeners: Set<(d) => void>, last: Download|null} */
const labs = new Map();

/**
 * The shared lab for `base` and `backend`, opened by the first caller. `onProgress` follows
 * the wasm's download while it opens (the latest report at once, for an element that joins
 * late); after that each element follows the lab's 'download' events itself. A lab that
 * failed to open, was closed (by a page's script, through an element's `lab`), or could not
 * restart after a crash is forgotten, so that a later call (an element's "try again", an
 * element added later) opens a working one instead of failing the same way for good.
 * @param {{base: string, backend: 'auto'|'webgpu'|'cpu'}} where
 * @param {(d: import('../genlab.js').Download) => void} [onProgress]
 * @returns {Promise<GenLab>}
 */
export async function sharedLab({ base, backend }, onProgress) {
  const key = `${backend} ${base}`;
  let entry = labs.get(key);
  if (!entry) {
    const fresh = { listeners: new Set(), last: null };
    const forget = () => labs.get(key) === fresh && labs.delete(key);
    fresh.lab = GenLab.open({
      base,
      backend,
      onProgress: (d) => {
        fresh.last = d;
        for (const fn of fresh.listeners) fn(d);
      },
    });
    fresh.lab.then((lab) => lab.on('backend', ({ failed }) => failed && forget()), forget);
    labs.set(key, fresh);
    entry = fresh;
  }
  let lab;
  if (onProgress) {
    entry.listeners.add(onProgress);
    if (entry.last) onProgress(entry.last);
  }
  try {
    lab = await entry.lab;
  } finally {
    if (onProgress) entry.listeners.delete(onProgress);
  }
  if (!lab.closed) return lab;
  if (labs.get(key) === entry) labs.delete(key);
  return sharedLab({ base, backend }, onProgress);
}
