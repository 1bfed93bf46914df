/**
 * GenLab's public browser API: generative models of MNIST digits, compiled from Rust + Burn to
 * WebAssembly, running in a Web Worker on WebGPU or on the CPU.
 *
 * ```js
 * import { GenLab } from './js/genlab.js';
 * const lab = await GenLab.open();                  // backend: 'auto' | 'webgpu' | 'cpu'
 * const { pixels } = await lab.sample('vae', { n: 16, seed: 1 }); // 16 * 784 floats in [0, 1]
 * const run = lab.train('vae', { params: { latent: 2 }, steps: 500 });
 * run.on('progress', (p) => console.log(p.step, p.losses));
 * await run.done;
 * ```
 *
 * All model work happens in `worker.js`, one call at a time; every method here returns a
 * Promise (or a {@link TrainHandle}) and never blocks the page. The files the worker fetches
 * live under `base` (the `www/` folder by default): `pkg/genlab.js` (the wasm package),
 * `weights/<family>.bpk` (pretrained weights) and `data/*.gz` (MNIST, for training and the
 * test-digit views).
 *
 * If the WebGPU device is lost, or the wasm instance crashes, the lab restarts its worker on the
 * CPU backend by itself, reloads the models it had (a training run's latest snapshot included),
 * and emits a `'backend'` event; calls in flight at that moment reject with the reason.
 *
 * @module genlab
 */

/** Images are 28 x 28 grey-scale, one float in [0, 1] per pixel, row-major. */
export const WIDTH = 28;
export const HEIGHT = 28;
export const PIXELS = WIDTH * HEIGHT;
/** The most images one call may ask for. */
export const MAX_SAMPLES = 1024;
const U32_MAX = 0xffffffff;
/** Seeds are unsigned 32-bit integers: 0..MAX_SEED. */
export const MAX_SEED = U32_MAX;
/** MNIST's test split: test digits 0..TEST_DIGITS - 1 (reconstructions, interpolation, likelihoods). */
export const TEST_DIGITS = 10000;

/**
 * @typedef {object} HyperParam
 * @property {string} key
 * @property {string} label
 * @property {string} help
 * @property {'int'|'float'|'log-float'|'choice'} kind
 * @property {number} default
 * @property {number} min
 * @property {number} max
 * @property {boolean} architecture  changing it changes the network's shape (needs training from scratch)
 * @property {string[]} choices  the names a 'choice' takes (its value is one of them)
 */

/**
 * @typedef {object} FamilyInfo
 * @property {string} name
 * @property {string} title
 * @property {string} description
 * @property {{title: string, authors: string, year: number, url: string}} paper
 * @property {'binarized'|'continuous'|'dequantized'} pixels
 * @property {HyperParam[]} hyper  the model's and its training's hyper-parameters
 * @property {HyperParam[]} sampling  the sampler's settings, given to {@link GenLab#sample}
 * @property {boolean} conditional  samples take class labels
 * @property {{trajectory: boolean, likelihood: 'bound'|'exact'|'estimate'|null, latent: boolean, encoder: boolean, reconstruct: boolean, conditional: boolean, classify: boolean, diffusion: boolean, diffuses_codes: boolean, trajectory_map: boolean, completion: boolean, pixel_likelihood: boolean, invertible: boolean, energy: boolean}} capabilities
 *   what the family can do beyond sampling, read off the methods it implements (never declared):
 *   `likelihood` is the kind of {@link GenLab#likelihood} it gives: 'exact', a lower 'bound' (the
 *   VAE's ELBO) or an 'estimate' with a standard error (`uncertainty`: an energy model's log Z by
 *   annealed importance sampling); `completion` ({@link GenLab#complete}, `prefix` in
 *   {@link GenLab#sample}) for an autoregressive family and for a Gibbs chain started at given
 *   digits; `pixel_likelihood` (per-pixel shares in {@link GenLab#likelihood} with `images`);
 *   `encoder` ({@link GenLab#encode}); `reconstruct` ({@link GenLab#reconstruct}: through an
 *   encoder's code, or an energy model's hidden units); `invertible` ({@link GenLab#layers})
 *   for a flow, whose encode and decode are exact inverses; `energy` for an energy-based model
 *   (RBM, DBM: {@link GenLab#freeEnergy}, {@link GenLab#hiddenLayers}, {@link GenLab#filters},
 *   {@link GenLab#energyGap}, {@link GenLab#logPartition}); `trajectory_map`
 *   ({@link GenLab#trajectoryMap}) for a model that maps each point of another's sampling path
 *   to a digit (a consistency model along its teacher DDPM's path)
 * @property {{key: string, label: string}[]} losses
 * @property {number} train_steps  training steps of the shipped weights
 * @property {string[]} built_on  the families it is built on (latent diffusion: ['autoencoder'],
 *   whose shipped weights it loads with its own); empty for most
 * @property {boolean} generator  its samples are meant as digits; false for a stage others are
 *   built on (the autoencoder), which the judge's checks and rankings leave out
 */

/**
 * @typedef {object} Images
 * @property {number} width   28
 * @property {number} height  28
 * @property {number} n       number of images
 * @property {Float32Array} pixels  n * 784 values in [0, 1]
 */

/** @typedef {'webgpu'|'cpu'} Backend */

/**
 * Progress of a file the lab downloads: reported once as it starts (`loaded` 0), as its bytes
 * arrive (at most every 100 ms) and once more at the end (`done`).
 * @typedef {object} Download
 * @property {'wasm'|'weights'|'judge'|'data'} stage  what it is: the wasm module, a family's
 *   pretrained weights, the classifier judge's weights, an MNIST file
 * @property {string|null} family  the family whose weights these are ('weights' only)
 * @property {string} url
 * @property {number} loaded  bytes so far
 * @property {number|null} total  bytes in all (the Content-Length), null while unknown (no
 *   Content-Length, or a compressed transfer); the byte count once `done`
 * @property {boolean} done
 */

/**
 * The error a call gets when the lab is closed (`closed: true`, so pages can ignore it): calls
 * made after {@link GenLab#close}, and calls still pending when it was called. Every message
 * starts with "the lab was closed".
 * @param {string} [detail]  what it interrupted
 */
function closedError(detail = 'open a new one with GenLab.open()') {
  return Object.assign(new Error(`the lab was closed: ${detail}`), { closed: true });
}

function paramError(msg) {
  return new Error(`invalid parameter: ${msg}`);
}

/** A value as an error message shows it: `the string "16"`, `null`, `an array`, `2.5`. */
function describe(v) {
  if (typeof v === 'string') return `the string ${JSON.stringify(v)}`;
  if (v === null) return 'null';
  if (v === undefined) return 'undefined';
  if (Array.isArray(v)) return 'an array';
  if (ArrayBuffer.isView(v)) return `a ${v.constructor.name}`;
  if (typeof v === 'function') return 'a function';
  if (typeof v === 'bigint') return `the BigInt ${v}n`;
  if (typeof v === 'object') return 'an object';
  return String(v); // numbers, booleans, symbols' descriptions
}

/**
 * A method's options argument: null and undefined mean "all defaults"; anything but a plain
 * object is refused, naming what was given (`lab.sample('vae', 16)` is a mistake, not n = 16).
 */
function optionsArg(v, what, example) {
  if (v === undefined || v === null) return {};
  if (typeof v !== 'object' || Array.isArray(v) || ArrayBuffer.isView(v)) {
    throw paramError(`the options of ${what} must be an object such as ${example}, got ${describe(v)}`);
  }
  return v;
}

/** A long call's `onProgress` and `signal` options, checked. */
function progressArgs(onProgress, signal) {
  if (onProgress != null && typeof onProgress !== 'function') throw paramError(`onProgress must be a function, got ${describe(onProgress)}`);
  if (signal != null && (typeof signal !== 'object' || typeof signal.addEventListener !== 'function' || !('aborted' in signal))) {
    throw paramError(`signal must be an AbortSignal (new AbortController().signal), got ${describe(signal)}`);
  }
  return [onProgress ?? null, signal ?? null];
}

function checkNumber(name, v) {
  if (typeof v !== 'number') throw paramError(`${name} must be a number, got ${describe(v)}`);
  return v;
}

function checkInt(name, v, min, max) {
  checkNumber(name, v);
  if (!Number.isInteger(v)) throw paramError(`${name} must be a whole number, got ${v}`);
  if (v < min || v > max) throw paramError(`${name} = ${v} is out of range [${min}, ${max}]`);
  return v;
}

/** Checks one value against its declaration (a hyper-parameter or a sampler setting). */
function checkParam(h, v) {
  if (h.kind === 'choice') {
    if (typeof v === 'string' && h.choices.includes(v)) return v;
    if (Number.isInteger(v) && v >= 0 && v < h.choices.length) return v;
    throw paramError(`'${h.key}' = ${JSON.stringify(v)} is not one of ${h.choices.join(', ')}`);
  }
  checkNumber(`'${h.key}'`, v);
  if (!Number.isFinite(v)) throw paramError(`'${h.key}' must be a finite number, got ${v}`);
  if (v < h.min || v > h.max) throw paramError(`'${h.key}' = ${v} is out of range [${h.min}, ${h.max}]`);
  if (h.kind === 'int' && !Number.isInteger(v)) throw paramError(`'${h.key}' must be a whole number, got ${v}`);
  return v;
}

