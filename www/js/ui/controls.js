// Renders controls from declared parameters (a family's `hyper`, or its sampler `sampling`):
// a slider and a number box per numeric parameter (a log-scale slider for 'log-float'), a
// <select> for a 'choice', each with its range and help text. The number box / select carries
// the id `${idPrefix}${key}`, so tests and views can reach every control by its key.

const LOG_STEPS = 200;

function fmt(v, kind) {
  if (kind === 'int') return String(Math.round(v));
  if (kind === 'log-float') return Number(v.toPrecision(3)).toString();
  return Number(v.toPrecision(4)).toString();
}

/** A choice's name from a name or an index (configs show names, declarations hold indices). */
function choiceName(h, v) {
  if (typeof v === 'string' && h.choices.includes(v)) return v;
  return h.choices[Math.round(Number(v))] ?? h.choices[Math.round(h.default)] ?? h.choices[0];
}

function choiceRow(h, id, changed) {
  const select = document.createElement('select');
  select.id = id;
  select.dataset.key = h.key;
  for (const c of h.choices) select.append(Object.assign(document.createElement('option'), { value: c, textContent: c }));
  select.addEventListener('change', changed);
  const help = `${h.help} (${h.choices.join(' / ')}${h.architecture ? ', changes the network' : ''})`;
  return {
    inputs: [select],
    cells: [select, document.createElement('span')],
    help,
    read: () => select.value,
    set: (v) => (select.value = choiceName(h, v)),
  };
}

function numberRow(h, id, changed) {
  const slider = document.createElement('input');
  slider.type = 'range';
  slider.setAttribute('aria-label', `${h.label} slider`);
  const box = document.createElement('input');
  box.type = 'number';
  box.id = id;
  box.dataset.key = h.key;
  box.min = h.min;
  box.max = h.max;
  box.step = h.kind === 'int' ? '1' : 'any';
  const log = h.kind === 'log-float';
  const lmin = Math.log10(Math.max(h.min, 1e-12));
  const lmax = Math.log10(h.max);
  if (log) {
    slider.min = 0;
    slider.max = LOG_STEPS;
    slider.step = 1;
  } else {
    slider.min = h.min;
    slider.max = h.max;
    slider.step = h.kind === 'int' ? 1 : (h.max - h.min) / 100;
  }
  const toSlider = (v) => (log ? Math.round(((Math.log10(v) - lmin) / (lmax - lmin)) * LOG_STEPS) : v);
  const fromSlider = (s) => (log ? 10 ** (lmin + (Number(s) / LOG_STEPS) * (lmax - lmin)) : Number(s));
  slider.addEventListener('input', () => {
    let v = fromSlider(slider.value);
    if (h.kind === 'int') v = Math.round(v);
    box.value = fmt(v, h.kind);
    changed();
  });
  box.addEventListener('change', () => {
    const v = Number(box.value);
    if (Number.isFinite(v)) slider.value = toSlider(Math.min(h.max, Math.max(h.min, v)));
    changed();
  });
  return {
    inputs: [slider, box],
    cells: [slider, box],
    help: `${h.help} (${fmt(h.min, h.kind)}–${fmt(h.max, h.kind)}${h.architecture ? ', changes the network' : ''})`,
    read: () => Number(box.value),
    set: (v) => {
      box.value = fmt(Number(v), h.kind);
      slider.value = toSlider(Number(v));
    },
  };
}

/**
 * @param {HTMLElement} container
 * @param {import('../genlab.js').HyperParam[]} hyper
 * @param {{values?: Object<string, number|string>, onChange?: (values: Object<string, number|string>) => void, idPrefix?: string}} [options]
 * @returns {{values: () => Object<string, number|string>, set: (values: Object<string, number|string>) => void,
 *            disable: (pred: (h: import('../genlab.js').HyperParam) => boolean) => void}}
 *   values(): numbers, and a choice's name
 */
export function renderControls(container, hyper, { values = {}, onChange, idPrefix = 'param-' } = {}) {
  container.replaceChildren();
  container.classList.add('controls');
  const rows = new Map();
  const changed = () => onChange?.(read());
  for (const h of hyper) {
    const row = document.createElement('div');
    row.className = 'control';
    row.title = h.help;
    const label = document.createElement('label');
    label.htmlFor = `${idPrefix}${h.key}`;
    label.textContent = h.label;
    const r = h.kind === 'choice' ? choiceRow(h, `${idPrefix}${h.key}`, changed) : numberRow(h, `${idPrefix}${h.key}`, changed);
    const help = document.createElement('small');
    help.className = 'help';
    help.textContent = r.help;
    r.set(values[h.key] ?? h.default);
    row.append(label, ...r.cells, help);
    container.append(row);
    rows.set(h.key, { h, row, ...r });
  }
  function read() {
    const out = {};
    for (const [key, r] of rows) out[key] = r.read();
    return out;
  }
  return {
    values: read,
    set(vals) {
      for (const [key, v] of Object.entries(vals)) if (v !== undefined && v !== null) rows.get(key)?.set(v);
    },
    disable(pred) {
      for (const { h, inputs, row } of rows.values()) {
        const off = pred(h);
        for (const i of inputs) i.disabled = off;
        row.classList.toggle('disabled', off);
      }
    },
  };
}
