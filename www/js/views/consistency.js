// The consistency model's page: the diffusion page (views/ddpm.js) in the model's own words,
// with its sampler's settings (steps, and the time later steps re-noise to), and three panels
// of its own:
// - "One step, a few, and the teacher": digits 0-7 from one seed with 1, 2 and 4 steps and
//   with the DDPM it was distilled from (20 DDIM steps), each timed, with what each costs in
//   network evaluations;
// - "Every point of the path maps to the same digit": the teacher's path from noise to a
//   digit (lab.trajectoryMap) and under each state the digit the model makes of it;
// - "The diffusion family side by side": DDPM 1000, DDIM 50 and 10, latent diffusion and
//   consistency 1 and 2 steps from one seed and label set, timed, and scored by the judge on
//   request.
//
// Element ids (stable; the browser tests rely on them): those of views/ddpm.js (no forward
// panel: the model has no noising process of its own), and
//   #few (section) #few-btn #few-progress #few-cancel #few-note (data-ratio: the teacher's ms
//     per digit / one step's)
//     #few-cm1 #few-cm2 #few-cm4 #few-teacher (canvases: digits 0-7, data-labels)
//     #few-cm1-time ... #few-teacher-time (data-ms-per-digit, data-backend, data-evals:
//     network evaluations per digit)
//   #map (section) #map-btn #map-progress #map-cancel #map-t (the t of each column)
//     #map-0 #map-1 #map-2 (canvases, one per digit: top row the teacher's states x_t, bottom
//     row f(x_t, t) of each; data-label, data-ts) #map-note (data-mapped-rms, data-path-rms:
//     the mean RMS pixel distance to the path's last state of f(x_t, t) and of x_t, over the
//     states before the last)
//   #dcmp (section) #dcmp-n (digits per row) #dcmp-draw #dcmp-draw-progress #dcmp-draw-cancel
//     #dcmp-score-n (samples to score) #dcmp-score #dcmp-score-progress #dcmp-score-cancel
//     #dcmp-status (data-state: drawing, drawn, scoring, scored, cancelled, failed)
//     #dcmp-table; a row per sampler #dcmp-row-KEY (KEY: ddpm1000 ddim50 ddim10 latent20 cm1
//     cm2; data-family, data-evals, and once measured data-ms-per-digit, data-backend,
//     data-fid, data-fid-real, data-accuracy, data-scored (samples scored); data-missing
//     where the build lacks the family) with #dcmp-KEY (canvas, data-labels) #dcmp-KEY-ms
//     #dcmp-KEY-fid #dcmp-KEY-acc #dcmp-KEY-pick (checkbox: score this row)

import { PIXELS } from '../genlab.js';
import { samplerCost } from '../ui/cost.js';
import { el, num, numberField, panel, pct, readInt, selectField } from '../ui/dom.js';
import { drawGrid, markLabels, tileLabels } from '../ui/grid.js';
import { guard } from '../ui/page.js';
import { progressControl } from '../ui/progress.js';
import { mountDiffusion } from './ddpm.js';

/** The digits of the few-steps panel: one each of 0-7. */
const DIGITS = Array.from({ length: 8 }, (_, i) => i);
/** The digits whose paths the map panel draws. */
const MAP_DIGITS = [2, 5, 8];
/** States of the path shown (of its 21): pure noise, the end, and six between. */
const MAP_COLUMNS = 8;
const SCALE = 3;

/**
 * @param {HTMLElement} root
 * @param {import('../genlab.js').GenLab} lab
 * @param {import('../genlab.js').FamilyInfo} info
 */
export async function mount(root, lab, info) {
  const teacher = lab.family(info.built_on[0]);
  return mountDiffusion(root, lab, info, (page) => [fewSteps(lab, info, teacher, page), pathMap(lab, info, page), sideBySide(lab, info, page)], {
    samples:
      "One network evaluation turns pure noise into a digit: the model learnt to jump from any point of the DDPM's denoising path straight to its end. With more steps it adds noise back to its digit, less each time, and jumps again, which can fix details the first jump got wrong.",
    reverse: {
      title: 'Step by step',
      explain:
        'The sampler above with its states stored: left the state each step starts from (pure noise, then the digit noised again), right the digit the model made of it. With 1 step there are only the noise and the digit.',
    },
    training:
      `Consistency distillation: each step noises a batch of digits to a point of the DDPM's path, takes one step of the teacher (DDIM) along it, and trains the model to give the same digit from both points; the target it matches is a slowly averaged copy of itself. It starts from the teacher's weights. Slow on the CPU (the shipped weights took ${info.train_steps.toLocaleString('en')} steps).`,
    trainingSamples: '1 step, unconditional',
  });
}