/**
 * Images given by the caller: a Float32Array (or an array, or another typed array) of n * 784
 * numbers in [0, 1], n in 1..max. Returns a fresh Float32Array (the caller's stays theirs).
 * @param {string} name  what the message calls it ('images', 'prefix.pixels')
 */
function checkImages(name, v, max = MAX_SAMPLES) {
  if (!(Array.isArray(v) || (ArrayBuffer.isView(v) && !(v instanceof DataView)))) {
    throw paramError(`${name} must be a Float32Array (or an array) of 28x28 images, 784 values in [0, 1] each, got ${describe(v)}`);
  }
  if (v.length === 0 || v.length % PIXELS) throw paramError(`${name} has ${v.length} values: not whole 28x28 images (a multiple of ${PIXELS})`);
  const n = v.length / PIXELS;
  if (n > max) throw paramError(`${name} holds ${n} images: at most ${max}`);
  const out = new Float32Array(v.length);
  for (let i = 0; i < v.length; i++) {
    const x = v[i];
    if (typeof x !== 'number' || !Number.isFinite(x)) throw paramError(`${name}[${i}] = ${describe(x)} is not a finite number`);
    if (x < 0 || x > 1) throw paramError(`${name}[${i}] = ${x} is outside [0, 1]`);
    out[i] = x;
  }
  return out;
}

/**
 * A completion's prefix: `pixels` (one digit of 784 values, used for every sample, or one
 * digit per sample) and `rows` (0..28, how many rows of each digit to keep). With `n`
 * undefined, n is the number of digits given. Returns `{n, pixels: Float32Array(n * 784), rows}`.
 * @param {string} name  what the message calls the pixels ('prefix.pixels', 'pixels')
 */
function checkPrefix(name, pixels, rows, n, max) {
  if (rows === undefined) throw paramError(`${name.replace(/pixels$/, 'rows')} is missing: how many rows of the digit to keep (0..${HEIGHT})`);
  checkInt(name.replace(/pixels$/, 'rows'), rows, 0, HEIGHT);
  if (pixels === undefined) throw paramError(`${name} is missing: the digit(s) to complete, 784 values in [0, 1] each`);
  const given = checkImages(name, pixels, max);
  const k = given.length / PIXELS;
  if (n === undefined) n = k;
  checkInt('n', n, 1, max);
  if (k === n) return { n, pixels: given, rows };
  if (k !== 1) throw paramError(`${name} holds ${k} digits: give one digit (${PIXELS} values, for every sample) or one per sample (n * ${PIXELS} = ${n * PIXELS} values)`);
  const out = new Float32Array(n * PIXELS);
  for (let i = 0; i < n; i++) out.set(given, i * PIXELS);
  return { n, pixels: out, rows };
}

/** A tiny event emitter. */
class Emitter {
  constructor() {
    this._handlers = new Map();
  }

  /**
   * Subscribes `fn` to `event`; returns a function that unsubscribes it.
   * @param {string} event
   * @param {(payload: any) => void} fn
   * @returns {() => void}
   */
  on(event, fn) {
    if (!this._handlers.has(event)) this._handlers.set(event, new Set());
    this._handlers.get(event).add(fn);
    return () => this.off(event, fn);
  }

  /** Unsubscribes `fn` from `event`. */
  off(event, fn) {
    this._handlers.get(event)?.delete(fn);
  }

  _emit(event, payload) {
    for (const fn of [...(this._handlers.get(event) || [])]) {
      try {
        fn(payload);
      } catch (e) {
        console.error(`genlab: a '${event}' handler threw`, e);
      }
    }
  }
}

/**
 * Starts the model worker. A worker script must be of the page's origin: for one of another
 * origin (the demo's files served elsewhere than the page), a same-origin blob: module
 * imports it, which a server sending Access-Control-Allow-Origin allows.
 * @param {URL} url  worker.js
 */
function startWorker(url) {
  const options = { type: 'module', name: 'genlab' };
  if (url.origin === location.origin) return new Worker(url, options);
  const source = `import ${JSON.stringify(url.href)};\n`;
  const blob = URL.createObjectURL(new Blob([source], { type: 'text/javascript' }));
  const worker = new Worker(blob, options);
  setTimeout(() => URL.revokeObjectURL(blob), 60_000); // long after the worker has read it
  return worker;
}

/** The states a run ends in; a run never leaves one. */
const FINAL = new Set(['done', 'stopped', 'error', 'closed']);

/**
 * A training run, returned by {@link GenLab#train}.
 *
 * Events (subscribe with `on`):
 * - `'progress'`: `{step, total, losses: {key: number}, stepsPerSec, imagesPerSec, samples?: Images}`
 *   after each chunk of steps; `samples` (a grid from a fixed seed) every `sampleEvery` steps.
 * - `'state'`: `{state, step, error?}` whenever {@link TrainHandle#state} changes.
 * - `'snapshot'`: `{step, bytes}`: the trained weights (a burnpack file), every `snapshotEvery`
 *   steps and at the end; also kept in {@link TrainHandle#lastWeights}.
 * - `'error'`: `{message}` when the run fails (diverged, bad parameters, ...).
 *
 * A run ends in one of four states and never leaves it: 'done' (every step trained), 'stopped'
 * ({@link TrainHandle#stop}), 'error' (it failed) or 'closed' ({@link GenLab#close} was called
 * while it was active).
 */
export class TrainHandle extends Emitter {
  /** @param {GenLab} lab @param {string} family @param {object} opts */
  constructor(lab, family, opts) {
    super();
    this._lab = lab;
    /** The family being trained. */
    this.family = family;
    /** The run's options, validated and completed with defaults. */
    this.options = opts;
    /** @type {'starting'|'running'|'paused'|'stopped'|'done'|'error'|'closed'} */
    this.state = 'starting';
    /** Steps done so far. */
    this.step = 0;
    /** Total steps asked for. */
    this.total = opts.steps;
    /** The latest snapshot of the trained weights (burnpack bytes), or null before the first. */
    this.lastWeights = null;
    /** Step of {@link TrainHandle#lastWeights}. */
    this.lastWeightsStep = 0;
    /** Every progress report's `{step, losses}`, oldest first. */
    this.history = [];
    /** The error message when `state` is 'error'. */
    this.error = null;
    /** True when the worker was restarted under the run (device lost); resume() restarts it. */
    this.interrupted = false;
    /** The model's hyper-parameters, once the run has started. */
    this.config = null;
    this._runId = null;
    this._stopping = false; // stop() was called: a device loss meanwhile ends the run, not pauses it
    /**
     * Resolves with `{state, step, lastWeights}` when the run is done or stopped; rejects with
     * an Error when it fails, and with an Error whose `closed` is true ("the lab was closed
     * ...") when the lab is closed while the run is active (its state is then 'closed').
     * @type {Promise<{state: string, step: number, lastWeights: Uint8Array|null}>}
     */
    this.done = new Promise((resolve, reject) => {
      this._resolve = resolve;
      this._reject = reject;
    });
    this.done.catch(() => {}); // a run nobody awaits must not raise "unhandled rejection"
    // Settles (never rejects) once the state is final, whichever it is: what stop() waits for.
    this._ended = new Promise((resolve) => (this._endedResolve = resolve));
  }

  /** True while the run is starting, running or paused. */
  get active() {
    return this.state === 'starting' || this.state === 'running' || this.state === 'paused';
  }

  _setState(state, extra = {}) {
    // A final state is final: a late message (the worker's answer to a start that was stopped
    // or closed meanwhile, a 'done' racing a 'stopped') must not turn 'stopped' into 'error'.
    if (FINAL.has(this.state)) return;
    if (this.state === state && !extra.error) return;
    this.state = state;
    if (state === 'error') this.error = extra.error;
    this._emit('state', { state, step: this.step, ...extra });
    if (state === 'done' || state === 'stopped') this._resolve({ state, step: this.step, lastWeights: this.lastWeights });
    if (state === 'error') {
      this._emit('error', { message: extra.error });
      this._reject(new Error(extra.error));
    }
    if (state === 'closed') this._reject(this._closedError);
    if (FINAL.has(state)) this._endedResolve(state);
    if (!this.active) this._lab._runEnded(this);
  }

  async _start({ from, startStep = 0, bytes = null }) {
    const o = this.options;
    this._runId = this._lab._newRunId(this);
    this.step = startStep;
    const transfer = bytes ? [(bytes = bytes.slice()).buffer] : [];
    try {
      const { config } = await this._lab._call('trainStart', {
        family: this.family, params: o.params, from, seed: (o.seed + startStep) >>> 0, steps: o.steps, chunk: o.chunk,
        sampleEvery: o.sampleEvery, sampleN: o.sampleN, snapshotEvery: o.snapshotEvery, startStep, bytes, runId: this._runId,
      }, transfer);
      this.config = config;
    } catch (e) {
      if (this.interrupted) return; // the worker died under us: resume() restarts the run
      this._setState('error', { error: e.message }); // ignored when the run was stopped or closed meanwhile
    }
  }

  /** Rejects once the lab is closed: a run of a closed lab can be neither paused, resumed nor stopped. */
  _checkOpen() {
    if (this._lab.closed) throw closedError(`the '${this.family}' training run cannot be controlled any more`);
  }

  /** Pauses the run after the current chunk of steps; resolves once its state is 'paused'. */
  async pause() {
    this._checkOpen();
    if (this.state === 'paused' || !this.active) return;
    if (this.interrupted) return this._setState('paused');
    await this._lab._call('trainPause', { family: this.family });
  }

