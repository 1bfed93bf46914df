// The views a <genlab-demo> can show, each offered where the family's declared capabilities
// say it can (never a list per family), each built from the site's shared panels (js/ui/).
//
// A view is `mount(ctx)`: it puts its parts in `ctx.root`, draws its first pictures and
// resolves once they are on screen (rejecting when they fail), with a clean-up function or
// nothing. `ctx`: {root, lab, info, options: {seed, n, label}}, the options read from the
// element's attributes (n and label null where not given).

import { PIXELS, TEST_DIGITS } from '../genlab.js';
import { AUTO_BUDGET, samplerCost } from '../ui/cost.js';
import { el, latestOnly, num, numberField, readInt } from '../ui/dom.js';
import { latentPanel, reconstructionPanel } from '../ui/encoder.js';
import { forwardPanel } from '../ui/forward.js';
import { drawGrid } from '../ui/grid.js';
import { perTile, signedColour, signedLegend } from '../ui/heat.js';
import { labelPicker } from '../ui/labels.js';
import { noisePanel } from '../ui/noise.js';
import { Pad } from '../ui/pad.js';
import { showError } from '../ui/page.js';
import { progressControl } from '../ui/progress.js';
import { SampleGrid, seedRow } from '../ui/samples.js';
import { trainingPanel } from '../ui/training.js';
import { trajectoryPanel } from '../ui/trajectory.js';

/** Width a grid is drawn at before CSS fits it to the element, in CSS pixels. */
const GRID_WIDTH = 360;

// ---------------------------------------------------------------------------------------
// What to sample

/**
 * The digits asked for: a conditional family draws each digit in turn unless told otherwise
 * (its samples then show what the label does); 'any' draws unconditionally.
 * @returns {null|'all'|number}
 */
function labelChoice(info, label) {
  if (!info.capabilities.conditional) return null;
  if (label === 'any') return null;
  return label ?? 'all';
}

/** lab.sample's label options for a choice. */
function labelOptions(choice, n) {
  if (choice === 'all') return { labels: Array.from({ length: n }, (_, i) => i % 10) };
  if (typeof choice === 'number') return { label: choice };
  return {};
}

/** ", each digit in turn", ", each an 8", "": what the digits were asked to be. */
function labelText(choice) {
  if (choice === 'all') return ', each digit in turn';
  if (typeof choice === 'number') return `, each ${choice === 8 ? 'an' : 'a'} ${choice}`;
  return '';
}

/** The default count: 16 digits, or 8 or 4 where 16 would take seconds (a long chain). */
function defaultN(info, choice) {
  return [16, 8, 4].find((n) => samplerCost(info, { n, ...labelOptions(choice, n) }) <= AUTO_BUDGET) ?? 4;
}

/** A grid's columns and scale for n digits: square-ish, rows of ten for digits in turn. */
function layout(n, choice) {
  const cols = choice === 'all' && n % 10 === 0 ? 10 : n <= 5 ? n : n <= 8 ? 4 : Math.ceil(Math.sqrt(n));
  const scale = Math.max(2, Math.min(6, Math.floor(GRID_WIDTH / (cols * 29))));
  return { cols, scale };
}

/** A named picture: the canvas's aria-label (and tooltip) says what it shows. */
function picture(id, label) {
  const canvas = el('canvas', { id, className: 'grid', title: label, 'aria-label': label });
  canvas.setAttribute('role', 'img');
  return canvas;
}

const onBackend = (lab) => (lab.backend === 'webgpu' ? 'the GPU (WebGPU)' : 'the CPU');

// ---------------------------------------------------------------------------------------
// The views

