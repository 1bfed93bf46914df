// What a draw costs, read from the family's declared sampler settings rather than from its
// name: n samples x `steps` network evaluations (a one-pass sampler declares no steps: 1),
// twice that where classifier-free guidance runs the network with the label and without (only
// at the steps inside the guidance interval, where a family declares one).
// The gallery orders and sizes its cards by it; the diffusion view decides from it whether a
// changed setting redraws by itself.

/**
 * Network evaluations a draw starts by itself within (e.g. 8 digits x 50 steps, or 8 guided
 * digits x 25 steps): beyond it a chain takes seconds on the CPU.
 */
export const AUTO_BUDGET = 400;

const setting = (info, key) => info.sampling.find((h) => h.key === key);

/** True where the family's sampler steers towards a requested digit with a guidance scale w. */
export function guided(info) {
  return info.capabilities.conditional && setting(info, 'guidance') !== undefined;
}

/**
 * @param {import('../genlab.js').FamilyInfo} info
 * @param {{n: number, label?: number, labels?: number[], steps?: number, guidance?: number, guide_below?: number}} options
 *   as for lab.sample; settings left out take their declared defaults
 * @returns {number} network evaluations
 */
export function samplerCost(info, { n, label, labels, steps, guidance, guide_below }) {
  const perSample = steps ?? setting(info, 'steps')?.default ?? 1;
  const w = guidance ?? setting(info, 'guidance')?.default;
  // Guidance w other than 0 or 1 runs the network twice a step; without a label it is moot.
  const twice = guided(info) && (label !== undefined || labels !== undefined) && w !== 0 && w !== 1;
  return n * (perSample + (twice ? guidedSteps(info, perSample, w, guide_below) : 0));
}

/**
 * Steps of the sampler's timestep grid inside the guidance interval t < guide_below: the grid
 * is the "trailing" one of the Rust side's Schedule::timesteps, t_i = round(T - i T / steps) - 1.
 * Every step where the family declares no interval, and for w <= 1, which the interval does
 * not limit (as the Rust side's chain.rs decides).
 */
function guidedSteps(info, steps, w, below) {
  const interval = setting(info, 'guide_below');
  if (!interval || w <= 1) return steps;
  const T = interval.max;
  const b = below ?? interval.default;
  let k = 0;
  for (let i = 0; i < steps; i++) if (Math.round(T - (i * T) / steps) - 1 < b) k++;
  return k;
}

/**
 * The first of `layouts` (each with its `n`, largest first) whose draw fits AUTO_BUDGET, else the
 * last, and what drawing it costs: the gallery's cards and the comparison's rows size their
 * grids by it. `labelsFor(info, n, seed)` gives the labels a draw of n asks for (or undefined).
 * @template {{n: number}} L
 * @param {L[]} layouts
 * @returns {{layout: L, cost: number}}
 */
export function affordableLayout(info, layouts, labelsFor = () => undefined) {
  for (const [i, layout] of layouts.entries()) {
    const cost = samplerCost(info, { n: layout.n, labels: labelsFor(info, layout.n, 0) });
    if (cost <= AUTO_BUDGET || i === layouts.length - 1) return { layout, cost };
  }
  throw new Error('affordableLayout: no layouts');
}
