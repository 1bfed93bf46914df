// How a likelihood figure is read: one wording for every panel that shows one, so that an
// exact value, a bound and an estimate, of binarised or 8-bit digits, are never confused.
import { num } from './dom.js';

/** '=' for exact, '≥' for a lower bound, '≈' for an estimate. */
export function relation(ll) {
  return { exact: '=', bound: '≥', estimate: '≈' }[ll.kind] ?? '?';
}

/** "exact", "a lower bound (k importance samples)", "an estimate". */
export function kindText(ll) {
  if (ll.kind === 'exact') return 'exact';
  if (ll.kind === 'estimate') return 'an estimate';
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

/** "log p(x) ≥ −100.7 nats · 0.185 bits/dim". */
export function headline(ll) {
  return `log p(x) ${relation(ll)} ${num(ll.nats, 1)} nats · ${num(ll.bits_per_dim, 3)} bits/dim`;
}
