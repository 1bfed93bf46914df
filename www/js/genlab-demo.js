/**
 * `<genlab-demo>`: a live GenLab demo for a blog post or any page.
 *
 * ```html
 * <script type="module" src="https://YOUR-HOST/js/genlab-demo.js"></script>
 * <genlab-demo family="vae" view="samples" seed="3"></genlab-demo>
 * ```
 *
 * Attributes (all optional but `family`):
 * - `family`: a registered family: vae, gan, cgan, ddpm, autoencoder, latent-diffusion,
 *   consistency, pixelcnn, nice, realnvp, rbm, dbm, naive-bayes (the registry's, read at run time).
 * - `view` (default `samples`): what to show. Which views a family offers comes from its
 *   declared capabilities: `samples` and `train` (every family), `latent` (a latent space),
 *   `chain` (a step-by-step sampler, played back), `complete` (completes a digit begun on a
 *   drawing pad), `reconstruct`, `filters` (an energy model's), `forward` (diffusion's noising),
 *   and `compare` (every family side by side; `family` may then be left out). Asking a family
 *   for a view it lacks names the views it has.
 * - `backend`: `auto` (WebGPU on a hardware adapter, else the CPU), `webgpu` or `cpu`. Default:
 *   the page's `<meta name="genlab-backend" content="...">`, else `auto`.
 * - `seed`: a whole number in 0..4294967295 (default 0): the same seed draws the same digits.
 *   (`complete` also starts from test digit number seed, modulo 10,000.)
 * - `n`: how many digits (1..64; default 16 samples, or 8 or 4 where a long sampling chain
 *   would take seconds; 4 chains for `chain`, 8 completions for `complete`); for `filters`,
 *   how many hidden units (default 100).
 * - `label`: for a class-conditional family, the digit to draw (0..9), `all` (each digit in
 *   turn, the default) or `any` (unconditional).
 * - `base`: URL of the folder holding `pkg/`, `weights/` and `data/` (default: the folder
 *   above this script, `new URL('..', import.meta.url)`). Files on another origin than the page
 *   need a server that sends `Access-Control-Allow-Origin`.
 * - `loading`: `lazy` (default: nothing is fetched until the element comes near the viewport)
 *   or `eager`.
 *
 * Every element of a page with the same `base` and `backend` shares one GenLab: one worker,
 * one wasm instance, one model per family (training in a `train` view changes what the other
 * elements of that family draw). A bad attribute, or files that fail to load, are reported
 * inside the element, naming the value or the URL; the page around it never breaks.
 *
 * Styling: the host is `display: block` and takes the width the page gives it. Custom
 * properties: `--genlab-accent`, `--genlab-accent-ink`, `--genlab-bg`, `--genlab-ink`,
 * `--genlab-muted`, `--genlab-line`, `--genlab-radius`, `--genlab-font`, `--genlab-font-size`.
 * Parts: `frame` (the box), `header`, `status` (the loading line), `progress` (its bar),
 * `error`, `body` (the view), `controls` (each row of buttons and fields), `canvas` (each
 * picture), `caption` (the line under it).
 *
 * Script API: `element.state` ('waiting' | 'loading' | 'ready' | 'error', also the `state`
 * attribute), `element.lab` (the shared GenLab once open), `element.load()` (load now);
 * events `genlab-progress` (detail: a Download: {stage, family, url, loaded, total, done}),
 * `genlab-ready` and `genlab-error` (detail: {message}), all bubbling out of the shadow root.
 *
 * @module genlab-demo
 */

import { MAX_SEED } from './genlab.js';
import { demoStyles } from './demo/style.js';
import { el } from './ui/dom.js';

const HERE = new URL('.', import.meta.url);
const BACKENDS = ['auto', 'webgpu', 'cpu'];
/** How near the viewport an element starts loading: a little before it is seen. */
const ROOT_MARGIN = '200px 0px';
const MAX_N = 64;

/** A problem with an attribute: shown in the element, nothing loaded. */
class AttributeError extends Error {}