/** The backend in words, for a timing. */
const where = (lab) => (lab.backend === 'webgpu' ? 'the GPU' : 'the CPU');

/** A named grid canvas. */
function picture(id, label) {
  const canvas = el('canvas', { id, className: 'grid', title: label, 'aria-label': label });
  canvas.setAttribute('role', 'img');
  return canvas;
}

/**
 * Network evaluations per digit for `settings` of `f`, asked for a digit (ui/cost.js, which
 * reads guidance and its interval off the declarations), and the sentence that says so.
 */
function evaluations(f, settings) {
  const evals = samplerCost(f, { n: 1, label: 0, ...settings });
  const steps = settings.steps ?? f.sampling.find((h) => h.key === 'steps')?.default ?? 1;
  const per = `${evals.toLocaleString('en')} network evaluation${evals === 1 ? '' : 's'} per digit`;
  if (evals === steps) return { evals, text: per };
  // Guidance runs the network with the label and without: twice a step where it acts.
  const w = settings.guidance ?? f.sampling.find((h) => h.key === 'guidance')?.default;
  const below = settings.guide_below ?? f.sampling.find((h) => h.key === 'guide_below')?.default;
  const at = evals - steps === steps ? 'every step' : `the ${evals - steps} steps below t = ${below}`;
  return { evals, text: `${per}: ${steps.toLocaleString('en')} steps, two evaluations (with and without the label, guidance ${w}) at ${at}` };
}

/** An untimed draw of the same batch in one step: weights loaded, kernels compiled (WebGPU). */
function warmUp(lab, f, options, progress) {
  return progress.run((p) => lab.sample(f.name, { ...options, steps: 1, ...p }));
}

// ---------------------------------------------------------------------------------------
// One step, a few, and the teacher

/**
 * @param {import('../genlab.js').GenLab} lab
 * @param {import('../genlab.js').FamilyInfo} info
 * @param {import('../genlab.js').FamilyInfo|undefined} teacher
 * @param {import('./ddpm.js').DiffusionPage} page
 */
