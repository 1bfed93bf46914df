// A few DOM helpers, so that views stay declarative without a framework.

/**
 * Creates an element: `el('button', {id: 'x', textContent: 'go'}, child, 'text')`.
 * Props are assigned as properties, except `dataset` (merged) and keys with a dash (attributes).
 */
export function el(tag, props = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (v === undefined) continue;
    if (k === 'dataset') Object.assign(e.dataset, v);
    else if (k.includes('-')) e.setAttribute(k, v);
    else e[k] = v;
  }
  e.append(...children.filter((c) => c !== null && c !== undefined && c !== false));
  return e;
}

/** A labelled number input. */
export function numberField(id, label, { value, min, max, step = 1, title } = {}) {
  const input = el('input', { type: 'number', id, value: String(value), min, max, step, title });
  return { input, node: el('label', { className: 'field', htmlFor: id }, `${label} `, input) };
}

/** A random seed in [0, 1e9). */
export function randomSeed() {
  return Math.floor(Math.random() * 1e9);
}

/** Reads a whole number from an input, or throws an Error naming the field. */
export function readInt(input, name, min, max) {
  const v = Number(input.value);
  if (!Number.isInteger(v) || v < min || v > max) throw new Error(`${name} must be a whole number in [${min}, ${max}], got '${input.value}'`);
  return v;
}

/** Formats a number for a readout. */
export function num(v, digits = 1) {
  if (v == null || !Number.isFinite(v)) return '–';
  return v.toFixed(digits);
}