/** A whole-number attribute, or `fallback` when absent. */
function intAttribute(demo, name, min, max, fallback) {
  const raw = demo.getAttribute(name);
  if (raw === null) return fallback;
  const v = Number(raw.trim());
  if (raw.trim() === '' || !Number.isInteger(v) || v < min || v > max) throw new AttributeError(`${name}="${raw}" is not a whole number in ${min}..${max}`);
  return v;
}

/** The attributes, checked; throws an AttributeError naming the first bad one. */
function readAttributes(demo) {
  const view = (demo.getAttribute('view') ?? 'samples').trim().toLowerCase() || 'samples';
  const family = (demo.getAttribute('family') ?? '').trim();
  if (!family && view !== 'compare') throw new AttributeError('the family attribute is missing: e.g. <genlab-demo family="vae">');
  const pageDefault = document.querySelector('meta[name="genlab-backend"]')?.getAttribute('content');
  const backend = (demo.getAttribute('backend') ?? pageDefault ?? 'auto').trim().toLowerCase();
  if (!BACKENDS.includes(backend)) {
    const from = demo.hasAttribute('backend') ? `backend="${demo.getAttribute('backend')}"` : `the page's <meta name="genlab-backend" content="${pageDefault}">`;
    throw new AttributeError(`${from} is not a backend: use ${BACKENDS.join(', ')}`);
  }
  const loading = (demo.getAttribute('loading') ?? 'lazy').trim().toLowerCase();
  if (loading !== 'lazy' && loading !== 'eager') throw new AttributeError(`loading="${demo.getAttribute('loading')}": use lazy or eager`);
  let base;
  try {
    base = new URL(demo.getAttribute('base') ?? new URL('..', HERE), document.baseURI);
  } catch {
    throw new AttributeError(`base="${demo.getAttribute('base')}" is not a URL`);
  }
  if (!base.pathname.endsWith('/')) base.pathname += '/'; // a folder, whether or not written with its slash
  const rawLabel = demo.getAttribute('label');
  let label = null;
  if (rawLabel !== null) {
    const l = rawLabel.trim().toLowerCase();
    if (l === 'all' || l === 'any') label = l;
    else if (/^[0-9]$/.test(l)) label = Number(l);
    else throw new AttributeError(`label="${rawLabel}" is not a digit 0..9, all or any`);
  }
  return {
    family,
    view,
    backend,
    loading,
    base: base.href,
    seed: intAttribute(demo, 'seed', 0, MAX_SEED, 0),
    n: intAttribute(demo, 'n', 1, MAX_N, null),
    label,
  };
}

/** "1.9 MB", "640 kB", "0 bytes". */
function size(bytes) {
  if (bytes >= 1e6) return `${(bytes / 1e6).toFixed(1)} MB`;
  return bytes >= 1e3 ? `${Math.round(bytes / 1e3)} kB` : `${bytes} bytes`;
}

/** What a download is, for the loading line. */
function downloadName(d, title) {
  if (d.stage === 'wasm') return 'the model code (WebAssembly)';
  if (d.stage === 'weights') return `the ${title ?? d.family}'s weights`;
  if (d.stage === 'judge') return "the judge's weights";
  return 'MNIST digits';
}

/** A name for a chart's canvas (uPlot's, which has none): the series it plots. */
function chartLabel(canvas) {
  const series = [...(canvas.closest('.uplot')?.querySelectorAll('.u-series .u-label') ?? [])].map((l) => l.textContent.trim()).filter(Boolean);
  return series.length ? `a chart of ${series.join(', ')}` : 'a picture drawn by the model';
}

export class GenLabDemo extends HTMLElement {
  static observedAttributes = ['family', 'view', 'backend', 'seed', 'n', 'label', 'base', 'loading'];

