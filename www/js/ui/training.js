// The training panel every view shares: hyper-parameter controls from `info.hyper`, from
// scratch or fine-tuning the pretrained model, total steps and steps per update, start /
// pause-resume / stop / reset, a progress row (step, steps/s, images/s, state), the latest
// value of each loss and live loss charts. The run itself lives in the worker (lab.train);
// the panel only reflects its events and hands the view what it needs (`samples` from the
// progress events, "the model changed" when a run ends or is reset).
//
// Element ids (stable; the browser tests rely on them):
//   #train-params (controls; inputs #param-KEY) #from-scratch #from-pretrained #train-steps
//   #train-chunk #train-start #train-pause (its text reads 'resume' while paused) #train-stop
//   #train-reset #progress #train-step #steps-per-sec #images-per-sec #train-state
//   #train-sample-every (only where the view asks for it: steps between sample grids)
//   #loss-KEY (latest value of each loss) #loss-chart (and any further chart's id)
//   window.genlabRun (the TrainHandle) and window.genlabHistory (its [{step, losses}]), on the
//   family page only (not inside a <genlab-demo>)

import { LossChart } from './chart.js';
import { renderControls } from './controls.js';
import { el, num, numberField, panel, randomSeed, readInt } from './dom.js';
import { guard, showError } from './page.js';

/**
 * @param {import('../genlab.js').GenLab} lab
 * @param {import('../genlab.js').FamilyInfo} info
 * @param {object} options
 * @param {Object<string, number|string>} options.pretrained  the pretrained model's hyper-parameters
 *   (fine-tuning keeps its architecture)
 * @param {string} [options.explain]  the panel's first sentence
 * @param {{id: string, keys: string[], yLabel?: string, yRange?: [number, number], title?: string}[]} [options.charts]
 *   the charts and the losses each draws (default: one chart #loss-chart of every loss)
 * @param {number} [options.steps]  default total steps
 * @param {number} [options.chunk]  default steps per update
 * @param {number} [options.sampleN]  images per progress sample grid
 * @param {(chunk: number) => number} [options.sampleEvery]  steps between sample grids
 * @param {number} [options.sampleEveryField]  show a field #train-sample-every with this default
 *   (steps between sample grids), instead of `sampleEvery`
 * @param {(images: import('../genlab.js').Images, step: number) => void} [options.onSamples]
 * @param {(p: object) => void} [options.onProgress]
 * @param {(handle: import('../genlab.js').TrainHandle) => void} [options.onStart]
 * @param {(why: 'done'|'stopped'|'reset') => Promise<void>} [options.onModelChanged]
 * @param {Node[]} [options.extra]  nodes shown under the charts (e.g. a grid of snapshots)
 */
