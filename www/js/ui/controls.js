// Renders a family's hyper-parameter controls from its declared `hyper` list: a slider and a
// number box per parameter (a log-scale slider for 'log-float'), with the range and help text.

const LOG_STEPS = 200;

function fmt(v, kind) {
  if (kind === 'int') return String(Math.round(v));
  if (kind === 'log-float') return Number(v.toPrecision(3)).toString();
  return Number(v.toPrecision(4)).toString();
}

/**
 * @param {HTMLElement} container
 * @param {import('../genlab.js').HyperParam[]} hyper
 * @param {{values?: Object<string, number>, onChange?: (values: Object<string, number>) => void, idPrefix?: string}} [options]
 * @returns {{values: () => Object<string, number>, set: (values: Object<string, number>) => void,
 *            disable: (pred: (h: import('../genlab.js').HyperParam) => boolean) => void}}
 */
export function renderControls(container, hyper, { values = {}, onChange, idPrefix = 'param-' } = {}) {
  container.replaceChildren();
  container.classList.add('controls');
  const rows = new Map();
  for (const h of hyper) {
    const row = document.createElement('div');
    row.className = 'control';
    row.title = h.help;
    const label = document.createElement('label');
    label.htmlFor = `${idPrefix}${h.key}`;
    label.textContent = h.label;
    const slider = document.createElement('input');
    slider.type = 'range';
    slider.setAttribute('aria-label', `${h.label} slider`);
    const box = document.createElement('input');
    box.type = 'number';
    box.id = `${idPrefix}${h.key}`;
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
    const help = document.createElement('small');
    help.className = 'help';
    help.textContent = `${h.help} (${fmt(h.min, h.kind)}–${fmt(h.max, h.kind)}${h.architecture ? ', changes the network' : ''})`;
    const set = (v) => {
      box.value = fmt(v, h.kind);
      slider.value = toSlider(v);
    };
    slider.addEventListener('input', () => {
      let v = fromSlider(slider.value);
      if (h.kind === 'int') v = Math.round(v);
      box.value = fmt(v, h.kind);
      onChange?.(read());
    });
    box.addEventListener('change', () => {
      const v = Number(box.value);
      if (Number.isFinite(v)) slider.value = toSlider(Math.min(h.max, Math.max(h.min, v)));
      onChange?.(read());
    });
    set(values[h.key] ?? h.default);
    row.append(label, slider, box, help);
    container.append(row);
    rows.set(h.key, { h, slider, box, set, row });
  }
  function read() {
    const out = {};
    for (const [key, { box }] of rows) out[key] = Number(box.value);
    return out;
  }
  return {
    values: read,
    set(vals) {
      for (const [key, v] of Object.entries(vals)) rows.get(key)?.set(v);
    },
    disable(pred) {
      for (const { h, slider, box, row } of rows.values()) {
        const off = pred(h);
        slider.disabled = box.disabled = off;
        row.classList.toggle('disabled', off);
      }
    },
  };
}
