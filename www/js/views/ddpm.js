// The diffusion model's page: samples with the sampler's settings (DDIM / DDPM, steps, eta,
// guidance, a digit) and what they cost; the reverse process frame by frame (the noisy state
// x_t beside the model's guess at the finished digit, with a timeline and play); the forward
// process on a test digit with the noise schedule; then training, evaluation and weights.
// A family that diffuses in the codes of another (capabilities.diffuses_codes: latent diffusion) shares this
// page through `mountDiffusion`, with its own panels added and the wording of codes; so does
// the consistency model, whose sampler has a few settings of its own (steps, the re-noising
// time), in its own words (and without the forward panel, which only a family with
// capabilities.diffusion has).
//
// Element ids (stable; the browser tests rely on them):
//   #samples (canvas) #sample-seed #sample-btn #sample-new #sample-label ('' = unconditional,
//     'all' = digits 0-9 in turn, '0'..'9') #sample-n #sampler-params (controls from
//     info.sampling: #sampler-sampler, #sampler-steps, #sampler-eta, #sampler-guidance,
//     #sampler-guide_below)
//     #sample-time (time per sample) #sample-progress #sample-cancel (a long chain's, ui/progress.js)
//   the step-through panel's (ui/trajectory.js): #trajectory-btn #traj-x #traj-x0
//     #trajectory-scrubber #trajectory-t #trajectory-play #trajectory-speed #trajectory-time
//     #trajectory-progress #trajectory-cancel
//   the forward panel's (ui/forward.js), where the family has a forward process: #fwd-index
//     #fwd-t #fwd-t-value #fwd-image #fwd-levels #fwd-strip #schedule-chart
//   the training panel's (ui/training.js), the evaluate panel's (ui/evaluate.js) and the
//   weights panel's (ui/weights.js)

import { renderControls } from '../ui/controls.js';
import { AUTO_BUDGET, samplerCost } from '../ui/cost.js';
import { el, latestOnly, num, panel, selectField } from '../ui/dom.js';
import { forwardPanel } from '../ui/forward.js';
import { labelPicker } from '../ui/labels.js';
import { showError } from '../ui/page.js';
import { progressControl } from '../ui/progress.js';
import { SampleGrid, seedRow } from '../ui/samples.js';
import { trajectoryPanel } from '../ui/trajectory.js';
import { openView } from '../ui/view.js';

/** Digits the reverse process is shown on. */
const TRAJECTORY_N = 8;

/**
 * "20 DDIM steps, digits 0–9 in turn, guidance 3 below t = 800": sampling options for a reader;
 * T is the guidance interval's largest value (guidance at every step). A sampler declaring
 * neither `sampler` nor `guidance` (the consistency model's) reads "2 steps (re-noised to t =
 * 450), digit 3".
 */
function describe(o, T) {
  // Guidance beyond the conditional model (w > 1) acts only below guide_below (T: everywhere).
  const w = o.guidance === undefined ? '' : o.guidance > 1 && o.guide_below < T ? `, guidance ${o.guidance} below t = ${o.guide_below}` : `, guidance ${o.guidance}`;
  const guided = o.label !== undefined ? `, digit ${o.label}${w}` : o.labels ? `, digits 0–9 in turn${w}` : ', unconditional';
  const method = o.sampler === undefined ? '' : o.sampler === 'ddim' ? ` DDIM${o.eta > 0 ? ` (eta ${o.eta})` : ''}` : ' DDPM';
  // A consistency model's later steps start from its digit noised back to t = renoise.
  const renoised = o.renoise !== undefined && o.steps > 1 ? ` (re-noised to t = ${o.renoise})` : '';
  return `${o.steps}${method} step${o.steps === 1 ? '' : 's'}${renoised}${guided}`;
}

/**
 * @param {HTMLElement} root
 * @param {import('../genlab.js').GenLab} lab
 * @param {import('../genlab.js').FamilyInfo} info
 */
export async function mount(root, lab, info) {
  return mountDiffusion(root, lab, info);
}

/**
 * What a page's own panels may read of the diffusion page: the seed and the sampler settings
 * on screen, and a phrase for sampling options (as the captions say them).
 * @typedef {object} DiffusionPage
 * @property {() => number} seed
 * @property {() => Object<string, number|string>} settings  the sampler controls' values
 * @property {(options: object) => string} describe  "20 DDIM steps, digits 0–9 in turn, guidance 3 below t = 800"
 */