/** Samples from the family's model, with the seed (and for a conditional family the digit). */
async function samplesView({ root, lab, info, options }) {
  const F = info.name;
  const conditional = info.capabilities.conditional;
  const first = labelChoice(info, options.label);
  const n = options.n ?? defaultN(info, first);
  const grid = new SampleGrid({ title: `samples from the ${info.title}` });
  const picker = conditional
    ? labelPicker('sample-label', { none: 'any (unconditional)', all: 'each digit in turn', value: first === null ? '' : String(first) })
    : null;
  const progress = info.capabilities.trajectory ? progressControl('sample') : null;
  const seed = seedRow((s) => draw(s), { value: options.seed });
  const time = el('p', { id: 'sample-time', className: 'timing' });
  root.append(el('div', { className: 'canvas-box' }, grid.canvas), el('div', { className: 'actions' }, ...seed.nodes, picker?.node, progress?.node), time);

  async function draw(s) {
    const choice = picker ? picker.value() : null;
    const o = { n, ...labelOptions(choice, n) };
    const t0 = performance.now();
    const out = progress ? await progress.run((p) => lab.sample(F, { ...o, seed: s, ...p })) : await lab.sample(F, { ...o, seed: s });
    if (!out) {
      time.textContent = 'Cancelled: the digits shown are the previous ones.';
      return;
    }
    const ms = performance.now() - t0;
    grid.show(out.pixels, { n, ...layout(n, choice), what: `${n} digits sampled by the ${info.title}${labelText(choice)}, seed ${s}`, labels: o.label ?? o.labels });
    time.textContent = `${n} digits in ${num(ms / 1000, 2)} s on ${onBackend(lab)}: ${num(ms / n, 0)} ms per digit.`;
  }
  picker?.input.addEventListener('change', () => seed.button.click());
  await draw(options.seed);
}

/** Training in the page, the samples above refreshing as it learns. */
async function trainView({ root, lab, info, options }) {
  const F = info.name;
  const n = options.n ?? defaultN(info, null);
  const { cols, scale } = layout(n, null);
  const pretrained = await lab.config(F);
  const grid = new SampleGrid({ title: `samples from the ${info.title}`, cols, scale });
  const draw = async () => {
    const out = await lab.sample(F, { n, seed: options.seed });
    grid.show(out.pixels, { n, what: `${n} digits sampled by the pretrained ${info.title}, seed ${options.seed}` });
  };
  const training = trainingPanel(lab, info, {
    pretrained,
    explain: 'Press start to train the model here, in a worker, a few steps at a time: the digits above are redrawn from it as it learns (from scratch they start as noise). Reset goes back to the pretrained weights.',
    sampleN: n,
    onSamples: (s, step) => grid.show(s.pixels, { n: s.n, what: `${s.n} digits sampled by the ${info.title} at training step ${step}` }),
    onModelChanged: async (why) => {
      if (why === 'reset') await draw();
    },
  });
  root.append(el('div', { className: 'canvas-box' }, grid.canvas), training.node);
  await draw();
  return () => training.destroy();
}

/** The latent space: between two test digits' codes (an encoder), or two noise vectors (a generator). */
async function latentView({ root, lab, info }) {
  if (!info.capabilities.encoder) {
    const noise = noisePanel(lab, info);
    root.append(noise.node);
    await noise.drawBlend();
    await noise.drawCode();
    return;
  }
  // The decoded manifold only where there is one to see: a 2-D latent.
  const config = await lab.config(info.name);
  const latent = latentPanel(lab, info, { manifold: !info.capabilities.invertible && config.latent === 2 });
  root.append(latent.node);
  await latent.drawInterp();
  await latent.drawManifold(config);
}

/** A step-by-step sampler's states, played back. */
async function chainView({ root, lab, info, options }) {
  const caps = info.capabilities;
  const choice = labelChoice(info, options.label);
  const n = options.n ?? 4;
  // A consistency model (it maps its teacher's path, capabilities.trajectory_map) starts from
  // noise too, and jumps to a digit at each step.
  const fromNoise = caps.diffusion || caps.trajectory_map;
  const panel = trajectoryPanel(lab, info, {
    title: 'Step by step',
    explain: caps.diffusion
      ? 'The sampler with its states stored: left the noisy state x_t, right the clean digit the network predicts from it.'
      : caps.trajectory_map
        ? 'The sampler with its states stored: left the state each step starts from (pure noise, then the digit noised again), right the digit the model jumps to from it.'
        : caps.energy
          ? 'Gibbs chains from random pixels: every sweep samples the hidden units given the pixels, then the pixels given the hidden units.'
          : 'The sampler with its states stored, from the first step to the finished digits.',
    start: fromNoise ? 'pure noise' : caps.energy ? 'random pixels' : 'nothing drawn yet',
    request: () => {
      const o = { n, seed: options.seed, ...labelOptions(choice, n) };
      return { options: o, what: `the ${info.title}'s sampler${labelText(choice)}` };
    },
  });
  root.append(panel.node);
  await panel.run();
  return () => panel.destroy();
}