  constructor() {
    super();
    const root = this.attachShadow({ mode: 'open' });
    root.adoptedStyleSheets = [demoStyles()];
    this._title = el('span', { className: 'title' });
    this._viewName = el('span', { className: 'view-name' });
    this._statusText = el('span', { className: 'status-text' });
    // The byte counts change ten times a second: shown, but kept out of the live region, so a
    // screen reader announces each download once rather than every count.
    this._bytes = el('span', { className: 'status-bytes' });
    this._bytes.setAttribute('aria-hidden', 'true');
    this._bar = el('progress', { max: 1, hidden: true });
    this._bar.setAttribute('part', 'progress');
    this._loadBtn = el('button', { type: 'button', textContent: 'load the demo now' });
    this._loadBtn.addEventListener('click', () => this.load());
    this._status = el('div', { className: 'status' }, this._statusText, this._bytes, this._bar, this._loadBtn);
    this._status.setAttribute('role', 'status');
    this._error = el('div', { className: 'error', hidden: true });
    this._error.setAttribute('role', 'alert');
    this._body = el('div', { className: 'body view' });
    this._caption = el('figcaption', { className: 'foot' });
    const head = el('div', { className: 'head' }, this._title, this._viewName);
    this._frame = el('figure', { className: 'frame' }, head, this._status, this._error, this._body, this._caption);
    for (const [node, part] of [[this._frame, 'frame'], [head, 'header'], [this._status, 'status'], [this._error, 'error'], [this._body, 'body'], [this._caption, 'caption']]) {
      node.setAttribute('part', part);
    }
    root.append(this._frame);
    /** @type {import('./genlab.js').GenLab|null} the shared lab, once open */
    this.lab = null;
    this._observer = null;
    this._started = false;
    this._generation = 0;
    this._cleanup = null;
    this._queued = false;
    this._wired = false; // connected once: attribute changes from then on redraw
    this._titleOf = null; // the family's title, once known
  }

  /** 'waiting' (for the viewport), 'loading', 'ready' or 'error'. */
  get state() {
    return this.getAttribute('state') ?? 'waiting';
  }

  connectedCallback() {
    this._wired = true;
    if (this._started) {
      // Moved in the page: draw again (the view was cleaned up when it left).
      this._schedule();
      return;
    }
    this._wait();
  }

  /** The attributes, checked; null (the problem shown in the element) when one is bad. */
  _attributes() {
    try {
      return readAttributes(this);
    } catch (e) {
      this._fail(e.message);
      return null;
    }
  }

  /** Before loading: checks the attributes, then waits for the viewport (or loads now). */
  _wait() {
    this._observer?.disconnect();
    this._observer = null;
    const attrs = this._attributes();
    if (!attrs) return;
    this._setState('waiting');
    this._error.hidden = true;
    this._status.hidden = false;
    this._title.textContent = attrs.family || 'GenLab';
    this._viewName.textContent = attrs.view;
    this._statusText.textContent = 'A live demo: it loads when it scrolls into view.';
    this._bytes.textContent = '';
    this._loadBtn.hidden = false;
    if (attrs.loading === 'eager' || typeof IntersectionObserver === 'undefined') {
      this.load();
      return;
    }
    this._observer = new IntersectionObserver(
      (entries) => {
        if (entries.some((e) => e.isIntersecting)) this.load();
      },
      { rootMargin: ROOT_MARGIN },
    );
    this._observer.observe(this);
  }

  disconnectedCallback() {
    this._observer?.disconnect();
    this._observer = null;
    this._generation++; // a draw under way is dropped
    this._teardown();
  }

  attributeChangedCallback(name, old, value) {
    // The attributes an element is created with are read when it connects.
    if (old === value || !this._wired || !this.isConnected) return;
    if (this._started) this._schedule();
    else this._wait(); // not loaded yet: check the new values now, load when due
  }

  /** Loads and draws the demo now, whether or not it has scrolled into view. */
  load() {
    this._observer?.disconnect();
    this._observer = null;
    if (this._started) return;
    this._started = true;
    this._render();
  }

  /** Redraws once after a burst of attribute changes. */
  _schedule() {
    if (this._queued) return;
    this._queued = true;
    queueMicrotask(() => {
      this._queued = false;
      if (this.isConnected && this._started) this._render();
    });
  }