  /**
   * Resumes a paused run. After a device loss this starts a new run on the CPU backend from
   * the latest snapshot (or from the run's start when no snapshot was taken yet).
   */
  async resume() {
    this._checkOpen();
    if (this.state !== 'paused') return;
    if (this.interrupted) {
      this.interrupted = false;
      this._setState('starting');
      if (this.lastWeights) await this._start({ from: 'snapshot', startStep: this.lastWeightsStep, bytes: this.lastWeights });
      else await this._start({ from: this.options.from });
      // _start keeps its failures for `done`; a lab closed meanwhile is this call's failure too.
      if (this.state === 'closed') throw closedError(`the '${this.family}' training run was resuming`);
      return;
    }
    await this._lab._call('trainResume', { family: this.family });
  }

  /**
   * Stops the run; the weights trained so far stay in the model (and in a last snapshot).
   *
   * Resolves once the run has really stopped: its state is final ('stopped', or 'done' /
   * 'error' when it ended by itself first), {@link TrainHandle#done} has settled, the last
   * snapshot is in {@link TrainHandle#lastWeights}, and the family can be trained (or its
   * weights loaded) again at once. Rejects when the lab is, or gets, closed.
   */
  async stop() {
    this._checkOpen();
    if (!this.active) return;
    if (this.interrupted) {
      this.interrupted = false;
      return this._setState('stopped');
    }
    this._stopping = true;
    try {
      // The worker answers at once, and announces 'stopped' after the run's current chunk of
      // steps and its last snapshot: wait for that announcement.
      await this._lab._call('trainStop', { family: this.family });
    } catch (e) {
      // The lab was closed; or the worker died (device lost), and _interrupt ended the run; or
      // "no 'vae' training run": its start failed, and the 'error' it got came first.
      if (e.closed || this._lab.closed || this.active) throw e;
    }
    const state = await this._ended;
    if (state === 'closed') throw closedError(`the '${this.family}' training run was still stopping`);
  }

  // From the worker.
  _event(msg) {
    if (FINAL.has(this.state)) return; // e.g. a chunk's progress that arrives after 'closed'
    switch (msg.event) {
      case 'progress': {
        this.step = msg.step;
        this.history.push({ step: msg.step, losses: msg.losses });
        const p = {
          step: msg.step, total: msg.total, losses: msg.losses, stepsPerSec: msg.stepsPerSec, imagesPerSec: msg.imagesPerSec,
        };
        if (msg.samples) p.samples = { width: WIDTH, height: HEIGHT, n: msg.sampleN, pixels: msg.samples };
        this._emit('progress', p);
        break;
      }
      case 'snapshot':
        this.lastWeights = msg.bytes;
        this.lastWeightsStep = msg.step;
        this._emit('snapshot', { step: msg.step, bytes: msg.bytes });
        break;
      case 'train-state':
        if (msg.step != null) this.step = msg.step;
        this._setState(msg.state, msg.error ? { error: msg.error } : {});
        break;
    }
  }

  // The worker died: the run waits, paused, for resume() on the new backend (or ends, 'stopped',
  // when stop() was waiting for it: the model keeps what the lab restores, the last snapshot).
  _interrupt(reason) {
    if (this._stopping) return this._setState('stopped', { reason });
    this.interrupted = true;
    this._setState('paused', { reason });
  }

  // The lab was closed while the run was active. Design choice: `done` rejects (it did not end
  // as asked, and awaiting code must not hang or mistake it for a finished run) with an Error
  // whose `closed` is true, and the state becomes 'closed', final like 'stopped'. The weights
  // it had reached are in `lastWeights` (its latest snapshot), if one was taken.
  _close() {
    if (!this.active) return;
    this.interrupted = false;
    this._closedError = closedError(
      `the '${this.family}' training run ended at step ${this.step}${this.lastWeights ? ` (its last snapshot, step ${this.lastWeightsStep}, is in lastWeights)` : ''}`,
    );
    this._setState('closed', { reason: this._closedError.message });
  }
}

/**
 * A lab: one worker, one backend, one model per family.
 *
 * Events (subscribe with `on`):
 * - `'backend'`: `{backend, reason}` when the lab had to switch backend (WebGPU device lost,
 *   crash) and now runs on the CPU.
 * - `'download'`: a {@link Download} as the worker fetches a file: a family's pretrained
 *   weights (the first call that needs them), the judge's, MNIST, or the wasm again after a
 *   restart. Several parts of a page sharing one lab can each follow the downloads.
 */
export class GenLab extends Emitter {
  /**
   * Opens a lab: starts the worker, loads the wasm package and picks the backend.
   *
   * `'auto'` uses WebGPU when the browser offers a hardware adapter, and the CPU otherwise (a
   * software adapter such as SwiftShader is slower than the CPU backend); `'webgpu'` uses any
   * WebGPU adapter and falls back to the CPU when WebGPU fails to start; `'cpu'` is Burn's Flex
   * backend. {@link GenLab#backend} and {@link GenLab#backendReason} say what was picked and why.
   *
   * The files may live on another origin than the page (a blog embedding the demo): the
   * worker is then started from a same-origin `blob:` module that imports this module's
   * `worker.js`, and the server of the files must send `Access-Control-Allow-Origin` (module
   * scripts and the worker's fetches are CORS requests). A failure names the URL that failed.
   *
   * @param {{backend?: 'auto'|'webgpu'|'cpu', base?: string|URL, onProgress?: (d: Download) => void}} [options]
   *   `base`: URL of the folder holding `pkg/`, `weights/` and `data/` (default: the folder
   *   above this module). `onProgress`: the wasm module's download while the lab opens, as
   *   {@link Download}s (`stage` 'wasm'); later downloads are the lab's `'download'` events.
   * @returns {Promise<GenLab>}
   */
  static async open(options) {
    const { backend = 'auto', base, onProgress } = optionsArg(options, 'GenLab.open', "{backend: 'cpu'}");
    if (!['auto', 'webgpu', 'cpu'].includes(backend)) throw paramError(`unknown backend ${typeof backend === 'string' ? `'${backend}'` : describe(backend)} (use 'auto', 'webgpu' or 'cpu')`);
    const [progress] = progressArgs(onProgress, null);
    const lab = new GenLab(new URL(base ?? new URL('..', import.meta.url), document.baseURI).href);
    const unsubscribe = progress ? lab.on('download', progress) : null;
    try {
      await lab._spawn(backend);
      lab._families = await lab._call('families');
    } catch (e) {
      lab.close(); // no worker left behind by a lab that never opened
      throw e;
    } finally {
      unsubscribe?.();
    }
    return lab;
  }

  /** @private Use {@link GenLab.open}. */
  constructor(base) {
    super();
    /** URL of the folder holding pkg/, weights/ and data/. */
    this.base = base;
    /** @type {Backend} the backend in use */
    this.backend = null;
    /** Why that backend was picked (or switched to). */
    this.backendReason = '';
    /** @type {{vendor: string, architecture: string, description: string}|null} the WebGPU adapter seen, if any */
    this.adapter = null;
    this._worker = null;
    this._pending = new Map();
    this._nextId = 1;
    this._families = [];
    this._models = new Map(); // family -> bytes of its custom weights, or null for the pretrained ones
    this._runs = new Map(); // runId -> TrainHandle
    this._nextRun = 1;
    this._ready = Promise.resolve();
    this._closed = false;
    this._recovering = false;
  }

  // -------------------------------------------------------------------------------------
  // Worker plumbing

  async _spawn(backend) {
    const url = new URL('./worker.js', import.meta.url);
    const worker = startWorker(url);
    this._worker = worker;
    worker.onmessage = (ev) => this._onMessage(worker, ev.data);
    worker.onerror = (ev) => {
      ev.preventDefault?.();
      const msg = ev.message || `the worker failed to load from ${url.href}${url.origin !== location.origin ? ' (a server of another origin must allow it: Access-Control-Allow-Origin)' : ''}`;
      if (this._worker !== worker) return;
      if (this.backend) this._recover(`the model worker crashed: ${msg}`);
      else this._rejectAll(new Error(`GenLab could not start: ${msg}`));
    };
    worker.onmessageerror = () => console.error('genlab: a message from the worker could not be read');
    const info = await this._post(worker, 'init', { backend, base: this.base });
    this.backend = info.backend;
    this.backendReason = info.reason;
    this.adapter = info.adapter;
    return info;
  }

  _post(worker, op, args = {}, transfer = [], onProgress = null, signal = null) {
    return new Promise((resolve, reject) => {
      const id = this._nextId++;
      this._pending.set(id, { resolve, reject, op, onProgress });
      worker.postMessage({ id, op, args }, transfer);
      // Cancelling asks the worker to stop call `id` between two steps of its sampler; the call
      // then rejects with "cancelled ..." (a one-shot sampler finishes first: it is quick).
      signal?.addEventListener('abort', () => this._pending.has(id) && this._post(worker, 'cancel', { job: id }).catch(() => {}), { once: true });
    });
  }

  /** Sends an op to the worker (after any restart under way). */
  async _call(op, args = {}, transfer = [], onProgress = null, signal = null) {
    if (signal?.aborted) throw Object.assign(new Error(`cancelled before it started`), { cancelled: true });
    if (this._closed) throw closedError();
    try {
      await this._ready;
    } catch (e) {
      // A restart that failed because the lab was closed meanwhile: say that, not the failure.
      if (this._closed) throw closedError('the call was still waiting for the worker');
      throw e;
    }
    if (this._closed) throw closedError('the call was still waiting for the worker');
    return this._post(this._worker, op, args, transfer, onProgress, signal);
  }