/** Completions of a digit begun on a drawing pad (or a test digit's top rows). */
async function completeView({ root, lab, info, options }) {
  const F = info.name;
  const energy = info.capabilities.energy;
  const n = options.n ?? 8;
  // A digit to guide the completions towards, only where one was named.
  const choice = info.capabilities.conditional && typeof options.label === 'number' ? options.label : null;
  const rows = numberField('complete-rows', energy ? 'rows held' : 'rows kept', {
    value: 14,
    min: 0,
    max: 28,
    title: energy ? 'rows of the digit held fixed while the Gibbs chains run (0: none, the drawing settles into a digit)' : 'rows of the digit kept; the model writes the rest',
  });
  const testBtn = el('button', { type: 'button', id: 'complete-test', textContent: 'another test digit' });
  const clearBtn = el('button', { type: 'button', id: 'complete-clear', textContent: 'clear' });
  const progress = progressControl('complete');
  const grid = new SampleGrid({ id: 'completions', title: `completions by the ${info.title}`, ...layout(n, null) });
  let index = options.seed % TEST_DIGITS;
  const pad = new Pad({ id: 'pad', scale: 6, rows: 14, title: 'draw the start of a digit here (mouse, pen or touch)' });
  const explain = el('p', {
    className: 'explain',
    textContent: energy
      ? 'Draw on the pad, or take a test digit: Gibbs chains start from it with the rows above the line held, and settle into digits.'
      : 'Draw the top of a digit on the pad (or take a test digit): the model keeps the rows above the line and writes the rest, a pixel at a time, in several ways.',
  });
  root.append(
    explain,
    el('div', { className: 'pad-layout' }, el('figure', {}, pad.canvas), el('div', { className: 'pad-controls' }, rows.node, el('div', { className: 'actions' }, testBtn, clearBtn, progress.node))),
    el('div', { className: 'canvas-box' }, grid.canvas),
  );

  async function complete() {
    const keep = readInt(rows.input, 'rows', 0, 28);
    pad.rows = keep;
    if (pad.empty()) return;
    const o = { n, seed: options.seed, prefix: { pixels: pad.pixels(), rows: keep }, ...labelOptions(choice, n) };
    const out = await progress.run((p) => lab.sample(F, { ...o, ...p }));
    if (out) grid.show(out.pixels, { n, what: `${n} completions by the ${info.title} of a digit's first ${keep} rows` });
  }
  const redo = latestOnly(complete, (e) => showError(e, root));
  async function loadTest() {
    const d = await lab.testDigits([index]);
    pad.set(d.pixels); // the whole digit: the rows below the line are the ones redrawn
  }
  rows.input.addEventListener('change', () => redo());
  clearBtn.addEventListener('click', () => pad.clear());
  testBtn.addEventListener('click', () => {
    index = Math.floor(Math.random() * TEST_DIGITS);
    loadTest().catch((e) => showError(e, root));
  });
  // The first completion is awaited (the element is ready once it is drawn); later strokes queue.
  await loadTest();
  await complete();
  pad.onchange = () => redo();
  return () => pad.destroy();
}

/** Test digits through the model and back. */
async function reconstructView({ root, lab, info }) {
  const explain = info.capabilities.energy
    ? 'Test digits (top) passed up to the hidden units and back down (bottom): v → h → v.'
    : info.capabilities.invertible
      ? 'Test digits (top) sent to z and back (bottom): a flow is invertible, so they match.'
      : undefined;
  const recon = reconstructionPanel(lab, info, { explain });
  root.append(recon.node);
  await recon.draw();
  recon.node.querySelector('canvas').setAttribute('aria-label', `eight test digits (top row) and the ${info.title}'s reconstructions of them (bottom row)`);
}