function fewSteps(lab, info, teacher, page) {
  const btn = el('button', { type: 'button', id: 'few-btn', className: 'primary', textContent: 'draw with each' });
  const progress = progressControl('few');
  const note = el('p', { id: 'few-note', className: 'timing' });
  const sides = [
    { key: 'cm1', family: info, settings: { steps: 1 }, caption: `${info.title}: 1 step` },
    { key: 'cm2', family: info, settings: { steps: 2 }, caption: `${info.title}: 2 steps` },
    { key: 'cm4', family: info, settings: { steps: 4 }, caption: `${info.title}: 4 steps` },
  ];
  // The teacher at its page's defaults (guidance included), with 20 DDIM steps.
  if (teacher) sides.push({ key: 'teacher', family: teacher, settings: { sampler: 'ddim', steps: 20, eta: 0 }, caption: `the teacher, ${teacher.title}: 20 DDIM steps` });
  for (const s of sides) {
    s.canvas = picture(`few-${s.key}`, s.caption);
    s.time = el('p', { id: `few-${s.key}-time`, className: 'timing' });
    s.node = el('figure', {}, el('div', { className: 'canvas-box' }, s.canvas), el('figcaption', { textContent: s.caption }), s.time);
  }
  const node = panel(
    'One step, a few, and the teacher',
    {
      id: 'few',
      explain:
        'The same digits (0–7, from the seed above) drawn by the consistency model in 1, 2 and 4 steps and by the DDPM it learnt from. Each is timed on this backend after an untimed one-step run of each model, so that loading and warming up are not counted; under each, how many times it ran its network per digit.',
    },
    el('div', { className: 'actions' }, btn, progress.node),
    el('div', { className: 'side-by-side' }, ...sides.map((s) => s.node)),
    note,
  );
  if (!teacher) note.textContent = `This build has no '${info.built_on[0]}' family, the teacher: only the consistency model is drawn.`;

  async function run() {
    const seed = page.seed();
    const options = { n: DIGITS.length, labels: DIGITS, seed };
    note.textContent = 'Warming up…';
    delete note.dataset.ratio;
    for (const s of sides) s.time.textContent = '';
    for (const f of new Set(sides.map((s) => s.family))) if ((await warmUp(lab, f, options, progress)) === null) return cancelled();
    const ms = {};
    for (const s of sides) {
      note.textContent = `Drawing ${DIGITS.length} digits: ${s.caption}…`;
      const t0 = performance.now();
      const out = await progress.run((p) => lab.sample(s.family.name, { ...options, ...s.settings, ...p }));
      if (out === null) return cancelled();
      ms[s.key] = (performance.now() - t0) / DIGITS.length;
      drawGrid(s.canvas, out.pixels, { n: DIGITS.length, cols: 4, scale: SCALE });
      markLabels(s.canvas, DIGITS.length, DIGITS);
      s.canvas.setAttribute('aria-label', `${DIGITS.length} digits, 0 to 7, seed ${seed}: ${s.caption}`);
      const cost = evaluations(s.family, s.settings);
      Object.assign(s.time.dataset, { msPerDigit: String(ms[s.key]), backend: lab.backend, evals: String(cost.evals) });
      s.time.textContent = `${num(ms[s.key], 0)} ms per digit on ${where(lab)}; ${cost.text}.`;
    }
    if (!ms.teacher) {
      note.textContent = `Seed ${seed}, on ${where(lab)}.`;
      return;
    }
    const r = ms.teacher / ms.cm1;
    note.dataset.ratio = String(r);
    note.textContent = `One step drew each digit ${num(r, 1)}× as fast as the teacher's 20 DDIM steps (seed ${seed}, on ${where(lab)}).`;
  }

  function cancelled() {
    note.textContent = 'Cancelled: press "draw with each" to draw again.';
  }

  btn.addEventListener('click', () => guard(() => busy(btn, run), btn));
  // A new model (trained, reset, loaded) makes the pictures stale: say so, keep them.
  const refresh = () => {
    if (!note.dataset.ratio) return;
    delete note.dataset.ratio;
    note.textContent = 'The model changed: press "draw with each" to draw again.';
  };
  return { node, refresh };
}

/** Runs `fn` with `btn` disabled. */
async function busy(btn, fn) {
  btn.disabled = true;
  try {
    return await fn();
  } finally {
    btn.disabled = false;
  }
}

// ---------------------------------------------------------------------------------------
// Every point of the path maps to the same digit

/** Root mean square difference per pixel between image `i` of `a` and image `j` of `b`. */
function rms(a, i, b, j) {
  let s = 0;
  for (let k = 0; k < PIXELS; k++) {
    const d = a[i * PIXELS + k] - b[j * PIXELS + k];
    s += d * d;
  }
  return Math.sqrt(s / PIXELS);
}

/** `count` indices spread evenly over 0..total - 1, the first and the last included. */
function spread(total, count) {
  const k = Math.min(total, count);
  return [...new Set(Array.from({ length: k }, (_, i) => Math.round((i * (total - 1)) / Math.max(1, k - 1))))];
}

/**
 * @param {import('../genlab.js').GenLab} lab
 * @param {import('../genlab.js').FamilyInfo} info
 * @param {import('./ddpm.js').DiffusionPage} page
 */