  _rejectAll(err) {
    const pending = [...this._pending.values()];
    this._pending.clear();
    for (const p of pending) p.reject(err);
  }

  _onMessage(worker, msg) {
    if (worker !== this._worker || !msg) return;
    if (msg.event) {
      if (msg.event === 'fatal') {
        this._recover(this.backend === 'webgpu' ? `WebGPU device lost: the model crashed (${msg.message})` : `the model crashed (${msg.message})`);
      } else if (msg.event === 'call-progress') {
        const p = this._pending.get(msg.id);
        try {
          p?.onProgress?.({ fraction: msg.fraction, stage: msg.stage });
        } catch (e) {
          console.error('genlab: a progress handler threw', e);
        }
      } else if (msg.event === 'download') {
        const { stage, family, url, loaded, total, done } = msg;
        this._emit('download', { stage, family, url, loaded, total, done });
      } else if (msg.event === 'device-lost') {
        this._recover(`WebGPU device lost: ${msg.message || 'no reason given'}`);
      } else {
        this._runs.get(msg.run)?._event(msg);
        if (msg.event === 'snapshot') this._models.set(msg.family, msg.bytes);
      }
      return;
    }
    const p = this._pending.get(msg.id);
    if (!p) return;
    this._pending.delete(msg.id);
    if (msg.ok) p.resolve(msg.result);
    else p.reject(Object.assign(new Error(msg.error), /^cancelled\b/.test(msg.error) ? { cancelled: true } : {}));
  }

  /** The worker is dead (device lost, panic): restart on the CPU and restore the models. */
  _recover(why) {
    if (this._recovering || this._closed) return;
    this._recovering = true;
    const reason = this.backend === 'webgpu' ? `${why} — switched to the CPU backend` : `${why} — restarted on the CPU backend`;
    const old = this._worker;
    this._worker = null;
    old.terminate();
    this._rejectAll(new Error(reason));
    const active = [...this._runs.values()].filter((h) => h.active);
    for (const h of active) h._interrupt(reason);
    this._ready = (async () => {
      let failure = null;
      try {
        await this._spawn('cpu');
        for (const [family, bytes] of this._models) {
          const run = active.find((h) => h.family === family);
          const weights = run?.lastWeights ?? bytes;
          if (weights) await this._post(this._worker, 'loadWeights', { family, bytes: weights.slice() });
          else await this._post(this._worker, 'loadPretrained', { family });
        }
      } catch (e) {
        failure = new Error(`${why} — and restarting on the CPU failed: ${e.message}. Reload the page.`);
      }
      if (this._closed) {
        // close() came during the restart: it has rejected everything and ended the runs; a
        // 'backend' event (or a "restart failed" error) now would only confuse the page.
        this._recovering = false;
        return;
      }
      this.backend = 'cpu';
      this.backendReason = failure ? failure.message : reason;
      this._recovering = false;
      this._emit('backend', { backend: 'cpu', reason: this.backendReason, failed: !!failure });
      // Every later call fails with the reason instead of a confusing "not initialised".
      if (failure) throw failure;
    })();
    this._ready.catch(() => {}); // reported through the 'backend' event and each later call
  }

  _newRunId(handle) {
    const id = this._nextRun++;
    this._runs.set(id, handle);
    return id;
  }

  _runEnded(handle) {
    for (const [id, h] of this._runs) if (h === handle && id !== handle._runId) this._runs.delete(id);
  }

  /** A family's declaration; throws on a closed lab and on an unknown family. */
  _info(family) {
    this._checkOpen();
    const known = this._families.map((f) => f.name).join(', ');
    if (typeof family !== 'string') throw paramError(`family must be a family's name (known: ${known}), got ${describe(family)}`);
    const info = this._families.find((f) => f.name === family);
    if (!info) throw new Error(`unknown family '${family}' (known: ${known})`);
    return info;
  }

  _checkOpen() {
    if (this._closed) throw closedError();
  }

  /** The family's active training run, if any. */
  _activeRun(family) {
    return [...this._runs.values()].find((h) => h.family === family && h.active);
  }

  /** Refuses to replace a model under a training run of its family (it would train on, into neither). */
  _checkNotTraining(family, what) {
    if (this._activeRun(family)) throw new Error(`a training run of '${family}' is active: stop it first (await run.stop()) before ${what}`);
  }

  _touch(family) {
    if (!this._models.has(family)) this._models.set(family, null);
  }

  _checkIndex(name, i) {
    return checkInt(name, i, 0, U32_MAX);
  }

  // -------------------------------------------------------------------------------------
  // Public API

  /**
   * The registered model families, in gallery order.
   * @returns {FamilyInfo[]}
   */
  families() {
    return this._families;
  }

  /**
   * One family's description, or undefined if there is no such family.
   * @param {string} name
   * @returns {FamilyInfo|undefined}
   */
  family(name) {
    return this._families.find((f) => f.name === name);
  }

  /**
   * Draws `n` samples from `family`'s current model (its pretrained weights unless other
   * weights were loaded or trained). The same seed gives the same images.
   *
   * Conditional families (`capabilities.conditional`) take a `label` (0-9, for every sample)
   * or `labels` (one per sample); without either they sample unconditionally where the
   * family can. Any other option is one of the family's sampler settings, declared in
   * `family(name).sampling` with its default and range (e.g. `steps`, `eta`, `guidance`).
   *
   * A step-by-step sampler (a family with `capabilities.trajectory`) reports
   * `onProgress({fraction})` as it goes, and stops when `signal` (an AbortSignal) aborts: the
   * call then rejects with an Error whose `cancelled` is true ("cancelled after k of N steps").
   *
   * With `prefix: {pixels, rows}` (families with `capabilities.completion`, e.g. PixelCNN) the
   * samples are completions: the first `rows` rows (0..28) of the given digit are kept bit for
   * bit (binarised at 0.5 for a family of binary pixels) and the rest is sampled given them.
   * `pixels` is one digit (784 values in [0, 1], the same prefix for every sample) or one per
   * sample (n * 784); without `n`, n is the number of digits given. For an energy model (RBM,
   * DBM) the Gibbs chain starts at the given digits with their first `rows` rows held fixed
   * (0: none held, a scribble settles into a digit). The sampler settings apply to completions
   * too (PixelCNN's `guidance`, a Gibbs chain's `steps`). See {@link GenLab#complete} for the
   * states in between.
   *
   * @param {string} family
   * @param {{n?: number, seed?: number, label?: number, labels?: number[], prefix?: {pixels: Float32Array|number[], rows: number},
   *   onProgress?: (p: {fraction: number}) => void, signal?: AbortSignal} & Object<string, number|string>} [options]
   *   n in 1..1024 (default 16), seed a whole number >= 0
   * @returns {Promise<Images & {labels?: Uint8Array}>}
   */
  async sample(family, options) {
    const info = this._info(family);
    let { n, seed = 0, label, labels, prefix, onProgress, signal, ...settings } = optionsArg(options, 'lab.sample', '{n: 16, seed: 1}');
    if (prefix !== undefined) return this._sampleCompleted(info, { n, seed, label, labels, prefix, onProgress, signal, settings });
    n = n ?? 16;
    checkInt('n', n, 1, MAX_SAMPLES);
    checkInt('seed', seed, 0, MAX_SEED);
    labels = this._labels(info, n, label, labels);
    this._checkSettings(info, settings, info.capabilities.completion ? ['prefix'] : []);
    const progress = progressArgs(onProgress, signal);
    this._touch(family);
    const pixels = await this._call('sample', { family, n, seed, labels, settings }, [], ...progress);
    const out = { width: WIDTH, height: HEIGHT, n, pixels };
    if (labels) out.labels = labels;
    return out;
  }

  /** {@link GenLab#sample} with a `prefix`: the last state of a completion. */
  async _sampleCompleted(info, { n, seed, label, labels, prefix, onProgress, signal, settings }) {
    const family = info.name;
    if (!info.capabilities.completion) throw new Error(`'${family}' cannot complete digits (it has no capabilities.completion): sample it without a prefix`);
    if (prefix === null || typeof prefix !== 'object' || Array.isArray(prefix) || ArrayBuffer.isView(prefix)) {
      throw paramError(`prefix must be an object {pixels, rows}, got ${describe(prefix)}`);
    }
    for (const k of Object.keys(prefix)) if (k !== 'pixels' && k !== 'rows') throw paramError(`unknown prefix option '${k}' (known: pixels, rows)`);
    this._checkSettings(info, settings, ['prefix']);
    const p = checkPrefix('prefix.pixels', prefix.pixels, prefix.rows, n, MAX_SAMPLES);
    n = p.n;
    checkInt('seed', seed, 0, MAX_SEED);
    labels = this._labels(info, n, label, labels);
    const progress = progressArgs(onProgress, signal);
    this._touch(family);
    const r = await this._call('complete', { family, pixels: p.pixels, rows: p.rows, seed, labels, frames: 2, settings }, [p.pixels.buffer], ...progress);
    const pixels = r.frames[r.frames.length - 1].x;
    const out = { width: WIDTH, height: HEIGHT, n, pixels };
    if (labels) out.labels = labels;
    return out;
  }