/**
 * A page's own words where the diffusion page's do not fit (the consistency model's): each
 * panel's explanation, and what the training run's sample grid shows.
 * @typedef {object} DiffusionWords
 * @property {string} [samples]  the samples panel's explanation
 * @property {{title: string, explain: string}} [reverse]  the step-through panel's
 * @property {string} [training]  the training panel's explanation
 * @property {string} [trainingSamples]  how the training run samples ("20 DDIM steps, unconditional")
 */

/**
 * The diffusion page, with `extras(page)`'s panels after the samples: each `{node, refresh?,
 * then?}`, refresh called (as the view's other steps) when the model changes, then once after
 * the first pictures (a panel that draws by itself).
 * @param {HTMLElement} root
 * @param {import('../genlab.js').GenLab} lab
 * @param {import('../genlab.js').FamilyInfo} info
 * @param {(page: DiffusionPage) => {node: HTMLElement, refresh?: () => (Promise<void>|void), then?: () => (Promise<void>|void)}[]} [extras]
 * @param {DiffusionWords} [words]
 */
export async function mountDiffusion(root, lab, info, extras = () => [], words = {}) {
  const F = info.name;
  const view = await openView(root, lab, info);
  const T = info.sampling.find((h) => h.key === 'guide_below')?.max ?? Infinity;
  const say = (o) => describe(o, T);
  // Diffusing in another family's codes (latent diffusion): states are codes, shown decoded.
  const coded = info.capabilities.diffuses_codes;

  // ---- Sampler settings and samples
  const grid = new SampleGrid({ title: 'samples', cols: 4, scale: 3 });
  const seed = seedRow((s) => drawSamples(s));
  // Guided digits by default: after 5,000 CPU training steps the unguided samples are weak.
  const picker = labelPicker('sample-label', { none: 'none (unconditional)', all: 'each digit in turn', value: 'all' });
  const count = selectField('sample-n', 'samples', [[4, '4'], [8, '8'], [16, '16']], { value: 8 });
  const samplerBox = el('div', { id: 'sampler-params' });
  const time = el('p', { id: 'sample-time', className: 'timing' });
  const progress = progressControl('sample');
  const samplesPanel = panel(
    'Samples',
    {
      explain:
        words.samples ??
        (coded
          ? "Sampling starts from a code of pure noise and removes a little of it per step; the autoencoder's decoder turns the finished code into a digit. "
          : 'Sampling starts from pure noise and removes a little of it per step. ') +
        'DDIM can skip most of the 1,000 steps (and with eta = 0 is deterministic); DDPM adds fresh noise at every step. With a digit, classifier-free guidance w pushes the samples towards it, only at the timesteps below "guide below t" (counting 0 to 999): at the noisier ones the conditional model steps alone, which keeps the digits varied.',
    },
    samplerBox,
    el('div', { className: 'actions' }, picker.node, count.node),
    el('div', { className: 'actions' }, ...seed.nodes, progress.node),
    el('div', { className: 'canvas-box' }, grid.canvas),
    time,
  );
  const sampler = renderControls(samplerBox, info.sampling, { idPrefix: 'sampler-', onChange: () => settingsChanged() });

  /** The sampling options the controls describe. */
  function samplingOptions(n) {
    const o = { n, ...sampler.values() };
    const d = picker.value();
    if (d === 'all') o.labels = Array.from({ length: n }, (_, i) => i % 10);
    else if (d !== null) o.label = d;
    return o;
  }

  async function drawSamples(s) {
    const o = samplingOptions(Number(count.input.value));
    const t0 = performance.now();
    time.textContent = `Sampling ${o.n} digits with ${say(o)}…`;
    const out = await progress.run((p) => lab.sample(F, { ...o, seed: s, ...p }));
    const ms = performance.now() - t0;
    if (!out) {
      time.textContent = `Cancelled after ${num(ms / 1000, 1)} s: the samples shown are the previous ones (${say(o)} was asked for).`;
      return;
    }
    grid.show(out.pixels, { n: o.n, cols: Math.min(o.n, 8), what: `${o.n} samples (seed ${s}; ${say(o)})`, labels: o.label ?? o.labels });
    time.textContent = `${num(ms / 1000, 2)} s for ${o.n} samples: ${num(ms / o.n, 0)} ms per sample with ${say(o)} on the ${lab.backend === 'webgpu' ? 'GPU' : 'CPU'}.`;
  }

  // A short chain redraws as the settings change (a dragged slider draws the latest settings,
  // never a queue of them); a long one (over the budget: seconds on the CPU) waits for the
  // "sample" button, and the caption says so. The budget is checked as the draw starts, so a
  // redraw queued behind a running one obeys the settings of its own time.
  const redraw = latestOnly(async () => {
    const o = samplingOptions(Number(count.input.value));
    if (samplerCost(info, o) > AUTO_BUDGET) {
      time.textContent = `Settings changed: press "sample" to draw ${o.n} digits with ${say(o)} (a long chain, seconds per digit on the CPU).`;
      return;
    }
    await drawSamples(seed.read());
  }, showError);
  function syncSampler() {
    const v = sampler.values();
    // eta is DDIM's; guidance needs a digit to guide towards, and its interval limits only
    // guidance beyond the conditional model (w > 1); a consistency model re-noises its digit
    // only from its second step on.
    const unguided = picker.value() === null;
    sampler.disable(
      (h) =>
        (h.key === 'eta' && v.sampler !== 'ddim') ||
        (h.key === 'guidance' && unguided) ||
        (h.key === 'guide_below' && (unguided || v.guidance <= 1)) ||
        (h.key === 'renoise' && v.steps < 2),
    );
  }
  function settingsChanged() {
    syncSampler();
    redraw();
  }
  syncSampler();
  picker.input.addEventListener('change', () => settingsChanged());
  count.input.addEventListener('change', () => redraw());

  // ---- The reverse and the forward process
  const reverse = view.own(
    trajectoryPanel(lab, info, {
      title: words.reverse?.title ?? 'The reverse process, step by step',
      explain: words.reverse?.explain ?? (coded
        ? 'The sampler above, with its states stored: left the noisy code z_t, right the clean code the network predicts from it, both decoded (what the denoiser sees, as a digit). Early predictions are blurry averages; the details settle as t falls.'
        : 'The sampler above, with its states stored: left the noisy state x_t, right the clean digit the network predicts from it. Early predictions are blurry averages; the details settle as t falls.'),
      request: () => {
        const options = { ...samplingOptions(TRAJECTORY_N), seed: seed.read() };
        return { options, what: say(options) };
      },
    }),
  );
  // Only a family with a forward process of its own (not the consistency model, which borrows its teacher's).
  const forward = info.capabilities.diffusion ? view.own(forwardPanel(lab, info)) : null;

  // ---- Training, evaluation, weights
  const { training, evaluation, weights } = view.modelPanels({
    training: {
      explain: words.training ?? `Each step ${coded ? `encodes a batch of digits with the shipped '${info.built_on.join("', '")}' (frozen: training that model on its own page leaves these codes alone), noises the codes` : 'noises a batch of digits'} at random timesteps and trains the U-Net to predict the noise. It is slow on the CPU (the shipped weights took ${info.train_steps.toLocaleString('en')} steps): expect rough blobs after a few hundred. The samples above refresh as it learns.`,
      steps: 500,
      chunk: 1,
      sampleN: 8,
      onSamples: (s, step) => grid.show(s.pixels, { n: s.n, what: `${s.n} samples at training step ${step} (${words.trainingSamples ?? '20 DDIM steps, unconditional'})` }),
    },
    // Fresh samples are scored with the sampler set above; 100 of them, as each takes a full chain.
    evaluate: { screen: () => grid.current(), fresh: 100, settings: () => sampler.values() },
  });

  const own = extras({ seed: () => seed.read(), settings: () => sampler.values(), describe: say });

  view.show(samplesPanel, ...own.map((p) => p.node), reverse.node, ...(forward ? [forward.node] : []), training.node, evaluation.node, weights.node);
  const samples = () => drawSamples(seed.read());
  return view.start({
    first: samples,
    then: [...(forward ? [forward.drawSchedule, forward.draw] : []), reverse.run, ...own.flatMap((p) => (p.then ? [p.then] : []))],
    // Not the step-through run after the model changed: it waits for its button.
    refresh: [samples, ...(forward ? [forward.drawSchedule, () => forward.redraw()] : []), ...own.flatMap((p) => (p.refresh ? [p.refresh] : []))],
  });
}
