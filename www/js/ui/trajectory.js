// The step-through panel for a family with a step-by-step sampler (capabilities.trajectory):
// runs the sampler with its states stored (lab.trajectory) and walks them with a timeline,
// play/pause and a speed: the state x_t beside the model's prediction of the finished
// digits. Frames run from the first state (t = T, pure noise for diffusion) to t = 0.
//
// Element ids (stable; the browser tests rely on them):
//   #trajectory-btn #traj-x (canvas: the state x_t) #traj-x0 (canvas: predicted x0; both with
//   data-labels when digits were asked for)
//   #trajectory-scrubber (range over the stored frames) #trajectory-t (the frame's t)
//   #trajectory-play #trajectory-speed #trajectory-time
//   #traj-code (canvas: the state itself where it is a code, latent diffusion's z_t, one heat
//   map per channel, a row per digit; data-channels; its figure hidden for pixel states)

import { PIXELS } from '../genlab.js';
import { el, num, panel } from './dom.js';
import { codeLegend, drawCodes } from './codes.js';
import { drawGrid, markLabels } from './grid.js';
import { guard } from './page.js';
import { Scrubber } from './scrubber.js';
import { progressControl } from './progress.js';

/** Frames stored per run: enough for smooth playback, few enough to send quickly. */
const FRAMES = 50;
const COLS = 4;

/**
 * @param {import('../genlab.js').GenLab} lab
 * @param {import('../genlab.js').FamilyInfo} info
 * @param {{title: string, explain: string, request: () => {options: object, what: string}, start?: string}} spec
 *   request: the sampler options to run (n, seed, labels, settings) and a phrase saying what
 *   they are ("20 DDIM steps, digits 0–9 in turn, guidance 3 below t = 800"); start: what the first state is
 *   (default 'pure noise'). A sampler whose states carry no prediction x0 (a Gibbs chain)
 *   shows the states alone.
 * @returns {{node: HTMLElement, run: () => Promise<void>, destroy: () => void}}
 */
export function trajectoryPanel(lab, info, { title, explain, request, start = 'pure noise' }) {
  let traj = null;
  const btn = el('button', { type: 'button', id: 'trajectory-btn', className: 'primary', textContent: 'run the sampler step by step' });
  const x = el('canvas', { id: 'traj-x', className: 'grid', title: 'the state x_t' });
  const x0 = el('canvas', { id: 'traj-x0', className: 'grid', title: "the model's prediction of the finished digits" });
  const code = el('canvas', { id: 'traj-code', className: 'grid', title: 'the state z_t itself: the code, channel by channel' });
  const time = el('p', { id: 'trajectory-time', className: 'timing' });
  const progress = progressControl('trajectory');
  const scrubber = new Scrubber({
    id: 'trajectory-scrubber',
    captionId: 'trajectory-t',
    label: 'step',
    caption: (i) => {
      const t = traj.frames[i].t;
      return t === traj.frames[0].t ? `t = ${t} (${start})` : t === 0 ? 't = 0 (the samples)' : `t = ${t}`;
    },
    onShow: (i) => {
      const f = traj.frames[i];
      drawGrid(x, f.x, { n: traj.n, cols: COLS, scale: 3 });
      // The first frame is pure noise: nothing predicted yet (blank paper).
      drawGrid(x0, f.x0 ?? new Float32Array(traj.n * PIXELS), { n: traj.n, cols: COLS, scale: 3 });
      // The digits asked for, where some were (data-labels, as on the sample grids).
      for (const c of [x, x0]) markLabels(c, traj.n, traj.labels);
      // A code (latent diffusion): what the denoiser works on, beside its decoding.
      if (f.code) drawCodes(code, f.code.values, { n: traj.n, grid: f.code.grid, scale: 5, perRow: 2 });
    },
    play: { id: 'trajectory-play', speedId: 'trajectory-speed', speeds: [2, 5, 10, 20], speed: 5 },
  });
  const x0Figure = el('figure', {}, el('div', { className: 'canvas-box' }, x0), el('figcaption', { textContent: 'predicted x₀' }));
  const codeFigure = el(
    'figure',
    { hidden: true },
    el('div', { className: 'canvas-box' }, code),
    el('figcaption', { textContent: 'the code z_t itself, channel by channel (two digits to a row)' }),
    codeLegend(),
  );
  const node = panel(
    title,
    { id: 'reverse', explain },
    el('div', { className: 'actions' }, btn, progress.node),
    scrubber.node,
    el('div', { className: 'side-by-side' }, el('figure', {}, el('div', { className: 'canvas-box' }, x), el('figcaption', { textContent: 'state x_t' })), x0Figure, codeFigure),
    time,
  );

  /** Runs the sampler as the view's controls say, then plays it from the start. */
  async function run() {
    btn.disabled = true;
    scrubber.pause();
    try {
      const { options, what } = request();
      time.textContent = `running ${what} on ${options.n} digits…`;
      const r = await progress.run((p) => lab.trajectory(info.name, { ...options, frames: FRAMES, ...p }));
      if (!r) {
        time.textContent = `Cancelled: ${what} was not run to the end${traj ? '; the states shown are the previous run’s' : ''}.`;
        return;
      }
      traj = { ...r, labels: options.label ?? options.labels };
      x0Figure.hidden = r.frames.every((f) => !f.x0);
      codeFigure.hidden = r.frames.every((f) => !f.code);
      time.textContent = `${r.frames.length} stored states of ${what}, seed ${options.seed}: ${num(r.ms / 1000, 2)} s for ${r.n} digits, ${num(r.ms / r.n, 0)} ms per digit.`;
      scrubber.follow = false;
      scrubber.setCount(r.frames.length);
      scrubber.show(0);
      scrubber.play();
    } finally {
      btn.disabled = false;
    }
  }

  btn.addEventListener('click', () => guard(run, btn));
  return { node, run, destroy: () => scrubber.destroy() };
}