  /** One label per sample from `label` or `labels`, checked; undefined for none. */
  _labels(info, n, label, labels) {
    if (label === undefined && labels === undefined) return undefined;
    if (!info.capabilities.conditional) throw paramError(`'${info.name}' is not class-conditional: it takes no label`);
    if (label !== undefined && labels !== undefined) throw paramError('give label or labels, not both');
    if (label !== undefined) {
      checkInt('label', label, 0, 9);
      return new Uint8Array(n).fill(label);
    }
    if (!(Array.isArray(labels) || ArrayBuffer.isView(labels)) || labels.length !== n) throw paramError(`labels must be an array of n = ${n} digits`);
    labels.forEach((l) => checkInt('label', l, 0, 9));
    return Uint8Array.from(labels);
  }

  /**
   * Sampler settings against the family's declarations (the worker checks them again);
   * `options`: the method's other options, named with the known ones when a key is unknown.
   */
  _checkSettings(info, settings, options = []) {
    for (const [key, v] of Object.entries(settings)) {
      const h = info.sampling.find((x) => x.key === key);
      if (!h) {
        const known = ['n', 'seed', ...(info.capabilities.conditional ? ['label', 'labels'] : []), ...options, ...info.sampling.map((x) => x.key)];
        throw paramError(`unknown sampling option '${key}' for '${info.name}' (known: ${known.join(', ')})`);
      }
      checkParam(h, v);
    }
  }

  /**
   * MNIST test digits by index (0..9999).
   * @param {number[]} indices
   * @returns {Promise<Images & {labels: Uint8Array}>}
   */
  async testDigits(indices) {
    this._checkOpen();
    if (!Array.isArray(indices) || indices.length === 0) throw paramError('indices must be a non-empty array of test-digit indices');
    indices.forEach((i) => this._checkIndex('index', i));
    const { pixels, labels } = await this._call('testDigits', { indices });
    return { width: WIDTH, height: HEIGHT, n: indices.length, pixels, labels };
  }

  /**
   * Passes test digits through the model and back (families with `capabilities.reconstruct`):
   * an autoencoder's code, or an energy model's hidden units (v -> h -> v: the hidden layers'
   * mean-field probabilities, then the pixels' probabilities given the first).
   * @param {string} family  a family with capabilities.reconstruct
   * @param {{indices: number[]}} options  test-digit indices
   * @returns {Promise<{width: number, height: number, n: number, originals: Float32Array, reconstructions: Float32Array, labels: Uint8Array}>}
   */
  async reconstruct(family, options) {
    this._info(family);
    const { indices = [0, 1, 2, 3, 4, 5, 6, 7] } = optionsArg(options, 'lab.reconstruct', '{indices: [0, 1, 2]}');
    if (!Array.isArray(indices) || indices.length === 0 || indices.length > MAX_SAMPLES) throw paramError(`indices must be an array of 1..${MAX_SAMPLES} test-digit indices`);
    indices.forEach((i) => this._checkIndex('index', i));
    this._touch(family);
    const r = await this._call('reconstruct', { family, indices });
    return { width: WIDTH, height: HEIGHT, n: indices.length, ...r };
  }

  /**
   * Decodes `steps` points on the straight line between the latent codes of test digits a and b.
   * @param {string} family
   * @param {{a: number, b: number, steps?: number}} options  steps in 2..64
   * @returns {Promise<Images>}
   */
  async interpolate(family, options) {
    this._info(family);
    const { a = 3, b = 2, steps = 10 } = optionsArg(options, 'lab.interpolate', '{a: 3, b: 2, steps: 10}');
    this._checkIndex('a', a);
    this._checkIndex('b', b);
    checkInt('steps', steps, 2, 64);
    this._touch(family);
    const pixels = await this._call('interpolate', { family, a, b, steps });
    return { width: WIDTH, height: HEIGHT, n: steps, pixels };
  }

  /**
   * For a model with a 2-D latent: a side x side grid of images decoded from codes spanning
   * [-extent, extent]^2 (rows top to bottom = z2 from +extent to -extent). Rejects when the
   * model's latent is not 2-D.
   * @param {string} family
   * @param {{side?: number, extent?: number}} [options]  side in 2..32, extent in (0, 10]
   * @returns {Promise<Images & {side: number}>}
   */
  async manifold(family, options) {
    this._info(family);
    const { side = 15, extent = 2.5 } = optionsArg(options, 'lab.manifold', '{side: 15, extent: 2.5}');
    checkInt('side', side, 2, 32);
    checkNumber('extent', extent);
    if (!(extent > 0 && extent <= 10)) throw paramError(`extent = ${extent} is out of range (0, 10]`);
    this._touch(family);
    const pixels = await this._call('manifold', { family, side, extent });
    return { width: WIDTH, height: HEIGHT, n: side * side, side, pixels };
  }

  /**
   * Mean log-likelihood over the first n test digits, or a lower bound on it for families
   * whose `capabilities.likelihood` is 'bound' (the VAE's ELBO), or an estimate for those whose
   * kind is 'estimate' (an energy model: log p(v) = -F(v) - log Z with log Z by annealed
   * importance sampling, whose standard error across the AIS runs is `uncertainty`, in nats;
   * the first call runs AIS and can take seconds). Binarised families score test digits
   * binarised with a fixed seed, the same on every backend.
   *
   * With `images` instead (n * 784 values in [0, 1], n in 1..1024): the log-likelihood of
   * each given image (of the family's kind), `nats` (n values) and `bits_per_dim` (n values,
   * -nats / (784 ln 2), of the family's data model: a binary family binarises the images at
   * 0.5, a dequantised one (flows) scores the bytes round(255 v) with a fixed dequantisation).
   * Where the likelihood splits by pixel (`capabilities.pixel_likelihood`, e.g. PixelCNN) also
   * its share at every pixel, `pixels` (n * 784 values, log p(x_i | what the model conditions
   * pixel i on); each image's sum to its `nats`; -pixels is a map of where the model was
   * surprised). For an estimate, `uncertainty`: the standard error (nats) every image's figure
   * shares (that of log Z). Unconditional: no label is given to the model.
   * @param {string} family
   * @param {{n?: number} | {images: Float32Array|number[]}} [options]  n in 1..10000
   * @returns {Promise<{nats: number, bits_per_dim: number, n: number, kind: 'bound'|'exact'|'estimate', samples: number, pixels: 'binarized'|'continuous'|'dequantized', uncertainty?: number}
   *   | {n: number, nats: Float32Array, bits_per_dim: Float32Array, pixels?: Float32Array, uncertainty?: number}>}
   */
  async likelihood(family, options) {
    const info = this._info(family);
    const o = optionsArg(options, 'lab.likelihood', '{n: 500}');
    if (o.images !== undefined) return this._imageLikelihood(info, o);
    const { n = 500 } = o;
    if (!info.capabilities.likelihood) throw new Error(`'${family}' has no likelihood`);
    checkInt('n', n, 1, TEST_DIGITS);
    this._touch(family);
    return this._call('likelihood', { family, n });
  }

  /** {@link GenLab#likelihood} of given images: each one's log p(x), and each pixel's share where it splits by pixel. */
  async _imageLikelihood(info, { images, ...rest }) {
    const family = info.name;
    if (!info.capabilities.likelihood) throw new Error(`'${family}' has no likelihood`);
    const unknown = Object.keys(rest);
    if (unknown.length) throw paramError(`lab.likelihood takes either {n} (test digits) or {images}, not '${unknown[0]}' beside images`);
    const pixels = checkImages('images', images, MAX_SAMPLES);
    this._touch(family);
    const r = await this._call('imageLikelihood', { family, pixels }, [pixels.buffer]);
    const out = { n: r.nats.length, nats: r.nats, bits_per_dim: r.bits_per_dim };
    if (r.pixels) out.pixels = r.pixels;
    if (r.uncertainty != null) out.uncertainty = r.uncertainty;
    return out;
  }

  /**
   * The checked options of `lab.NAME(family, {images})`: the family must be able to (`able`,
   * a test of its capabilities; else "'family' `refusal`"), and nothing may stand beside the
   * images. Returns the pixels as a fresh Float32Array and the number of images.
   */
  _givenImages(family, options, name, able, refusal) {
    const info = this._info(family);
    const { images, ...rest } = optionsArg(options, `lab.${name}`, '{images}');
    if (!able(info.capabilities)) throw new Error(`'${family}' ${refusal}`);
    const unknown = Object.keys(rest);
    if (unknown.length) throw paramError(`lab.${name} takes {images}, not '${unknown[0]}'`);
    const pixels = checkImages('images', images, MAX_SAMPLES);
    this._touch(family);
    return { pixels, n: pixels.length / PIXELS };
  }

  /**
   * The codes of given images (families with `capabilities.encoder`): a VAE's posterior mean,
   * a flow's z (784 numbers in the image's layout; {@link GenLab#decode} inverts it exactly).
   * @param {string} family
   * @param {{images: Float32Array|number[]}} options  n * 784 values in [0, 1], n in 1..1024
   * @returns {Promise<{n: number, dim: number, codes: Float32Array}>}
   */
  async encode(family, options) {
    const { pixels, n } = this._givenImages(family, options, 'encode', (c) => c.encoder, 'has no encoder');
    const codes = await this._call('encode', { family, pixels }, [pixels.buffer]);
    return { n, dim: codes.length / n, codes };
  }