function pathMap(lab, info, page) {
  const btn = el('button', { type: 'button', id: 'map-btn', textContent: 'draw the paths again' });
  const progress = progressControl('map');
  const ts = el('div', { id: 'map-t' });
  const note = el('p', { id: 'map-note', className: 'timing' });
  const rows = MAP_DIGITS.map((d, i) => {
    const canvas = picture(`map-${i}`, `digit ${d}: the teacher's path, and the consistency model's digit from each state`);
    canvas.dataset.label = String(d);
    return { canvas, node: el('figure', {}, el('div', { className: 'canvas-box' }, canvas), el('figcaption', { textContent: `digit ${d}: top, the teacher's state x_t; below it, f(x_t, t)` })) };
  });
  const node = panel(
    'Every point of the path maps to the same digit',
    {
      id: 'map',
      className: 'path-map',
      explain: `The DDPM turns noise into a digit along a fixed path (here 20 DDIM steps, from the seed above). A consistency model is trained so that every point of that path, however noisy, maps to the digit at its end: the top row of each pair is the path, the row under it what the model makes of each point in one step. Where they match, one step is enough.`,
    },
    el('div', { className: 'actions' }, btn, progress.node),
    ts,
    ...rows.map((r) => r.node),
    note,
  );

  async function run() {
    const seed = page.seed();
    note.textContent = `Following the teacher's path for the digits ${MAP_DIGITS.join(', ')}…`;
    const r = await progress.run((p) => lab.trajectoryMap(info.name, { n: MAP_DIGITS.length, labels: MAP_DIGITS, seed, ...p }));
    if (!r) {
      note.textContent = 'Cancelled: press "draw the paths again" to draw them.';
      return;
    }
    const cols = spread(r.frames.length, MAP_COLUMNS);
    const shown = cols.map((c) => r.frames[c]);
    const last = r.frames[r.frames.length - 1].x;
    let mapped = 0;
    let path = 0;
    let count = 0;
    for (const [i, row] of rows.entries()) {
      // Row 1 the states, row 2 the model's digit of each: one grid of 2 x columns tiles.
      const pixels = new Float32Array(2 * shown.length * PIXELS);
      shown.forEach((f, c) => {
        pixels.set(f.x.subarray(i * PIXELS, (i + 1) * PIXELS), c * PIXELS);
        if (f.x0) pixels.set(f.x0.subarray(i * PIXELS, (i + 1) * PIXELS), (shown.length + c) * PIXELS);
      });
      drawGrid(row.canvas, pixels, { n: 2 * shown.length, cols: shown.length, scale: SCALE });
      row.canvas.dataset.ts = shown.map((f) => f.t).join(',');
      // Every state before the last, against the path's end.
      for (const f of r.frames.slice(0, -1).filter((f) => f.x0)) {
        mapped += rms(f.x0, i, last, i);
        path += rms(f.x, i, last, i);
        count++;
      }
    }
    ts.replaceChildren(tileLabels(shown.map((f) => (f.t === shown[0].t ? `t = ${f.t}, noise` : `t = ${f.t}`)), SCALE));
    Object.assign(note.dataset, { mappedRms: String(mapped / count), pathRms: String(path / count) });
    note.textContent = `Seed ${seed}. Before the end of the path, the model's digits differ from the path's final digit by ${num(mapped / count, 2)} per pixel on average (root mean square, ink from 0 to 1), the states themselves by ${num(path / count, 2)}; ${num(r.ms / MAP_DIGITS.length, 0)} ms per digit on ${where(lab)} for the path and every mapping.`;
  }

  btn.addEventListener('click', () => guard(() => busy(btn, run), btn));
  // Cheap (a 20-step path and one evaluation per state): drawn by itself, and again when the model changes.
  return { node, then: () => busy(btn, run), refresh: () => busy(btn, run) };
}

// ---------------------------------------------------------------------------------------
// The diffusion family side by side

/**
 * The samplers compared: the families named are the diffusion group's (this page's family is
 * the consistency model); `slow` rows are left out of scoring unless ticked.
 */
function samplers(info) {
  return [
    { key: 'ddpm1000', family: 'ddpm', settings: { sampler: 'ddpm', steps: 1000 }, name: 'DDPM, 1,000 steps', detail: 'ancestral: every step of the chain, fresh noise at each', slow: true },
    { key: 'ddim50', family: 'ddpm', settings: { sampler: 'ddim', steps: 50 }, name: 'DDIM, 50 steps', detail: 'the same network, deterministic, skipping steps' },
    { key: 'ddim10', family: 'ddpm', settings: { sampler: 'ddim', steps: 10 }, name: 'DDIM, 10 steps', detail: 'the same network, fewer and longer steps' },
    { key: 'latent20', family: 'latent-diffusion', settings: {}, name: 'latent diffusion, DDIM 20 steps', detail: "its defaults, on the autoencoder's 4 × 7 × 7 codes, decoded once" },
    { key: 'cm1', family: info.name, settings: { steps: 1 }, name: 'consistency, 1 step', detail: "distilled from the DDPM's path" },
    { key: 'cm2', family: info.name, settings: { steps: 2 }, name: 'consistency, 2 steps', detail: 'one jump, noise added back, a second jump' },
  ];
}

/**
 * @param {import('../genlab.js').GenLab} lab
 * @param {import('../genlab.js').FamilyInfo} info
 * @param {import('./ddpm.js').DiffusionPage} page
 */
