// The likelihoods side by side, one table per data model: only figures of the same data
// model are ranked together. A probability of binarised pixels, a density of dequantised
// 8-bit pixels and one of intensities are different quantities, so no table ever mixes
// them. Within a group the kinds differ too, and each says so: an exact figure, a lower
// bound (the true figure is higher) or an estimate with its standard error.
//
// Hooks: section.compare-ll; table.compare-ll-group[data-pixels] with tr[data-family][data-rank].

import { el, num } from '../ui/dom.js';
import { kindText, natsText, relation } from '../ui/likelihood.js';
import { dataModelName, defaultReport, fileLabel } from './eval-file.js';
import { count } from './format.js';

/** Why a data model's figures stand apart from the others. */
const WHY = {
  binarized: 'the probability of the digit with every pixel made black or white (the same fixed binarisation for every model)',
  dequantized: 'the density of the digit as 8-bit grey levels, dequantised: a different quantity from a probability of binarised pixels',
  continuous: 'a density of the grey levels as real numbers',
};

/**
 * @param {{title: (family: string) => string}} options  title: a family's name as the table shows it
 * @returns {{node: HTMLElement, show: (file: object, families: object[], groups: object[]) => void, showError: (e: Error) => void}}
 */
export function likelihoodSection({ title }) {
  const body = el('div', { className: 'compare-ll-groups' }, el('p', { className: 'compare-status', textContent: 'loading eval.json…' }));
  const node = el(
    'section',
    { className: 'compare-ll' },
    el('h3', { textContent: 'Likelihoods, comparable groups only' }),
    el('p', {
      className: 'explain',
      textContent: 'A likelihood is the log-probability the model gives to real test digits: higher is better. It only compares between models of the same data model, so each table below holds one; figures in different tables are never ranked together.',
    }),
    body,
  );

  function groupTable(file, group) {
    const rows = group.entries.map((e) =>
      el(
        'tr',
        { dataset: { family: e.family, rank: String(e.rank) } },
        el('td', { textContent: String(e.rank) }),
        el('th', { scope: 'row', textContent: title(e.family) }),
        el('td', { className: 'readout', textContent: `${relation(e.ll)} ${natsText(e.ll)}` }),
        el('td', { className: 'readout', textContent: num(e.ll.bits_per_dim, 3) }),
        el('td', { textContent: kindText(e.ll) }),
      ),
    );
    const n = [...new Set(group.entries.map((e) => e.ll.n))].map(count).join(' / ');
    // In a box of its own that scrolls sideways where the column is narrower than the table.
    const table = el(
      'table',
      { className: 'compare-ll-group', dataset: { pixels: group.pixels } },
      el('caption', {}, `${dataModelName(group.pixels)}: ${group.entries.length} famil${group.entries.length === 1 ? 'y' : 'ies'}, comparable with one another`, el('small', { className: 'compare-detail', textContent: `${WHY[group.pixels] ?? group.pixels}; ${fileLabel(file, `${n} test digits`)}` })),
      el(
        'thead',
        {},
        el('tr', {}, ...['rank', 'family', 'log p(x)', 'bits/dim', 'kind'].map((h) => el('th', { scope: 'col', textContent: h }))),
      ),
      el('tbody', {}, ...rows),
    );
    return el('div', { className: 'compare-ll-scroll' }, table);
  }

  /** `groups`: likelihoodGroups(file, families), which the rows' ranks come from too. */
  function show(file, families, groups) {
    const none = families.filter((f) => !f.capabilities.likelihood).map((f) => title(f.name));
    const unscored = families.filter((f) => f.capabilities.likelihood && !defaultReport(file, f.name)?.likelihood).map((f) => title(f.name));
    const parts = [
      ...groups.map((g) => groupTable(file, g)),
      groups.length > 1 ? el('p', { className: 'explain', textContent: `${groups.length} data models, ${groups.length} separate rankings: a bits/dim of one is no better or worse than a bits/dim of another.` }) : null,
      el('p', { className: 'explain', textContent: '≥: a lower bound, the model\'s true figure is higher, so it may belong further up; ≈: an estimate, ± its standard error; =: exact.' }),
      none.length ? el('p', { className: 'explain', textContent: `No likelihood to compare: ${none.join(', ')} (they sample without giving the probability of a digit).` }) : null,
      unscored.length ? el('p', { className: 'explain', textContent: `Not in eval.json yet: ${unscored.join(', ')} (score them live in the table).` }) : null,
    ];
    body.replaceChildren(...parts.filter(Boolean));
  }

  function showError(e) {
    body.replaceChildren(el('p', { className: 'compare-error', textContent: `failed: ${e.message}` }));
  }

  return { node, show, showError };
}