  /**
   * An invertible family's layers (`capabilities.invertible`, the flows) on given images: the
   * state after each layer in the image's layout (`states`, layers * n * 784 values, unbounded:
   * the logit of the pixels first, z last) and each layer's log |det| per image (`logdets`,
   * layers * n, nats), with the layers' `names`, and `log_prior`, log N(z; 0, I) per image
   * (n, nats): log_prior plus an image's log-dets is the log-density of its pixels as given
   * (before dequantisation and the 784 ln 256 of 8-bit data that {@link GenLab#likelihood} adds).
   * @param {string} family
   * @param {{images: Float32Array|number[]}} options  n * 784 values in [0, 1], n in 1..1024
   * @returns {Promise<{n: number, layers: number, names: string[], states: Float32Array, logdets: Float32Array, log_prior: Float32Array}>}
   */
  async layers(family, options) {
    const { pixels, n } = this._givenImages(family, options, 'layers', (c) => c.invertible, 'is not invertible');
    const r = await this._call('flowLayers', { family, pixels }, [pixels.buffer]);
    return { n, layers: r.names.length, names: r.names, states: r.states, logdets: r.logdets, log_prior: r.log_prior };
  }

  /**
   * An energy model's family (`capabilities.energy`, RBM and DBM), checked: throws "'vae' is
   * not an energy-based model" for the rest.
   */
  _energyInfo(family) {
    const info = this._info(family);
    if (!info.capabilities.energy) throw new Error(`'${family}' ${this._notEnergy()}`);
    return info;
  }

  /** "is not an energy-based model (those are: rbm, dbm)". */
  _notEnergy() {
    const those = this._families.filter((f) => f.capabilities.energy).map((f) => f.name);
    return `is not an energy-based model (those are: ${those.join(', ') || 'none in this build'})`;
  }

  /**
   * The free energy F(v) of given images under an energy model (`capabilities.energy`): log p(v)
   * = -F(v) - log Z, so a lower free energy is a more probable image (a DBM's is its mean-field
   * bound). Images are binarised at 0.5, as the model's pixels are binary.
   * @param {string} family
   * @param {{images: Float32Array|number[]}} options  n * 784 values in [0, 1], n in 1..1024
   * @returns {Promise<{n: number, free_energy: Float32Array}>}  n values, nats
   */
  async freeEnergy(family, options) {
    const { pixels, n } = this._givenImages(family, options, 'freeEnergy', (c) => c.energy, this._notEnergy());
    const free_energy = await this._call('freeEnergy', { family, pixels }, [pixels.buffer]);
    return { n, free_energy };
  }

  /**
   * An energy model's hidden layers given images (`capabilities.energy`; binarised at 0.5):
   * each layer's unit probabilities, bottom up (an RBM's one layer, exact; a DBM's two, by mean
   * field). `layers[l]` holds n * sizes[l] values in [0, 1], image after image.
   * @param {string} family
   * @param {{images: Float32Array|number[]}} options  n * 784 values in [0, 1], n in 1..1024
   * @returns {Promise<{n: number, sizes: number[], layers: Float32Array[]}>}
   */
  async hiddenLayers(family, options) {
    const { pixels, n } = this._givenImages(family, options, 'hiddenLayers', (c) => c.energy, this._notEnergy());
    const r = await this._call('hiddenLayers', { family, pixels }, [pixels.buffer]);
    return { n, sizes: Array.from(r.sizes), layers: Array.from(r.layers) };
  }

  /**
   * An energy model's first-layer filters (`capabilities.energy`): each hidden unit's weights
   * to the 784 pixels, as a signed 28 x 28 image (positive: the unit likes ink there).
   * @param {string} family
   * @returns {Promise<{units: number, width: number, height: number, filters: Float32Array}>}  units * 784 values
   */
  async filters(family) {
    this._energyInfo(family);
    this._touch(family);
    const r = await this._call('filters', { family });
    return { units: r.units, width: WIDTH, height: HEIGHT, filters: r.filters };
  }

  /**
   * The overfitting signal of an energy model (`capabilities.energy`): the mean free energy
   * of the first n training digits and of the first n test digits (binarised with a fixed
   * seed). Held-out digits with a higher free energy are less probable to the model than the
   * digits it trained on: a widening gap (test - train) is overfitting.
   * @param {string} family
   * @param {{n?: number}} [options]  n in 1..10000 (default 500)
   * @returns {Promise<{train: number, test: number, n: number}>}  nats
   */
  async energyGap(family, options) {
    this._energyInfo(family);
    const { n = 500, ...rest } = optionsArg(options, 'lab.energyGap', '{n: 500}');
    const unknown = Object.keys(rest);
    if (unknown.length) throw paramError(`unknown option '${unknown[0]}' of lab.energyGap (known: n)`);
    checkInt('n', n, 1, TEST_DIGITS);
    this._touch(family);
    return this._call('energyGap', { family, n });
  }

  /**
   * An energy model's log partition function log Z (`capabilities.energy`), estimated by
   * annealed importance sampling (the family's `ais_runs` runs through `ais_steps`
   * temperatures), and its standard error across the runs `se` (nats). Estimated once per set
   * of weights, then kept: the first call can take seconds, later ones are immediate.
   * @param {string} family
   * @returns {Promise<{log_z: number, se: number}>}
   */
  async logPartition(family) {
    this._energyInfo(family);
    this._touch(family);
    return this._call('logPartition', { family });
  }

  /**
   * Evaluates a family's current model with the classifier judge, in the worker: `n` samples
   * from `seed` and their FID-MNIST (Fréchet distance of the judge's features to the 10,000
   * test digits'), the same for n real training digits (`fid_real`, the baseline), the class
   * histogram, its entropy, the judge's confidence and an Inception-Score-like figure (with a
   * mode-collapse `warning` when digits are missing), a check of `memorisation` samples for
   * copies of training digits, the test-set likelihood of `likelihood` digits where the family
   * has one, and for a conditional family the share of samples recognised as the requested
   * digit. The same fields as `./build.sh eval --json`.
   *
   * The samples are drawn with the family's sampler settings given beside the options (e.g.
   * `{steps: 50, guidance: 3}` for diffusion), the defaults otherwise.
   *
   * With `images` (n * 784 values in [0, 1], e.g. the samples on screen) it scores those
   * instead: `{n, fid, fid_real, classes, memorisation}`.
   *
   * @param {string} family
   * @param {{n?: number, seed?: number, memorisation?: number, likelihood?: number, images?: Float32Array,
   *   onProgress?: (p: {fraction: number, stage: string}) => void, [setting: string]: any}} [options]
   *   n in 2..10240 (default 500), memorisation in 0..n (default min(300, n)), likelihood in 0..10000 (default n)
   * @returns {Promise<object>}
   */
  async evaluate(family, options) {
    const info = this._info(family);
    let { n = 500, seed = 0, memorisation, likelihood, images, onProgress, ...settings } = optionsArg(options, 'lab.evaluate', '{n: 500, seed: 0}');
    this._checkSettings(info, settings);
    if (images !== undefined && Object.keys(settings).length) throw paramError('sampler settings apply to fresh samples, not to given images');
    if (images !== undefined) {
      if (!(images instanceof Float32Array) || images.length < 2 * PIXELS || images.length % PIXELS) throw paramError('images must be a Float32Array of at least 2 whole 28x28 images');
      n = images.length / PIXELS;
    }
    // The default check covers at most n samples (16 on screen cannot fill 300).
    memorisation = memorisation ?? Math.min(300, n);
    checkInt('n', n, 2, 10 * MAX_SAMPLES);
    checkInt('seed', seed, 0, MAX_SEED);
    checkInt('memorisation', memorisation, 0, n);
    likelihood = likelihood ?? Math.min(n, TEST_DIGITS);
    checkInt('likelihood', likelihood, 0, TEST_DIGITS);
    if (onProgress !== undefined && typeof onProgress !== 'function') throw paramError('onProgress must be a function');
    this._touch(family);
    const args = { family, n, seed, memorisation, likelihood, settings, images: images?.slice() };
    const r = await this._call('evaluate', args, args.images ? [args.images.buffer] : [], onProgress);
    return images ? { family, ...r } : r;
  }

  /**
   * Runs a step-by-step sampler (families with `capabilities.trajectory`, e.g. diffusion) and
   * returns up to `frames` stored states, from the pure noise to the samples: each frame's
   * timestep `t` (T for noise, 0 for the result), the state `x` and the model's prediction of
   * the final image `x0` (null for the first frame), n * 784 values in [0, 1] each; `ms` is
   * the sampler's wall-clock time. Options as for {@link GenLab#sample}, `onProgress` and
   * `signal` included.
   * @param {string} family
   * @param {{n?: number, seed?: number, label?: number, labels?: number[], frames?: number} & Object<string, number|string>} [options]
   * @returns {Promise<{width: number, height: number, n: number, ms: number, frames: {t: number, x: Float32Array, x0: Float32Array|null, code: {values: Float32Array, grid: number[]}|null}[]}>}
   *   `code`: the state itself where it is a code (latent diffusion's z_t, of which `x` is the
   *   decoding), n * channels * side * side values and `grid` = [channels, side, side]; else null.
   */
  async trajectory(family, options) {
    const info = this._info(family);
    let { n = 8, seed = 0, label, labels, frames = 50, onProgress, signal, ...settings } = optionsArg(options, 'lab.trajectory', '{n: 8, seed: 0, frames: 50}');
    if (!info.capabilities.trajectory) throw new Error(`'${family}' has no step-by-step sampler`);
    checkInt('n', n, 1, 64);
    checkInt('seed', seed, 0, MAX_SEED);
    checkInt('frames', frames, 2, 1001);
    labels = this._labels(info, n, label, labels);
    this._checkSettings(info, settings);
    const progress = progressArgs(onProgress, signal);
    this._touch(family);
    const r = await this._call('trajectory', { family, n, seed, labels, settings, frames }, [], ...progress);
    return { width: WIDTH, height: HEIGHT, n, ms: r.ms, frames: r.frames };
  }