/** An energy model's learned filters: each hidden unit's weights to the pixels. */
async function filtersView({ root, lab, info, options }) {
  const canvas = picture('filters', `filters learned by the ${info.title}'s hidden units: red where ink turns a unit on, blue where it turns it off`);
  const note = el('p', { className: 'explain' });
  root.append(
    el('p', { className: 'explain', textContent: "Each tile is one hidden unit's weights to the 784 pixels, in its place, scaled by its largest |weight|." }),
    el('div', { className: 'actions' }, signedLegend()),
    el('div', { className: 'canvas-box' }, canvas),
    note,
  );
  const r = await lab.filters(info.name);
  const shown = Math.min(r.units, options.n ?? 100);
  const cols = Math.min(shown, Math.ceil(Math.sqrt(shown)));
  drawGrid(canvas, perTile(r.filters, shown, PIXELS), { n: shown, cols, scale: layout(shown, null).scale, colour: signedColour });
  note.textContent = shown < r.units ? `The first ${shown} of ${r.units} hidden units.` : `All ${r.units} hidden units.`;
}

/** A diffusion model's forward process: a test digit noised to any t, with the schedule. */
async function forwardView({ root, lab, info }) {
  const forward = forwardPanel(lab, info);
  root.append(forward.node);
  await forward.drawSchedule();
  await forward.draw();
  return () => forward.destroy();
}

/** Every family side by side (the comparison's own module, js/compare.js). */
async function compareView({ root, lab, options }) {
  let compare;
  try {
    compare = await import('../compare.js');
  } catch (e) {
    throw new Error(`the comparison of every family is not available: js/compare.js did not load (${e.message})`);
  }
  return compare.mountCompare(root, lab, { seed: options.seed });
}

/**
 * The views, in the order they are listed: name, what the header calls it, whether a family
 * offers it (read off its capabilities), and how it is drawn.
 * @type {{name: string, title: string, offered: (caps: object) => boolean, mount: (ctx: object) => Promise<(() => void)|void>}[]}
 */
export const VIEWS = [
  { name: 'samples', title: 'samples', offered: () => true, mount: samplesView },
  { name: 'train', title: 'training', offered: () => true, mount: trainView },
  { name: 'latent', title: 'latent space', offered: (c) => c.latent, mount: latentView },
  { name: 'chain', title: 'step by step', offered: (c) => c.trajectory, mount: chainView },
  { name: 'complete', title: 'completions', offered: (c) => c.completion, mount: completeView },
  { name: 'reconstruct', title: 'reconstructions', offered: (c) => c.reconstruct, mount: reconstructView },
  { name: 'filters', title: 'learned filters', offered: (c) => c.energy, mount: filtersView },
  { name: 'forward', title: 'forward process', offered: (c) => c.diffusion, mount: forwardView },
  { name: 'compare', title: 'every family compared', offered: () => true, mount: compareView },
];

/** Other names authors may reach for. */
const ALIASES = { trajectory: 'chain', sample: 'samples', training: 'train', reconstruction: 'reconstruct', completion: 'complete' };

/** The views `info`'s family offers. */
export function viewsOf(info) {
  return VIEWS.filter((v) => v.offered(info.capabilities));
}

/**
 * The view called `name` for `info`'s family; throws, naming the views it offers, when there
 * is no such view or the family does not offer it.
 */
export function viewFor(name, info) {
  const key = ALIASES[name] ?? name;
  const offered = viewsOf(info);
  const view = offered.find((v) => v.name === key);
  if (view) return view;
  const list = offered.map((v) => v.name).join(', ');
  if (VIEWS.some((v) => v.name === key)) throw new Error(`the ${info.title} (${info.name}) has no "${name}" view: its views are ${list}`);
  throw new Error(`unknown view "${name}": the ${info.title} (${info.name}) offers ${list}`);
}