function sideBySide(lab, info, page) {
  const count = selectField('dcmp-n', 'digits per row', [1, 2, 4, 8].map((n) => [n, String(n)]), { value: 4 });
  const drawBtn = el('button', { type: 'button', id: 'dcmp-draw', className: 'primary', textContent: 'draw and time' });
  const drawProgress = progressControl('dcmp-draw');
  const scoreN = numberField('dcmp-score-n', 'samples to score', { value: 100, min: 2, max: 1000 });
  const scoreBtn = el('button', { type: 'button', id: 'dcmp-score', textContent: 'score the ticked rows' });
  const scoreProgress = progressControl('dcmp-score');
  const status = el('p', { id: 'dcmp-status', className: 'timing' });

  const rows = samplers(info).map((s) => {
    const f = lab.family(s.family);
    const tr = el('tr', { id: `dcmp-row-${s.key}` });
    tr.dataset.family = s.family;
    const name = el('th', { scope: 'row' }, s.name, el('small', { className: 'help', textContent: ` ${s.detail}` }));
    if (!f) {
      tr.dataset.missing = '1';
      tr.append(name, el('td', { colSpan: 6, className: 'note', textContent: `not in this build (no '${s.family}' family): skipped` }));
      return { ...s, f, tr };
    }
    const cost = evaluations(f, s.settings);
    tr.dataset.evals = String(cost.evals);
    const canvas = picture(`dcmp-${s.key}`, `${s.name}: not drawn yet`);
    const ms = el('td', { id: `dcmp-${s.key}-ms` });
    const fid = el('td', { id: `dcmp-${s.key}-fid` });
    const acc = el('td', { id: `dcmp-${s.key}-acc` });
    const pick = el('input', { type: 'checkbox', id: `dcmp-${s.key}-pick`, checked: !s.slow, 'aria-label': `score ${s.name}` });
    tr.append(name, el('td', {}, el('div', { className: 'canvas-box' }, canvas)), el('td', { textContent: cost.text }), ms, fid, acc, el('td', {}, pick));
    return { ...s, f, tr, canvas, ms, fid, acc, pick };
  });
  const present = rows.filter((r) => r.f);
  const table = el(
    'table',
    { id: 'dcmp-table' },
    el('thead', {}, el('tr', {}, ...['sampler', 'digits', 'network evaluations', 'time', 'FID-MNIST', 'conditional accuracy', 'score'].map((h) => el('th', { scope: 'col', textContent: h })))),
    el('tbody', {}, ...rows.map((r) => r.tr)),
  );

  const node = panel(
    'The diffusion family side by side',
    {
      id: 'dcmp',
      explain:
        "Every way GenLab samples a diffusion model, from one seed and the same digits (guided as on each model's own page), each timed on this backend after an untimed one-step run of each model. Scoring asks the judge: FID-MNIST of that many digits drawn without a label (lower is better; beside it, what as many real digits score), and the share of as many more, asked for 0–9 in turn, that it reads as the digit asked for. FID on few samples is biased upward: compare it only between rows scored on the same number. DDPM's 1,000 steps take tens of seconds per digit on the CPU: draw few digits, and it is scored only when ticked.",
    },
    el('div', { className: 'actions' }, count.node, drawBtn, drawProgress.node),
    el('div', { className: 'actions' }, scoreN.node, scoreBtn, scoreProgress.node),
    status,
    el('div', { className: 'table-scroll' }, table),
  );
  if (present.length < rows.length) status.textContent = `Skipped, not in this build: ${rows.filter((r) => !r.f).map((r) => r.name).join(', ')}.`;

  const setState = (state, text) => {
    status.dataset.state = state;
    status.textContent = text;
  };

  async function draw() {
    const seed = page.seed();
    const n = Number(count.input.value);
    const labels = Array.from({ length: n }, (_, i) => i % 10);
    const options = { n, labels, seed };
    setState('drawing', 'Warming up each model…');
    for (const f of new Set(present.map((r) => r.f))) if ((await warmUp(lab, f, options, drawProgress)) === null) return setState('cancelled', 'Cancelled: press "draw and time" to draw again.');
    for (const r of present) {
      setState('drawing', `Drawing ${n} digit${n === 1 ? '' : 's'}: ${r.name}…`);
      const t0 = performance.now();
      const out = await drawProgress.run((p) => lab.sample(r.f.name, { ...options, ...r.settings, ...p }));
      if (out === null) return setState('cancelled', `Cancelled during ${r.name}: the rows above it are drawn.`);
      const ms = (performance.now() - t0) / n;
      drawGrid(r.canvas, out.pixels, { n, cols: Math.min(n, 4), scale: 2 });
      markLabels(r.canvas, n, labels);
      r.canvas.setAttribute('aria-label', `${n} digit${n === 1 ? '' : 's'} (${labels.join(', ')}), seed ${seed}: ${r.name}`);
      Object.assign(r.tr.dataset, { msPerDigit: String(ms), backend: lab.backend });
      r.ms.textContent = `${num(ms, ms < 10 ? 1 : 0)} ms per digit on ${where(lab)}`;
    }
    setState('drawn', `${n} digit${n === 1 ? '' : 's'} per row from seed ${seed}, timed on ${where(lab)}.`);
  }

  /**
   * The judge's verdict on `n` fresh digits of a row, as lab.evaluate gives it for fresh
   * samples (FID on unlabelled digits, accuracy on as many labelled 0-9 in turn, from seed ^
   * 0x5eed), but drawn here a call at a time so that cancelling stops it mid-row: null then.
   */
  async function score(r, n, seed) {
    const labels = Array.from({ length: n }, (_, i) => i % 10);
    return scoreProgress.run(async ({ onProgress, signal }) => {
      const part = (from, to) => ({ fraction }) => onProgress({ fraction: from + (to - from) * fraction });
      setState('scoring', `Scoring ${r.name}: drawing ${n} digits without a label…`);
      const free = await lab.sample(r.f.name, { n, seed, ...r.settings, onProgress: part(0, 0.45), signal });
      setState('scoring', `Scoring ${r.name}: FID of ${n} digits…`);
      const verdict = await lab.evaluate(r.f.name, { images: free.pixels, memorisation: 0, onProgress: part(0.45, 0.5) });
      setState('scoring', `Scoring ${r.name}: drawing ${n} digits asked for 0–9 in turn…`);
      const asked = await lab.sample(r.f.name, { n, seed: (seed ^ 0x5eed) >>> 0, labels, ...r.settings, onProgress: part(0.5, 0.95), signal });
      const read = await lab.classes(asked.pixels);
      const accuracy = Array.from(read.labels).filter((l, i) => l === labels[i]).length / n;
      return { fid: verdict.fid, fid_real: verdict.fid_real, accuracy };
    });
  }

  async function scoreRows() {
    const n = readInt(scoreN.input, 'samples to score', 2, 1000);
    const seed = page.seed();
    const picked = present.filter((r) => r.pick.checked);
    if (!picked.length) return setState('failed', 'Tick at least one row to score.');
    for (const r of picked) {
      const v = await score(r, n, seed);
      if (v === null) return setState('cancelled', `Cancelled while scoring ${r.name}: the rows above it are scored.`);
      Object.assign(r.tr.dataset, { fid: String(v.fid), fidReal: String(v.fid_real), accuracy: String(v.accuracy), scored: String(n) });
      r.fid.replaceChildren(el('span', { className: 'readout', textContent: num(v.fid, 1) }), el('small', { className: 'help', textContent: ` vs ${num(v.fid_real, 1)} for ${n} real digits` }));
      r.acc.replaceChildren(el('span', { className: 'readout', textContent: pct(v.accuracy) }), el('small', { className: 'help', textContent: ` of ${n}` }));
    }
    setState('scored', `${picked.length} row${picked.length === 1 ? '' : 's'} scored on ${n} samples each, from seed ${seed}.`);
  }

  // One run at a time: the worker does one thing at a time anyway.
  const run = (fn) => async () => {
    drawBtn.disabled = scoreBtn.disabled = true;
    try {
      await fn();
    } catch (e) {
      setState('failed', 'Failed: see the message above.');
      throw e;
    } finally {
      drawBtn.disabled = scoreBtn.disabled = false;
    }
  };
  drawBtn.addEventListener('click', () => guard(run(draw), drawBtn));
  scoreBtn.addEventListener('click', () => guard(run(scoreRows), scoreBtn));
  if (!present.length) drawBtn.disabled = scoreBtn.disabled = true;

  // A new consistency model (trained, reset, loaded) makes its rows stale: say so, keep them.
  const refresh = () => {
    if (!status.dataset.state) return;
    delete status.dataset.state;
    status.textContent = 'The model changed: draw and score again to compare it.';
  };
  return { node, refresh };
}