  _teardown() {
    try {
      this._cleanup?.();
    } catch (e) {
      console.error('genlab-demo: cleaning up the view failed', e);
    }
    this._cleanup = null;
  }

  _setState(state) {
    this.setAttribute('state', state);
  }

  _emit(type, detail) {
    this.dispatchEvent(new CustomEvent(type, { detail, bubbles: true, composed: true }));
  }

  /** The loading line: a download's bytes, or what is happening. */
  _progress(d) {
    const what = downloadName(d, this._titleOf);
    this._bar.hidden = false;
    const line = `Downloading ${what}`;
    if (this._statusText.textContent !== line) this._statusText.textContent = line;
    if (d.total) {
      this._bar.max = d.total;
      this._bar.value = d.loaded;
      this._bytes.textContent = `: ${size(d.loaded)} of ${size(d.total)}`;
    } else {
      this._bar.removeAttribute('value'); // indeterminate
      this._bytes.textContent = `: ${size(d.loaded)}`;
    }
    this._bar.setAttribute('aria-label', `downloading ${what}`);
    this._emit('genlab-progress', d);
  }

  _busy(text) {
    this._status.hidden = false;
    this._loadBtn.hidden = true;
    this._statusText.textContent = text;
    this._bytes.textContent = '';
  }

  /** Shows an error inside the element; `retry` adds a button that tries again. */
  _fail(message, { retry = false } = {}) {
    if (!this._title.textContent) this._title.textContent = this.getAttribute('family') || 'GenLab demo';
    this._status.hidden = true;
    this._error.replaceChildren(el('span', { className: 'message', textContent: message }));
    if (retry) {
      const again = el('button', { type: 'button', textContent: 'try again' });
      again.addEventListener('click', () => this._render());
      this._error.append(again);
    }
    this._error.hidden = false;
    this._setState('error');
    this._emit('genlab-error', { message });
  }

  /** An error from a control of the view (a button's draw that failed): the view stays. */
  _showError(err) {
    if (err?.closed) return;
    console.error('genlab-demo:', err);
    this._error.replaceChildren(el('span', { className: 'message', textContent: err instanceof Error ? err.message : String(err) }));
    const close = el('button', { type: 'button', textContent: 'dismiss' });
    close.addEventListener('click', () => (this._error.hidden = true));
    this._error.append(close);
    this._error.hidden = false;
  }