export function trainingPanel(lab, info, options) {
  const F = info.name;
  const {
    pretrained, explain = 'Training runs in a worker, a few steps at a time; the samples refresh as it learns.',
    charts: chartSpecs = [{ id: 'loss-chart', keys: info.losses.map((l) => l.key) }],
    steps: defaultSteps = 2000, chunk: defaultChunk = 5, sampleN = 16, sampleEvery = (c) => Math.max(50, c),
    sampleEveryField, onSamples, onProgress, onStart, onModelChanged = async () => {}, extra = [],
  } = options;
  let run = null;
  let destroyed = false;
  let resetting = false; // a reset reloads the model itself: the stopped run's refresh is moot

  const paramsBox = el('div', { id: 'train-params' });
  const fromScratch = el('input', { type: 'radio', name: `from-${F}`, id: 'from-scratch', value: 'scratch', checked: true });
  const fromPretrained = el('input', { type: 'radio', name: `from-${F}`, id: 'from-pretrained', value: 'pretrained' });
  const steps = numberField('train-steps', 'total steps', { value: defaultSteps, min: 1, max: 1000000 });
  const chunk = numberField('train-chunk', 'steps per update', { value: defaultChunk, min: 1, max: 1000, title: 'training steps between two progress updates' });
  const every = sampleEveryField
    ? numberField('train-sample-every', 'samples every', { value: sampleEveryField, min: 1, max: 100000, title: 'training steps between two sample grids' })
    : null;
  const startBtn = el('button', { type: 'button', id: 'train-start', className: 'primary', textContent: 'start' });
  const pauseBtn = el('button', { type: 'button', id: 'train-pause', textContent: 'pause', disabled: true });
  const stopBtn = el('button', { type: 'button', id: 'train-stop', textContent: 'stop', disabled: true });
  const resetBtn = el('button', { type: 'button', id: 'train-reset', textContent: 'reset', title: 'stop and go back to the pretrained weights' });
  const progress = el('progress', { id: 'progress', max: 1, value: 0 });
  const stepText = el('span', { id: 'train-step', textContent: '–' });
  const sps = el('span', { id: 'steps-per-sec', textContent: '–' });
  const ips = el('span', { id: 'images-per-sec', textContent: '–' });
  const stateText = el('span', { id: 'train-state', textContent: 'idle' });
  const lossOut = Object.fromEntries(info.losses.map((l) => [l.key, el('span', { id: `loss-${l.key}`, className: 'readout', textContent: '–' })]));
  const chartBoxes = chartSpecs.map((c) => el('div', { id: c.id, className: 'chart' }));

  const node = panel(
    'Train it yourself',
    { id: 'train', explain },
    paramsBox,
    el(
      'div',
      { className: 'actions' },
      el('label', { className: 'field' }, fromScratch, ' from scratch'),
      el('label', { className: 'field' }, fromPretrained, ' fine-tune the pretrained model'),
    ),
    el('div', { className: 'actions' }, steps.node, chunk.node, every ? el('span', { className: 'field' }, every.node, ' steps') : null),
    el('div', { className: 'actions' }, startBtn, pauseBtn, stopBtn, resetBtn),
    el(
      'div',
      { className: 'progress-row' },
      progress,
      el('span', {}, 'step ', stepText),
      el('span', {}, sps, ' steps/s'),
      el('span', {}, ips, ' images/s'),
      el('span', {}, 'state: ', stateText),
    ),
    el('div', { className: 'losses' }, ...info.losses.map((l) => el('span', {}, `${l.label}: `, lossOut[l.key]))),
    el(
      'div',
      { className: chartSpecs.length > 1 ? 'chart-pair' : '' },
      ...chartSpecs.map((c, i) => el('div', {}, c.title ? el('h3', { textContent: c.title }) : null, chartBoxes[i])),
    ),
    ...extra,
  );

  const charts = chartSpecs.map(
    (c, i) => new LossChart(chartBoxes[i], c.keys.map((k) => info.losses.find((l) => l.key === k)), { yLabel: c.yLabel ?? 'nats', yRange: c.yRange }),
  );

  // ---- Controls: fine-tuning keeps the network, so its shape comes from the pretrained file.
  const controls = renderControls(paramsBox, info.hyper, { values: Object.fromEntries(info.hyper.map((h) => [h.key, h.default])) });
  let scratchValues = controls.values();
  function syncFrom() {
    const arch = info.hyper.filter((h) => h.architecture);
    if (fromPretrained.checked) {
      scratchValues = controls.values();
      controls.set(Object.fromEntries(arch.map((h) => [h.key, pretrained[h.key]])));
      controls.disable((h) => h.architecture);
    } else {
      controls.set(Object.fromEntries(arch.map((h) => [h.key, scratchValues[h.key]])));
      controls.disable(() => false);
    }
  }
  fromScratch.addEventListener('change', syncFrom);
  fromPretrained.addEventListener('change', syncFrom);

  function setButtons() {
    const active = run?.active ?? false;
    startBtn.disabled = active;
    pauseBtn.disabled = !active;
    stopBtn.disabled = !active;
    pauseBtn.textContent = run?.state === 'paused' ? 'resume' : 'pause';
    stateText.textContent = run ? run.state : 'idle';
    fromScratch.disabled = fromPretrained.disabled = active;
  }

  function resetProgress(total = 1) {
    for (const c of charts) c.reset();
    progress.max = total;
    progress.value = 0;
    stepText.textContent = '–';
    sps.textContent = ips.textContent = '–';
    for (const out of Object.values(lossOut)) out.textContent = '–';
  }

  function start() {
    if (run?.active) throw new Error('a training run is already active');
    const from = fromPretrained.checked ? 'pretrained' : 'scratch';
    const total = readInt(steps.input, 'total steps', 1, 1000000);
    const perUpdate = readInt(chunk.input, 'steps per update', 1, 1000);
    const sampleSteps = every ? readInt(every.input, 'samples every', 1, 100000) : sampleEvery(perUpdate);
    let params = controls.values();
    if (from === 'pretrained') params = Object.fromEntries(Object.entries(params).filter(([k]) => !info.hyper.find((h) => h.key === k).architecture));
    const handle = lab.train(F, {
      params, from, steps: total, chunk: perUpdate, seed: randomSeed() % 65536, sampleEvery: sampleSteps, sampleN,
    });
    run = handle;
    // The tests' handle on the family page's run; never set from inside a <genlab-demo> (a
    // shadow root), whose page is an author's and none of ours to write globals into.
    if (!(node.getRootNode() instanceof ShadowRoot)) {
      window.genlabRun = handle;
      window.genlabHistory = handle.history;
    }
    resetProgress(total);
    onStart?.(handle);
    handle.on('progress', (p) => {
      if (destroyed || run !== handle) return;
      progress.value = p.step;
      stepText.textContent = `${p.step} / ${p.total}`;
      sps.textContent = num(p.stepsPerSec, 1);
      ips.textContent = num(p.imagesPerSec, 0);
      for (const [k, out] of Object.entries(lossOut)) out.textContent = num(p.losses[k], 3);
      for (const c of charts) c.add(p.step, p.losses);
      onProgress?.(p);
      if (p.samples) onSamples?.(p.samples, p.step);
    });
    handle.on('state', ({ state, error }) => {
      if (destroyed || run !== handle) return;
      setButtons();
      if (state === 'error') showError(`training failed: ${error}`, node);
      if ((state === 'done' || state === 'stopped') && !resetting) guard(() => onModelChanged(state), node);
    });
    setButtons();
  }

  startBtn.addEventListener('click', () => guard(start, node));
  pauseBtn.addEventListener('click', () => guard(() => (run?.state === 'paused' ? run.resume() : run?.pause()), node));
  stopBtn.addEventListener('click', () => guard(() => run?.stop(), node));
  resetBtn.addEventListener('click', () =>
    guard(async () => {
      resetBtn.disabled = true;
      resetting = true;
      try {
        if (run?.active) {
          await run.stop();
          await run.done.catch(() => {});
        }
        run = null;
        setButtons();
        resetProgress();
        await lab.loadPretrained(F);
        await onModelChanged('reset');
      } finally {
        resetting = false;
        resetBtn.disabled = false;
      }
    }, node),
  );
  setButtons();

  return {
    node,
    /** The current run (a TrainHandle), or null. */
    get run() {
      return run;
    },
    /** True while a run is starting, running or paused. */
    get active() {
      return run?.active ?? false;
    },
    destroy() {
      destroyed = true;
      if (run?.active) run.stop().catch(() => {});
      for (const c of charts) c.destroy();
    },
  };
}
