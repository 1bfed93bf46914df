// What both pages share: opening the lab on the chosen backend, the backend indicator and
// switcher, and the error / notice area. Errors always end up visible: in #error, or, for a
// panel mounted in a shadow root that asked for its own (a <genlab-demo>), in that root's.

import { GenLab, MAX_SEED } from '../genlab.js';

const STORE_KEY = 'genlab.backend';
const CHOICES = ['auto', 'webgpu', 'cpu'];

/** The backend the user chose: ?backend= (any case), else the last choice, else 'auto'. */
export function backendChoice() {
  const fromUrl = new URLSearchParams(location.search).get('backend')?.toLowerCase();
  if (CHOICES.includes(fromUrl)) return fromUrl;
  try {
    const saved = localStorage.getItem(STORE_KEY);
    if (CHOICES.includes(saved)) return saved;
  } catch {
    // storage may be off: fine
  }
  return 'auto';
}

/**
 * What is wrong with ?backend=, if anything (a value that is no backend, empty included):
 * 'Unknown backend "bogus": using auto (choices: auto, webgpu, cpu)'; '' when it is fine or absent.
 */
export function backendProblem() {
  const fromUrl = new URLSearchParams(location.search).get('backend');
  if (fromUrl === null || CHOICES.includes(fromUrl.toLowerCase())) return '';
  return `Unknown backend ${JSON.stringify(fromUrl)}: using ${backendChoice()} (choices: ${CHOICES.join(', ')})`;
}

function rememberChoice(choice) {
  try {
    localStorage.setItem(STORE_KEY, choice);
  } catch {
    // ignore
  }
  const url = new URL(location.href);
  url.searchParams.set('backend', choice);
  history.replaceState(null, '', url);
}

/** "Backend: WebGPU (adapter)" or "Backend: CPU (Flex) — reason". */
export function backendLabel(lab) {
  if (!lab) return 'Backend: starting…';
  if (lab.backend === 'webgpu') {
    const a = lab.adapter;
    const name = a ? [a.vendor, a.architecture, a.description].filter(Boolean).join(' ') : '';
    return `Backend: WebGPU (${name || 'adapter'})`;
  }
  return `Backend: CPU (Flex)${lab.backendReason ? ` — ${lab.backendReason}` : ''}`;
}

function errorBox() {
  let el = document.getElementById('error');
  if (!el) {
    el = document.createElement('div');
    el.id = 'error';
    el.className = 'error';
    el.setAttribute('role', 'alert');
    (document.querySelector('main') || document.body).prepend(el);
  }
  return el;
}

/** Shadow roots that show their own errors: root -> its `show(err)`. */
const errorSinks = new WeakMap();

/**
 * Routes the errors of the panels under `root` (a shadow root: a <genlab-demo>'s) to
 * `show(err)` instead of the page's #error, which is the page author's, not the demo's.
 * @param {Node} root
 * @param {(err: Error|string) => void} show
 */
export function routeErrors(root, show) {
  errorSinks.set(root, show);
}

/**
 * Shows an error message (an Error or a string) in #error; with `from`, a node of the panel
 * it came from, in the error area of that node's shadow root if it has one (routeErrors).
 * @param {Error|string} err
 * @param {Node} [from]
 */
export function showError(err, from) {
  if (err?.closed) return; // a call on a lab that was closed on purpose (backend switch)
  const sink = from?.getRootNode && errorSinks.get(from.getRootNode());
  if (sink) return sink(err);
  const msg = err instanceof Error ? err.message : String(err);
  console.error('genlab:', err);
  const el = errorBox();
  el.replaceChildren();
  const text = document.createElement('span');
  text.className = 'message';
  text.textContent = msg;
  const close = document.createElement('button');
  close.type = 'button';
  close.className = 'dismiss';
  close.textContent = '×';
  close.title = 'dismiss';
  close.addEventListener('click', clearError);
  el.append(text, close);
  el.hidden = false;
}

export function clearError() {
  const el = document.getElementById('error');
  if (el) {
    el.hidden = true;
    el.replaceChildren();
  }
}