  async _render() {
    const generation = ++this._generation;
    const stale = () => generation !== this._generation;
    this._teardown();
    // A body of its own for each render: a view still mounting for an earlier render (the
    // element moved, or its attributes changed, while it loaded) finishes in the old, detached
    // one instead of adding a second view to this one; its failures only reach the console.
    const body = el('div', { className: 'body view' });
    body.setAttribute('part', 'body');
    this._body.replaceWith(body);
    this._body = body;
    this._caption.replaceChildren();
    this._error.hidden = true;
    const attrs = this._attributes();
    if (!attrs) return;
    this._setState('loading');
    this._viewName.textContent = attrs.view;
    this._busy('Starting GenLab…');

    let sharedLab, views, routeErrors;
    try {
      [{ sharedLab }, views, { routeErrors }] = await Promise.all([import('./demo/labs.js'), import('./demo/views.js'), import('./ui/page.js')]);
    } catch (e) {
      if (!stale()) this._fail(`the demo's scripts could not be loaded from ${HERE.href}: ${e.message}`, { retry: true });
      return;
    }
    if (stale()) return;
    routeErrors(this.shadowRoot, (err) => this._showError(err));
    // Once replaced, this body is detached and its own root node: its views' errors land here.
    routeErrors(body, (err) => err?.closed || console.error('genlab-demo: a replaced view failed', err));
    this._linkStyles();

    let lab;
    try {
      lab = await sharedLab({ base: attrs.base, backend: attrs.backend }, (d) => !stale() && this._progress(d));
    } catch (e) {
      if (!stale()) this._fail(`GenLab could not start from ${attrs.base}: ${e.message}`, { retry: true });
      return;
    }
    if (stale()) return;
    this.lab = lab;

    let info = lab.family(attrs.family);
    if (!info && attrs.view === 'compare') info = lab.families()[0];
    if (!info) {
      this._fail(`unknown family "${attrs.family}": the families are ${lab.families().map((f) => f.name).join(', ')}`);
      return;
    }
    let view;
    try {
      view = views.viewFor(attrs.view, info);
    } catch (e) {
      this._fail(e.message);
      return;
    }
    if (attrs.label !== null && !info.capabilities.conditional && view.name !== 'compare') {
      this._fail(`label="${this.getAttribute('label')}": the ${info.title} is not class-conditional, it draws no chosen digit`);
      return;
    }
    this._titleOf = info.title;
    this._title.textContent = view.name === 'compare' ? 'Every GenLab family' : info.title;
    this._viewName.textContent = view.title;
    this._busy(`Loading the ${info.title}…`);
    this._bar.hidden = true;
    // This family's weights, and the data and judge its view may need, as they download.
    const unfollow = lab.on('download', (d) => {
      if (!stale() && (d.stage !== 'weights' || d.family === info.name || view.name === 'compare')) this._progress(d);
    });
    const options = { seed: attrs.seed, n: attrs.n, label: attrs.label };
    let cleanup;
    try {
      cleanup = (await view.mount({ root: body, lab, info, options })) || null;
    } catch (e) {
      if (stale()) return;
      body.replaceChildren(); // a half-built view would only confuse
      this._fail(e.message, { retry: true });
      return;
    } finally {
      unfollow();
    }
    if (stale()) {
      // Replaced while it mounted: nobody else will stop its work (a comparison's queue, a
      // player's timer, a training run).
      try {
        cleanup?.();
      } catch (e) {
        console.error('genlab-demo: cleaning up the view failed', e);
      }
      return;
    }
    // The caption names the backend: after a device loss the lab runs on the CPU, and says so.
    const unwatch = lab.on('backend', ({ reason, failed }) => {
      if (stale()) return;
      this._showBackend(lab);
      if (failed) this._showError(reason);
    });
    this._cleanup = () => {
      unwatch();
      cleanup?.();
    };
    for (const c of this._body.querySelectorAll('canvas')) {
      c.part.add('canvas');
      if (!c.hasAttribute('role')) c.setAttribute('role', 'img');
      if (!c.hasAttribute('aria-label')) c.setAttribute('aria-label', c.title || chartLabel(c));
    }
    for (const row of this._body.querySelectorAll('.actions')) row.part.add('controls');
    this._status.hidden = true;
    const [page, pageName] = view.name === 'compare' ? ['../compare.html', 'the full comparison'] : [`../family.html?family=${encodeURIComponent(info.name)}`, `the full ${info.title} demo`];
    this._backendText = el('span', { className: 'backend' });
    this._showBackend(lab);
    this._caption.replaceChildren(this._backendText, ' · ', el('a', { href: new URL(page, HERE).href, textContent: pageName, target: '_blank', rel: 'noopener' }));
    this._setState('ready');
    this._emit('genlab-ready', { family: info.name, view: view.name });
  }

  /** The caption's backend: where the lab runs now. */
  _showBackend(lab) {
    this._backendText.textContent = `Running in your browser on ${lab.backend === 'webgpu' ? 'WebGPU' : 'the CPU'}`;
    this._backendText.title = lab.backendReason || '';
  }

  /** The site's panel styles (and the charts'), linked into the shadow root once. */
  _linkStyles() {
    if (this.shadowRoot.querySelector('link')) return;
    const sheets = ['../css/site.css', '../node_modules/uplot/dist/uPlot.min.css'].map((p) => el('link', { rel: 'stylesheet', href: new URL(p, HERE).href }));
    this.shadowRoot.prepend(...sheets);
  }
}

if (!customElements.get('genlab-demo')) customElements.define('genlab-demo', GenLabDemo);