  /**
   * The consistency picture (families with `capabilities.trajectory_map`: a consistency
   * model): the path of the model it was distilled from (its teacher, the DDPM: 20 DDIM steps,
   * eta 0, from the same noise and labels {@link GenLab#sample} starts from for this seed) and,
   * for each state on it, this family's digit made of that state in one network evaluation.
   * Frames as {@link GenLab#trajectory} gives them, from pure noise (`t` = T) to the end (`t` =
   * 0): `x` the teacher's state x_t, `x0` the family's f(x_t, t), n * 784 values in [0, 1]
   * each, `code` null; `ms` the wall-clock time. A good consistency model maps every state of
   * the path to (nearly) the digit at its end. No sampler settings: the path is the teacher's.
   * `onProgress` and `signal` as for {@link GenLab#sample}.
   * @param {string} family
   * @param {{n?: number, seed?: number, label?: number, labels?: number[], frames?: number,
   *   onProgress?: (p: {fraction: number}) => void, signal?: AbortSignal}} [options]
   *   n in 1..64 (default 8), frames in 2..1001 (default 21: every state of the 20-step path)
   * @returns {Promise<{width: number, height: number, n: number, ms: number, frames: {t: number, x: Float32Array, x0: Float32Array, code: null}[]}>}
   */
  async trajectoryMap(family, options) {
    const info = this._info(family);
    let { n = 8, seed = 0, label, labels, frames = 21, onProgress, signal, ...rest } = optionsArg(options, 'lab.trajectoryMap', '{n: 8, seed: 0, frames: 21}');
    if (!info.capabilities.trajectory_map) {
      const those = this._families.filter((f) => f.capabilities.trajectory_map).map((f) => f.name);
      throw new Error(`'${family}' maps no other model's sampling path (no capabilities.trajectory_map; families that do: ${those.join(', ') || 'none in this build'})`);
    }
    const unknown = Object.keys(rest);
    if (unknown.length) {
      const known = ['n', 'seed', ...(info.capabilities.conditional ? ['label', 'labels'] : []), 'frames', 'onProgress', 'signal'];
      throw paramError(`unknown option '${unknown[0]}' of lab.trajectoryMap (known: ${known.join(', ')}; the path is the teacher's, so it takes no sampler settings)`);
    }
    checkInt('n', n, 1, 64);
    checkInt('seed', seed, 0, MAX_SEED);
    checkInt('frames', frames, 2, 1001);
    labels = this._labels(info, n, label, labels);
    const progress = progressArgs(onProgress, signal);
    this._touch(family);
    const r = await this._call('trajectoryMap', { family, n, seed, labels, frames }, [], ...progress);
    return { width: WIDTH, height: HEIGHT, n, ms: r.ms, frames: r.frames };
  }

  /**
   * Completes digits (families with `capabilities.completion`, e.g. PixelCNN): keeps the
   * first `rows` rows (0..28) of each given digit bit for bit (binarised at 0.5 for a family of
   * binary pixels) and samples the rest given them, returning up to `frames` stored states as
   * {@link GenLab#trajectory} does: each frame's `t` (for PixelCNN the rows still to draw, 0
   * for the result), the digits so far `x`, and `x0`, for PixelCNN the model's probability of
   * ink at each pixel drawn so far (0 where nothing was drawn: a heat map). The last frame's `x`
   * are the completions. `pixels` is one digit (784 values in [0, 1], completed n times with
   * different draws) or n digits (n * 784); without `n`, n is the number of digits given.
   *
   * For an energy model (RBM, DBM) this is a Gibbs chain started AT the given digits (binarised)
   * with their first `rows` rows held fixed: `rows` = 0 holds none, so a scribble settles into a
   * digit. Its frames are `{t: sweeps still to run, x: p(v | h) after the sweeps so far, x0:
   * null}`, the first being the digits as given.
   *
   * `settings`: the family's sampler settings (`family(name).sampling`, e.g. `{steps: 200}`
   * Gibbs sweeps, or PixelCNN's `{guidance: 3}`); they may also be given beside the other
   * options, as for {@link GenLab#trajectory}. `onProgress` and `signal` as for {@link GenLab#sample}.
   * @param {string} family
   * @param {{pixels: Float32Array|number[], rows: number, n?: number, seed?: number, label?: number, labels?: number[], frames?: number,
   *   settings?: Object<string, number|string>, onProgress?: (p: {fraction: number}) => void, signal?: AbortSignal}} options
   *   n in 1..64, frames in 2..1001 (default 50; a chain of k steps stores at most k + 1)
   * @returns {Promise<{width: number, height: number, n: number, rows: number, ms: number, frames: {t: number, x: Float32Array, x0: Float32Array|null}[]}>}
   */
  async complete(family, options) {
    const info = this._info(family);
    let { pixels, rows, n, seed = 0, label, labels, frames = 50, settings = {}, onProgress, signal, ...rest } = optionsArg(options, 'lab.complete', '{pixels, rows: 14, n: 8}');
    if (!info.capabilities.completion) throw new Error(`'${family}' cannot complete digits (it has no capabilities.completion)`);
    if (settings === null || typeof settings !== 'object' || Array.isArray(settings) || ArrayBuffer.isView(settings)) {
      throw paramError(`settings must be an object of sampler settings such as {${info.sampling[0]?.key ?? 'steps'}: ${info.sampling[0]?.default ?? 100}}, got ${describe(settings)}`);
    }
    for (const k of Object.keys(rest)) {
      if (!info.sampling.some((h) => h.key === k)) {
        const known = ['pixels', 'rows', 'n', 'seed', ...(info.capabilities.conditional ? ['label', 'labels'] : []), 'frames', 'settings', 'onProgress', 'signal', ...info.sampling.map((h) => h.key)];
        throw paramError(`unknown option '${k}' of lab.complete (known: ${known.join(', ')})`);
      }
      if (k in settings) throw paramError(`sampler setting '${k}' is given twice (beside the options and in settings)`);
    }
    settings = { ...settings, ...rest };
    this._checkSettings(info, settings);
    const p = checkPrefix('pixels', pixels, rows, n, 64);
    n = p.n;
    checkInt('seed', seed, 0, MAX_SEED);
    checkInt('frames', frames, 2, 1001);
    labels = this._labels(info, n, label, labels);
    const progress = progressArgs(onProgress, signal);
    this._touch(family);
    const r = await this._call('complete', { family, pixels: p.pixels, rows: p.rows, seed, labels, frames, settings }, [p.pixels.buffer], ...progress);
    return { width: WIDTH, height: HEIGHT, n, rows: p.rows, ms: r.ms, frames: r.frames };
  }

  /**
   * A diffusion family's noise schedule: `alpha_bar[t]` for t = 0..T-1 (signal level
   * sqrt(alpha_bar), noise level sqrt(1 - alpha_bar)).
   * @param {string} family
   * @returns {Promise<{alpha_bar: number[]}>}
   */
  async schedule(family) {
    const info = this._info(family);
    if (!info.capabilities.diffusion) throw new Error(`'${family}' is not a diffusion model`);
    this._touch(family);
    return this._call('schedule', { family });
  }

  /**
   * The forward (noising) process of a diffusion family on test digit `index`: the digit at
   * each timestep in `ts` (0..T-1) under one shared draw of noise from `seed`.
   * @param {string} family
   * @param {{index?: number, ts: number[], seed?: number}} options
   * @returns {Promise<Images>}
   */
  async forwardProcess(family, options) {
    const info = this._info(family);
    const { index = 0, ts, seed = 0 } = optionsArg(options, 'lab.forwardProcess', '{index: 0, ts: [0, 500, 999]}');
    if (!info.capabilities.diffusion) throw new Error(`'${family}' is not a diffusion model`);
    this._checkIndex('index', index);
    if (!Array.isArray(ts) || ts.length < 1 || ts.length > 64) throw paramError('ts must be an array of 1..64 timesteps');
    ts.forEach((t) => checkInt('t', t, 0, 999));
    checkInt('seed', seed, 0, MAX_SEED);
    this._touch(family);
    const pixels = await this._call('forwardProcess', { family, index, ts, seed });
    return { width: WIDTH, height: HEIGHT, n: ts.length, pixels };
  }

  /**
   * The noise codes {@link GenLab#sample} decodes for `seed` (families with a latent space):
   * n * d values, d = the latent size.
   * @param {string} family
   * @param {{n?: number, seed?: number}} [options]
   * @returns {Promise<{n: number, dim: number, codes: Float32Array}>}
   */
  async latentCodes(family, options) {
    const info = this._info(family);
    const { n = 1, seed = 0 } = optionsArg(options, 'lab.latentCodes', '{n: 1, seed: 0}');
    if (!info.capabilities.latent) throw new Error(`'${family}' has no latent space`);
    checkInt('n', n, 1, MAX_SAMPLES);
    checkInt('seed', seed, 0, MAX_SEED);
    this._touch(family);
    const codes = await this._call('latentCodes', { family, n, seed });
    return { n, dim: codes.length / n, codes };
  }

