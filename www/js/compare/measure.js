// The two speeds the comparison measures in the reader's browser.
//
// Time per digit: the wall-clock time of one lab.sample call seen from the page (the trip to
// the worker and back included, as a reader waits for it) over the digits it drew. The
// family's weights are loaded and its sampler run once on one digit beforehand, so that
// neither the download nor a first run's set-up (WebGPU compiles its kernels then) is timed.
//
// Time per training step: a few steps of training the shipped model (from: 'pretrained', so
// the network is the one shipped, not the defaults), one step at a time; the first step is a
// warm-up (set-up, kernels) and is not counted. The worker times each chunk itself
// (stepsPerSec), so the figure is the step alone, not the messages around it. The model the
// lab had is put back afterwards, whatever happened: the table's samples and figures stay the
// shipped model's, and in a page whose parts share the lab (several <genlab-demo> elements) a
// model the reader trained elsewhere on the page is not replaced by the pretrained one.

/** Training steps timed after the warm-up step. */
export const TIMED_STEPS = 2;

/** The sampler's cheapest settings for the warm-up: the fewest steps where it declares `steps`. */
function warmUpSettings(info) {
  const steps = info.sampling.find((h) => h.key === 'steps');
  return steps ? { steps: steps.min } : {};
}

/**
 * Draws `n` samples and times the call.
 * @param {import('../genlab.js').GenLab} lab
 * @param {import('../genlab.js').FamilyInfo} info
 * @param {{n: number, seed: number, labels?: number[]}} request
 * @returns {Promise<{pixels: Float32Array, ms: number, backend: string}>}
 */
export async function timedSample(lab, info, { n, seed, labels }) {
  await lab.config(info.name); // loads the pretrained weights unless the lab has a model already
  await lab.sample(info.name, { n: 1, seed, labels: labels?.slice(0, 1), ...warmUpSettings(info) });
  const t0 = performance.now();
  const s = await lab.sample(info.name, { n, seed, labels });
  const ms = performance.now() - t0;
  return { pixels: s.pixels, ms, backend: lab.backend };
}

/**
 * Times `TIMED_STEPS` training steps of the shipped model after a warm-up step, then puts the
 * model the lab had back.
 * @param {import('../genlab.js').GenLab} lab
 * @param {import('../genlab.js').FamilyInfo} info
 * @param {{seed?: number, onStep?: (step: number, total: number) => void, onRun?: (run: import('../genlab.js').TrainHandle) => void}} [options]
 *   onRun: the run once started (to stop it when the table goes away)
 * @returns {Promise<{msPerStep: number, steps: number, batch: number|null, backend: string}>}
 */
export async function timedTraining(lab, info, { seed = 0, onStep, onRun } = {}) {
  const total = TIMED_STEPS + 1;
  const previous = await lab.exportWeights(info.name); // the pretrained weights unless the page changed them
  const run = lab.train(info.name, { from: 'pretrained', steps: total, chunk: 1, sampleEvery: 0, snapshotEvery: 0, seed });
  onRun?.(run);
  const seconds = [];
  run.on('progress', (p) => {
    seconds.push(1 / p.stepsPerSec);
    onStep?.(p.step, total);
  });
  let failure = null;
  // A device lost (or a crash) under the run pauses it for a resume() on the CPU, and its
  // `done` waits for that: this timing would never end, and the table's queue behind it
  // would stall. Its steps would straddle two backends anyway: end it, as a failure.
  run.on('state', ({ state, reason }) => {
    if (state !== 'paused' || !run.interrupted) return;
    failure ??= new Error(`the timing was interrupted: ${reason}`);
    run.stop().catch(() => {});
  });
  try {
    await run.done;
  } catch (e) {
    failure ??= e;
  }
  if (!lab.closed) {
    try {
      await lab.loadWeights(info.name, previous);
    } catch (e) {
      failure ??= new Error(`the model's weights could not be put back after timing the training: ${e.message}`);
    }
  }
  if (failure) throw failure;
  const timed = seconds.slice(1);
  if (!timed.length) throw new Error(`the run ended after ${run.step} of ${total} steps (${run.state}): nothing to time`);
  const mean = timed.reduce((s, x) => s + x, 0) / timed.length;
  return { msPerStep: 1000 * mean, steps: timed.length, batch: run.config?.batch ?? null, backend: lab.backend };
}
