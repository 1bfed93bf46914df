// The weights panel every view shares: download the current model as NAME-trained.bpk, load
// a burnpack file back (a bad file is refused with a clear error and the previous model
// stays), and a line describing the model in use.
//
// Element ids (stable; the browser tests rely on them): #download #weights-file #weights-info

import { el, panel, saveBytes } from './dom.js';
import { guard, showNotice } from './page.js';

/** "latent size 16 · hidden units 400 · …": a model's hyper-parameters for a reader. */
export function describeConfig(config, info) {
  return info.hyper
    .filter((h) => config[h.key] !== undefined)
    .map((h) => {
      const v = config[h.key];
      return `${h.label} ${typeof v === 'number' ? Number(v.toPrecision(4)) : v}`;
    })
    .join(' · ');
}

/**
 * @param {import('../genlab.js').GenLab} lab
 * @param {import('../genlab.js').FamilyInfo} info
 * @param {{busy?: () => boolean, onLoaded?: (config: object) => Promise<void>}} [options]
 *   busy: true while loading would be refused (a training run is active)
 */
export function weightsPanel(lab, info, { busy = () => false, onLoaded = async () => {} } = {}) {
  const F = info.name;
  const download = el('button', { type: 'button', id: 'download', textContent: 'download weights' });
  const file = el('input', { type: 'file', id: 'weights-file', accept: '.bpk,application/octet-stream' });
  const infoLine = el('p', { id: 'weights-info', className: 'explain' });
  const node = panel(
    'Weights',
    { id: 'weights', explain: 'Save the current model as a burnpack file, or load one (saved from this page or by the CLI).' },
    el('div', { className: 'actions' }, download, el('label', { className: 'field' }, 'load ', file)),
    infoLine,
  );

  download.addEventListener('click', () => guard(async () => saveBytes(await lab.exportWeights(F), `${F}-trained.bpk`)));
  file.addEventListener('change', () =>
    guard(async () => {
      const f = file.files?.[0];
      file.value = '';
      if (!f) return;
      if (busy()) throw new Error('stop training before loading weights');
      let config;
      try {
        config = await lab.loadWeights(F, new Uint8Array(await f.arrayBuffer()));
      } catch (e) {
        throw new Error(`could not load '${f.name}': ${e.message} (the previous model is kept)`);
      }
      showNotice(`loaded '${f.name}': ${describeConfig(config, info)}`);
      show(config, `from '${f.name}'`);
      await onLoaded(config);
    }),
  );

  function show(config, note = '') {
    infoLine.textContent = `current model: ${describeConfig(config, info)}${note ? ` (${note})` : ''}`;
  }

  return {
    node,
    /** Describes `config` as the model in use. */
    show,
    /** Reads the model's hyper-parameters again and describes them. */
    async refresh(note = '') {
      show(await lab.config(F), note);
    },
  };
}
