// A long call's progress bar and cancel button: for the step-by-step samplers, whose
// lab.sample and lab.trajectory report progress and stop on an AbortSignal. Hidden until the
// first progress report, so a quick draw does not flash it.
//
// Element ids: #ID-progress (a <progress> from 0 to 1) #ID-cancel (a button).

import { el } from './dom.js';

/**
 * @param {string} id  prefix of the element ids
 * @returns {{node: HTMLElement, run: <T>(call: (p: {onProgress: Function, signal: AbortSignal}) => Promise<T>) => Promise<T|null>}}
 *   run(call) passes the progress options to `call` and resolves with its result, or with
 *   null when the user cancelled it.
 */
export function progressControl(id) {
  const bar = el('progress', { id: `${id}-progress`, max: 1, value: 0 });
  const cancel = el('button', { type: 'button', id: `${id}-cancel`, textContent: 'cancel' });
  const node = el('span', { className: 'progress', hidden: true }, bar, ' ', cancel);
  let controller = null;
  cancel.addEventListener('click', () => controller?.abort());

  async function run(call) {
    const mine = new AbortController();
    controller = mine;
    bar.value = 0;
    const onProgress = ({ fraction }) => {
      bar.value = fraction;
      node.hidden = false;
    };
    try {
      return await call({ onProgress, signal: mine.signal });
    } catch (e) {
      if (e?.cancelled) return null;
      throw e;
    } finally {
      if (controller === mine) {
        controller = null;
        node.hidden = true;
      }
    }
  }
  return { node, run };
}