function noticeBox() {
  let el = document.getElementById('notice');
  if (!el) {
    el = document.createElement('div');
    el.id = 'notice';
    el.className = 'notice';
    el.setAttribute('role', 'status');
    errorBox().after(el);
  }
  return el;
}

/** Shows an informational message (not an error) in #notice, replacing what it said; '' hides it. */
export function showNotice(msg) {
  const el = noticeBox();
  el.replaceChildren();
  el.hidden = true;
  if (msg) addNotice(msg);
}

/**
 * Adds a line to #notice below what it says already (one line per problem: an unknown backend
 * and an unknown family both show). `parts` are strings and nodes (links, say).
 */
export function addNotice(...parts) {
  const el = noticeBox();
  // One flex item holding the lines (.notice lays its children out in a row).
  let body = el.querySelector(':scope > .message');
  if (!body) {
    el.replaceChildren();
    body = document.createElement('div');
    body.className = 'message';
    el.append(body);
  }
  const line = document.createElement('div');
  line.className = 'notice-line';
  line.append(...parts);
  body.append(line);
  el.hidden = false;
}

/**
 * Runs `fn`, showing any error it throws (where showError(e, from) shows it); returns its
 * result (undefined on error).
 * @param {() => any} fn
 * @param {Node} [from]  a node of the panel that runs it
 */
export async function guard(fn, from) {
  try {
    return await fn();
  } catch (e) {
    showError(e, from);
    return undefined;
  }
}

/**
 * Opens the lab and keeps the page's indicator and switcher in step with it.
 *
 * @param {(lab: GenLab) => Promise<(() => void)|void>} start  draws the page for a lab; may
 *   return a clean-up function, called before the lab is replaced (backend switch)
 */
export async function runPage(start) {
  const indicator = document.getElementById('backend');
  const select = document.getElementById('backend-select');
  let lab = null;
  let cleanup = null;
  const show = () => {
    if (indicator) {
      indicator.textContent = backendLabel(lab);
      indicator.dataset.backend = lab?.backend || '';
      indicator.title = lab?.backendReason || '';
    }
  };

  async function open(choice) {
    show();
    try {
      lab = await GenLab.open({ backend: choice });
    } catch (e) {
      if (indicator) indicator.textContent = 'Backend: failed to start';
      showError(`GenLab could not start: ${e.message}`);
      document.body.dataset.ready = 'error';
      return;
    }
    window.genlab = lab;
    show();
    lab.on('backend', ({ reason, failed }) => {
      show();
      if (failed) showError(reason);
      else showNotice(reason);
    });
    try {
      cleanup = (await start(lab)) || null;
    } catch (e) {
      showError(e);
      if (!e?.closed) document.body.dataset.ready = 'error';
    }
  }

  // ?backend=bogus: say so, and which backend runs instead (cleared by the switcher's choice).
  const problem = backendProblem();
  if (problem) addNotice(problem);

  if (select) {
    select.value = backendChoice();
    select.addEventListener('change', async () => {
      const choice = select.value;
      rememberChoice(choice);
      clearError();
      showNotice('');
      delete document.body.dataset.ready;
      try {
        cleanup?.();
      } catch (e) {
        console.error(e);
      }
      cleanup = null;
      lab?.close();
      lab = null;
      await open(choice);
    });
  }
  await open(backendChoice());
}

/**
 * ?seed=N, a whole number in 0..MAX_SEED; null when absent, and null with a notice naming the
 * value and `instead` (what the page does then) when it is not one.
 * @param {string} instead  e.g. 'using seed 0'
 */
export function seedParam(instead) {
  const raw = new URLSearchParams(location.search).get('seed');
  if (raw === null) return null;
  const v = Number(raw);
  if (raw.trim() !== '' && Number.isInteger(v) && v >= 0 && v <= MAX_SEED) return v;
  addNotice(`Unknown seed ${JSON.stringify(raw)}: ${instead} (a whole number from 0 to ${MAX_SEED})`);
  return null;
}
