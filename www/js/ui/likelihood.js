// How a likelihood figure is read: one wording for every panel that shows one, so that an
// exact value, a bound and an estimate, of binarised or 8-bit digits, are never confused. An
// estimate (an energy model's: log Z by annealed importance sampling) carries its standard
// error, `uncertainty` in nats, shown as "± se".
import { num } from './dom.js';

/** '=' for exact, '≥' for a lower bound, '≈' for an estimate. */
export function relation(ll) {
  return { exact: '=', bound: '≥', estimate: '≈' }[ll.kind] ?? '?';
}

/** " ± 0.42" where the figure has a standard error, else ''. */
export function plusMinus(ll, digits = 2) {
  return ll.uncertainty != null && Number.isFinite(ll.uncertainty) ? ` ± ${num(ll.uncertainty, digits)}` : '';
}

/** "−86.3 nats", "−86.3 ± 0.42 nats": the figure with its standard error where it has one. */
export function natsText(ll) {
  return `${num(ll.nats, 1).replace('-', '−')}${plusMinus(ll)} nats`;
}

/** "exact", "a lower bound (k importance samples)", "an estimate (standard error ± 0.42 nats)". */
export function kindText(ll) {
  if (ll.kind === 'exact') return 'exact';
  if (ll.kind === 'estimate') return ll.uncertainty != null ? `an estimate (standard error ±${num(ll.uncertainty, 2)} nats)` : 'an estimate';
  return `a lower bound (${ll.samples} importance sample${ll.samples === 1 ? '' : 's'})`;
}

/** What the figure is a likelihood of: the family's pixel model. */
export function dataText(ll) {
  return {
    binarized: 'pixels binarised (Bernoulli)',
    dequantized: '8-bit pixels, dequantised (not comparable with binarised figures)',
    continuous: 'pixels as intensities',
  }[ll.pixels] ?? ll.pixels;
}

/** "log p(x) ≥ −100.7 nats · 0.185 bits/dim", "log p(x) ≈ −86.3 ± 0.42 nats · 0.159 bits/dim". */
export function headline(ll) {
  return `log p(x) ${relation(ll)} ${natsText(ll)} · ${num(ll.bits_per_dim, 3)} bits/dim`;
}
