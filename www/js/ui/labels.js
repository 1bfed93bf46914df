// Which digit to ask a class-conditional model for: none (unconditional, where the model
// can), every digit (a grid with one row per class), or one digit.

import { selectField } from './dom.js';

/**
 * A <select>: '' = none, 'all' = one row per digit, '0'..'9'.
 * @param {string} id
 * @param {{label?: string, none?: string|null, all?: string|null, value?: string|number}} [options]
 *   none / all: the option's text, or null to leave it out
 */
export function labelPicker(id, { label = 'digit', none = 'any (unconditional)', all = 'every digit (a row each)', value } = {}) {
  const options = [];
  if (none) options.push(['', none]);
  if (all) options.push(['all', all]);
  for (let d = 0; d < 10; d++) options.push([String(d), String(d)]);
  const field = selectField(id, label, options, { value: value ?? options[0][0] });
  return {
    ...field,
    /** @returns {null|'all'|number} */
    value() {
      const v = field.input.value;
      if (v === '') return null;
      if (v === 'all') return 'all';
      return Number(v);
    },
  };
}

/**
 * What to sample for a picked label: `{n, cols, label?, labels?, what}` for `lab.sample`.
 * @param {null|'all'|number} choice
 * @param {{n: number, cols: number, perRow: number}} layout  n / cols without a row per digit; perRow with
 */
export function labelRequest(choice, { n, cols, perRow }) {
  if (choice === 'all') {
    const labels = Array.from({ length: 10 * perRow }, (_, i) => Math.floor(i / perRow));
    return { n: labels.length, cols: perRow, labels, what: `${perRow} samples of each digit, one row per digit` };
  }
  if (choice === null) return { n, cols, what: `${n} samples` };
  return { n, cols, label: choice, what: `${n} samples of the digit ${choice}` };
}

/** The sampling options of a request (without layout fields). */
export function labelOptions(req) {
  const o = { n: req.n };
  if (req.labels) o.labels = req.labels;
  if (req.label !== undefined) o.label = req.label;
  return o;
}