  /**
   * Decodes latent codes (n * d values) into images; conditional families take one label per
   * code (else labels drawn from a fixed seed).
   * @param {string} family
   * @param {{codes: Float32Array|number[], labels?: number[]}} options
   * @returns {Promise<Images>}
   */
  async decode(family, options) {
    const info = this._info(family);
    let { codes, labels } = optionsArg(options, 'lab.decode', '{codes}');
    if (!info.capabilities.latent) throw new Error(`'${family}' has no latent space`);
    if (!(codes instanceof Float32Array || Array.isArray(codes)) || codes.length === 0) throw paramError('codes must be a non-empty array of numbers');
    const z = Float32Array.from(codes);
    if (!z.every(Number.isFinite)) throw paramError('codes must be finite numbers');
    if (labels !== undefined) {
      if (!info.capabilities.conditional) throw paramError(`'${family}' is not class-conditional: it takes no label`);
      if (!(Array.isArray(labels) || ArrayBuffer.isView(labels))) throw paramError(`labels must be an array of digits, got ${describe(labels)}`);
      labels.forEach((l) => checkInt('label', l, 0, 9));
      labels = Uint8Array.from(labels);
    }
    this._touch(family);
    const pixels = await this._call('decode', { family, z, labels });
    return { width: WIDTH, height: HEIGHT, n: pixels.length / PIXELS, pixels };
  }

  /**
   * What the classifier judge makes of images (n * 784 values in [0, 1]): each image's label,
   * the class histogram, its entropy in bits, the judge's confidence, an Inception-Score-like
   * figure, and a mode-collapse `warning` when digits are missing.
   * @param {Float32Array} images
   * @returns {Promise<{labels: number[], classes: {histogram: number[], entropy_bits: number, confidence: number, inception_score: number, missing: number[], warning: string|null}}>}
   */
  async classes(images) {
    this._checkOpen();
    if (!(images instanceof Float32Array) || images.length < PIXELS || images.length % PIXELS) throw paramError('images must be a Float32Array of whole 28x28 images');
    return this._call('classes', { images: images.slice() });
  }

  /**
   * Test accuracy of the classifiers a family carries (`capabilities.classify`), over the
   * first n test digits: naive Bayes by Bayes' rule beside its logistic-regression twin; for
   * an RBM or a DBM a linear classifier on its (top) hidden layer's features ("RBM features +
   * linear", "DBM top-layer features + linear") beside an MLP of the same layer sizes trained
   * on the pixels ("MLP of the same size"). Empty for other families.
   * @param {string} family
   * @param {{n?: number}} [options]  n in 1..10000
   * @returns {Promise<{n: number, classifiers: {name: string, accuracy: number}[]}>}
   */
  async accuracy(family, options) {
    this._info(family);
    const { n = TEST_DIGITS } = optionsArg(options, 'lab.accuracy', '{n: 10000}');
    checkInt('n', n, 1, TEST_DIGITS);
    this._touch(family);
    return this._call('accuracy', { family, n });
  }

  /**
   * The model's hyper-parameters (loads the pretrained weights if none are loaded).
   * @param {string} family
   * @returns {Promise<Object<string, number>>}
   */
  async config(family) {
    this._info(family);
    this._touch(family);
    return this._call('config', { family });
  }

  /**
   * The current model's weights as a GenLab burnpack file (loadable with {@link GenLab#loadWeights}
   * and by the CLI).
   * @param {string} family
   * @returns {Promise<Uint8Array>}
   */
  async exportWeights(family) {
    this._info(family);
    this._touch(family);
    return this._call('exportWeights', { family });
  }

  /**
   * Replaces the model with the weights in a burnpack file. On a bad file (not burnpack,
   * truncated, another family's, wrong sizes) it throws and the previous model stays. Refused
   * while a training run of the family is active (stop it first).
   * @param {string} family
   * @param {Uint8Array|ArrayBuffer} bytes
   * @returns {Promise<Object<string, number>>} the file's hyper-parameters
   */
  async loadWeights(family, bytes) {
    this._info(family);
    if (bytes instanceof ArrayBuffer) bytes = new Uint8Array(bytes);
    if (!(bytes instanceof Uint8Array)) throw paramError(`weights must be a Uint8Array or an ArrayBuffer, got ${describe(bytes)}`);
    this._checkNotTraining(family, 'loading weights');
    const copy = bytes.slice();
    const config = await this._call('loadWeights', { family, bytes: copy.slice() }, []);
    this._models.set(family, copy);
    return config;
  }

  /**
   * Replaces the model with the pretrained weights (`weights/<family>.bpk`). Refused while a
   * training run of the family is active (stop it first).
   * @param {string} family
   * @returns {Promise<Object<string, number>>} their hyper-parameters
   */
  async loadPretrained(family) {
    this._info(family);
    this._checkNotTraining(family, 'loading the pretrained weights');
    const config = await this._call('loadPretrained', { family });
    this._models.set(family, null);
    return config;
  }

  /**
   * Starts training `family` in the worker, a chunk of steps at a time.
   *
   * Throws at once on bad arguments (unknown family or hyper-parameter, value out of its
   * declared range); failures later (divergence, a bad architecture change when fine-tuning)
   * reject `handle.done` and set `handle.state` to 'error'.
   *
   * @param {string} family
   * @param {object} [options]
   * @param {Object<string, number>} [options.params]  hyper-parameters (see `family(name).hyper`);
   *   missing ones take their defaults (from scratch) or the pretrained model's (fine-tuning)
   * @param {'scratch'|'pretrained'} [options.from='scratch']  a fresh model, or fine-tune the pretrained one
   * @param {number} [options.steps=2000]  total training steps
   * @param {number} [options.seed=0]  seeds the initial weights and the batch order
   * @param {number} [options.chunk=5]  steps per call into the model (progress granularity)
   * @param {number} [options.sampleEvery=50]  steps between sample grids in progress events (0: never)
   * @param {number} [options.sampleN=16]  images per sample grid
   * @param {number} [options.snapshotEvery=200]  steps between weight snapshots (0: only at the end)
   * @returns {TrainHandle}
   */
  train(family, options) {
    const info = this._info(family);
    options = optionsArg(options, 'lab.train', '{steps: 500}');
    const {
      params = {}, from = 'scratch', steps = 2000, seed = 0, chunk = 5, sampleEvery = 50, sampleN = 16, snapshotEvery = 200,
    } = options;
    const known = new Set(['params', 'from', 'steps', 'seed', 'chunk', 'sampleEvery', 'sampleN', 'snapshotEvery']);
    for (const k of Object.keys(options)) if (!known.has(k)) throw paramError(`unknown training option '${k}' (known: ${[...known].join(', ')})`);
    if (params === null || typeof params !== 'object' || Array.isArray(params)) throw paramError('params must be an object of hyper-parameters');
    for (const [key, v] of Object.entries(params)) {
      const h = info.hyper.find((x) => x.key === key);
      if (!h) throw paramError(`unknown hyper-parameter '${key}' (known: ${info.hyper.map((x) => x.key).join(', ')})`);
      checkParam(h, v);
    }
    if (!['scratch', 'pretrained'].includes(from)) throw paramError(`from = '${from}' (use 'scratch' or 'pretrained')`);
    checkInt('steps', steps, 1, 10_000_000);
    checkInt('seed', seed, 0, MAX_SEED);
    checkInt('chunk', chunk, 1, 1000);
    checkInt('sampleEvery', sampleEvery, 0, 10_000_000);
    checkInt('sampleN', sampleN, 1, MAX_SAMPLES);
    checkInt('snapshotEvery', snapshotEvery, 0, 10_000_000);
    if (this._activeRun(family)) throw new Error(`a '${family}' training run is already active: stop it first`);

    const handle = new TrainHandle(this, family, { params: { ...params }, from, steps, seed, chunk, sampleEvery, sampleN, snapshotEvery });
    this._touch(family);
    handle._start({ from });
    return handle;
  }

  /**
   * Test hook: destroys the GPUDevice the model runs on, as if the browser had lost it. The lab
   * then switches to the CPU backend (a `'backend'` event). Rejects on the CPU backend.
   * @returns {Promise<boolean>}
   */
  async _debugLoseDevice() {
    return this._call('debugLoseDevice');
  }

  /** True once {@link GenLab#close} was called. */
  get closed() {
    return this._closed;
  }

  /**
   * Stops the worker. Everything still pending settles at once: every call in flight (sample,
   * evaluate, pause, resume, stop, ...) rejects with an Error "the lab was closed: ..." whose
   * `closed` is true, and every active training run ends in state 'closed', its `done`
   * rejecting the same way (see {@link TrainHandle#done}). Every later call rejects (`train`
   * throws) with such an Error too. Closing twice does nothing.
   */
  close() {
    if (this._closed) return;
    this._closed = true;
    this._worker?.terminate();
    this._worker = null;
    // Runs first: their start calls, rejected next, then find them final and leave them so.
    for (const h of new Set(this._runs.values())) h._close();
    this._rejectAll(closedError('the call was still pending'));
  }
}
