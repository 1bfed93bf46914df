// What a family offers beyond sampling, read off its declared capabilities (never a list of
// families): a capability this file does not know yet still shows, under its own name, so a
// family with something new is not shown as offering less.

/** Capability -> [what the table calls it, what it means]. */
const NAMES = {
  conditional: ['conditional', 'draws the digit it is asked for'],
  latent: ['latent space', 'samples are decoded from codes one can move through'],
  encoder: ['encoder', 'maps a digit to its code'],
  reconstruct: ['reconstruction', 'passes a digit through the model and back'],
  invertible: ['invertible', 'encoding and decoding are exact inverses, layer by layer'],
  trajectory: ['step-through', 'the sampler can be watched step by step'],
  diffusion: ['noising process', 'a diffusion model: the forward process can be shown'],
  trajectory_map: ['consistency map', 'maps every point of its teacher\'s sampling path to a digit in one step'],
  completion: ['completion', 'completes a digit from its top rows'],
  pixel_likelihood: ['per-pixel likelihood', 'says how surprised it is at every pixel'],
  energy: ['energy', 'an energy-based model: free energies, hidden units, filters'],
  classify: ['classifier', 'classifies digits with what it learnt'],
};

const LIKELIHOOD = {
  exact: ['exact likelihood', 'log p(x) computed exactly'],
  bound: ['likelihood bound', 'a lower bound on log p(x)'],
  estimate: ['likelihood estimate', 'log p(x) estimated, with a standard error'],
};

/**
 * The family's offers, likelihood first: `[{key, name, help}]`.
 * @param {import('../genlab.js').FamilyInfo} info
 */
export function offers(info) {
  const out = [];
  for (const [key, value] of Object.entries(info.capabilities)) {
    if (!value) continue;
    const [name, help] = key === 'likelihood' ? LIKELIHOOD[value] ?? [`likelihood (${value})`, ''] : NAMES[key] ?? [key.replace(/_/g, ' '), ''];
    const item = { key, name, help };
    if (key === 'likelihood') out.unshift(item);
    else out.push(item);
  }
  return out;
}
