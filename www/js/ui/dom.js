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

/** A signed readout with a real minus sign: "−45.2". */
export function signed(v, digits = 1) {
  return num(v, digits).replace('-', '−');
}

/** A titled panel: `panel('Samples', {id, explain}, ...children)`. */
export function panel(title, { id, explain, className = '' } = {}, ...children) {
  return el(
    'section',
    { className: `panel ${className}`.trim(), id },
    el('h2', { textContent: title }),
    explain ? el('p', { className: 'explain', textContent: explain }) : null,
    ...children,
  );
}

/** A labelled <select> of `[value, text]` options. */
export function selectField(id, label, options, { value, title } = {}) {
  const input = el('select', { id, title }, ...options.map(([v, text]) => el('option', { value: String(v), textContent: text })));
  if (value !== undefined) input.value = String(value);
  return { input, node: el('label', { className: 'field', htmlFor: id }, `${label} `, input) };
}

/**
 * Wraps an async function so that calls never pile up: while one runs, only the latest of
 * the calls made meanwhile runs after it (a slider dragged over 50 positions decodes two or
 * three codes, not 50). Errors go to `onError`.
 */
export function latestOnly(fn, onError = (e) => console.error(e)) {
  let running = false;
  let queued = null;
  const go = async (args) => {
    running = true;
    try {
      await fn(...args);
    } catch (e) {
      onError(e);
    } finally {
      running = false;
      if (queued) {
        const next = queued;
        queued = null;
        go(next);
      }
    }
  };
  return (...args) => {
    if (running) queued = args;
    else go(args);
  };
}

/** Saves bytes as a download named `name`. */
export function saveBytes(bytes, name) {
  const url = URL.createObjectURL(new Blob([bytes], { type: 'application/octet-stream' }));
  const a = el('a', { href: url, download: name });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

/** Formats a share in [0, 1] as a percentage. */
export function pct(v, digits = 1) {
  if (v == null || !Number.isFinite(v)) return '–';
  return `${(100 * v).toFixed(digits)}%`;
}
