// GenLab's model worker: every call into the wasm `Lab` happens here, never on the page's
// main thread. Driven by `genlab.js`; not a public API.
//
// Protocol
//   main -> worker  {id, op, args}
//   worker -> main  {id, ok: true, result} | {id, ok: false, error: message}
//   events          {event: 'progress' | 'train-state' | 'snapshot' | 'fatal' | 'device-lost', ...}
//                   {event: 'download', stage, family, url, loaded, total, done}: a file being
//                   fetched (the wasm while init runs, a family's weights, the judge's, MNIST)
//                   {event: 'call-progress', id, fraction, stage}: progress of call `id` (evaluate,
//                   and step-by-step sample, trajectory, trajectoryMap and complete calls; {op: 'cancel', args: {job: id}} stops those)
//                   (logPartition's first call runs AIS: up to a minute, with no progress reports)
//
// The Rust `Lab` keeps its state in a RefCell: two calls must never overlap. Every op that
// touches it goes through one promise chain (`serial`). Training runs a few steps per link of
// that chain and yields to the event loop in between, so other calls (sampling, pause, stop)
// get their turn. Control ops (cancel, trainPause/Resume/Stop, debugLoseDevice) do not touch the Lab
// and are answered at once.

let wasm = null; // the module namespace of pkg/genlab.js
let lab = null; // the wasm Lab
let base = null; // URL of the www/ root: pkg/, weights/ and data/ live under it
let gpuDevice = null; // the last GPUDevice wgpu created (for the device-loss test hook)
let deviceLost = false; // set once that device is lost: the page restarts us on the CPU

/**
 * On WebGPU, a failure can be the first sign of a lost device, whose `lost` promise settles a
 * moment later. Waits that moment; true when the device is gone (the page then restarts the
 * worker and rejects everything itself, so the failure needs no answer of its own).
 */
async function lostDevice() {
  if (!gpuDevice) return false;
  if (!deviceLost) await new Promise((r) => setTimeout(r, 300));
  return deviceLost;
}

const post = (msg, transfer = []) => self.postMessage(msg, transfer);

// ---------------------------------------------------------------------------------------
// Serial execution

let chain = Promise.resolve();

/** Runs `fn` after every op queued before it; returns its result. */
function serial(fn) {
  const run = chain.then(fn);
  chain = run.catch(() => {});
  return run;
}

// ---------------------------------------------------------------------------------------
// Helpers

/** An Error's message, or the string form of anything else thrown (wasm-bindgen throws Errors). */
function message(e) {
  if (e == null) return 'unknown error';
  if (typeof e === 'string') return e;
  if (e.message) return e.message;
  return String(e);
}

/** Transfers a typed array's buffer when it owns it alone (never the wasm memory). */
function transferList(...arrays) {
  const out = [];
  for (const a of arrays) {
    if (a && ArrayBuffer.isView(a) && a.buffer instanceof ArrayBuffer && a.byteOffset === 0 && a.byteLength === a.buffer.byteLength && !out.includes(a.buffer)) {
      out.push(a.buffer);
    }
  }
  return out;
}

/**
 * Reports a download's progress as `download` events: the first (0 bytes), at most one per
 * 100 ms, and the last (`done`). `total` is the Content-Length, or null where the server sent
 * none or it is not the size of the bytes read (a compressed transfer).
 * @param {{stage: 'wasm'|'weights'|'judge'|'data', family?: string}} what
 */
function downloadProgress(url, what, res) {
  const length = Number(res.headers.get('content-length'));
  // A compressed transfer's Content-Length counts the compressed bytes, but the body reads
  // decompressed ones: as a total it would fill the bar long before the end. Content-Encoding
  // is readable on the page's origin; on another (not exposed) only `loaded > length` tells.
  const encoding = (res.headers.get('content-encoding') ?? '').trim().toLowerCase();
  const compressed = encoding !== '' && encoding !== 'identity';
  const known = !compressed && Number.isFinite(length) && length > 0 ? length : null;
  let last = -Infinity;
  return (loaded, done = false) => {
    const now = performance.now();
    if (!done && loaded > 0 && now - last < 100) return;
    last = now;
    const total = known !== null && loaded <= known ? known : null;
    post({ event: 'download', stage: what.stage, family: what.family ?? null, url, loaded, total: done && total === null ? loaded : total, done });
  };
}

/** A fetch that says which URL failed and how: a network error (or CORS), or an HTTP status. */
async function fetchChecked(url, what) {
  let res;
  try {
    res = await fetch(url);
  } catch (e) {
    const other = new URL(url).origin !== self.location.origin;
    throw new Error(`${what} could not be fetched from ${url}: ${message(e)}${other ? ' (a server of another origin must allow it: Access-Control-Allow-Origin)' : ''}`);
  }
  if (!res.ok) throw new Error(`${what} not found at ${url} (HTTP ${res.status})`);
  return res;
}

/**
 * Fetches a file under `base`, reporting its progress (`download` events) when `progress`
 * says what it is.
 * @param {{stage: string, family?: string}} [progress]
 */
async function fetchBytes(path, what, progress) {
  const url = new URL(path, base).href;
  const res = await fetchChecked(url, what);
  if (!progress || !res.body) return new Uint8Array(await res.arrayBuffer());
  const report = downloadProgress(url, progress, res);
  report(0);
  const chunks = [];
  let loaded = 0;
  const reader = res.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    loaded += value.byteLength;
    report(loaded);
  }
  const bytes = new Uint8Array(loaded);
  let at = 0;
  for (const c of chunks) {
    bytes.set(c, at);
    at += c.byteLength;
  }
  report(loaded, true);
  return bytes;
}

/**
 * The wasm, fetched here rather than by the package so that its download reports progress.
 * The compiler gets the original Response (its URL keys the browser's cache of compiled code:
 * a Response built here would have none, and every visit would compile the wasm again); a
 * clone of it is read only to count the bytes as they arrive.
 */
async function fetchWasm(url) {
  const res = await fetchChecked(url, 'the wasm module');
  if (!res.body) return res;
  const report = downloadProgress(url, { stage: 'wasm' }, res);
  report(0);
  const reader = res.clone().body.getReader();
  (async () => {
    let loaded = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      loaded += value.byteLength;
      report(loaded);
    }
    report(loaded, true);
  })().catch(() => {}); // a failed download fails the compile too, which says so
  return res;
}

function requireLab() {
  if (!lab) throw new Error('the lab is not initialised (call init first)');
  return lab;
}

/** Loads `family`'s pretrained weights unless a model for it is already loaded. */
async function ensureModel(family) {
  requireLab();
  if (!lab.has_model(family)) await loadPretrained(family);
}

/**
 * The shipped weights files of base families fetched so far, by family (as promises): a base's
 * file is fetched once though it is both a family of its own and what another is built on
 * (latent diffusion's autoencoder).
 */
const shipped = new Map();
function shippedWeights(family, what) {
  // Only a base's file is kept (a family built on it may need it again); the rest are
  // fetched, loaded and let go.
  const isBase = wasm.families().some((f) => f.built_on.includes(family));
  if (!isBase) return fetchBytes(`weights/${family}.bpk`, what, { stage: 'weights', family });
  if (!shipped.has(family)) {
    const bytes = fetchBytes(`weights/${family}.bpk`, what, { stage: 'weights', family });
    shipped.set(family, bytes);
    bytes.catch(() => shipped.delete(family)); // a failed download is tried again next time
  }
  return shipped.get(family);
}

/**
 * Gives the lab the shipped weights of every family `family` is built on (its `built_on`,
 * and theirs), fetching those it does not have yet: a family built on others is made and
 * loaded from them.
 */
async function ensureBases(family) {
  const info = wasm.families().find((f) => f.name === family);
  for (const base of info?.built_on ?? []) {
    if (requireLab().has_base(base)) continue;
    await ensureBases(base);
    const bytes = await shippedWeights(base, `the '${base}' weights that '${family}' is built on`).catch((e) => {
      throw new Error(`${message(e)}: run ./build.sh train ${base}`);
    });
    try {
      lab.provide_base(base, bytes);
    } catch (e) {
      shipped.delete(base); // a file the lab refuses (damaged, another family's) is fetched again next time
      throw new Error(`the '${base}' weights that '${family}' is built on were refused: ${message(e)}`);
    }
  }
}

async function loadPretrained(family, seed = 0) {
  let bytes;
  try {
    bytes = await shippedWeights(family, `pretrained '${family}' weights`);
  } catch (e) {
    // Name the family first if it is unknown: a clearer message than a 404.
    const known = wasm.families().map((f) => f.name);
    if (!known.includes(family)) throw new Error(`unknown family '${family}' (known: ${known.join(', ')})`);
    throw new Error(`${message(e)}: run ./build.sh to train and export them`);
  }
  await ensureBases(family);
  return requireLab().load_weights(family, bytes, seed);
}

/** Loads the evaluation's classifier judge (weights/classifier.bpk) unless it is loaded. */
async function ensureJudge() {
  requireLab();
  if (lab.has_judge()) return;
  const bytes = await fetchBytes('weights/classifier.bpk', 'the classifier judge', { stage: 'judge' }).catch((e) => {
    throw new Error(`${message(e)}: run ./build.sh train classifier`);
  });
  lab.load_judge(bytes);
}

/** A progress callback for call `id`: posts at most one event per 100 ms, and the last. */
function callProgress(id) {
  let last = 0;
  return (fraction, stage) => {
    const now = performance.now();
    if (fraction < 1 && now - last < 100) return;
    last = now;
    post({ event: 'call-progress', id, fraction, stage });
  };
}

const DATA_FILES = ['train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz', 't10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz'];

async function ensureData() {
  requireLab();
  if (lab.has_data()) return null;
  let files;
  try {
    files = await Promise.all(DATA_FILES.map((f) => fetchBytes(`data/${f}`, `MNIST file ${f}`, { stage: 'data' })));
  } catch (e) {
    throw new Error(`MNIST files not found at data/: run ./build.sh (${message(e)})`);
  }
  return lab.set_data(files[0], files[1], files[2], files[3]);
}

// ---------------------------------------------------------------------------------------
// Backend choice

function adapterInfo(adapter) {
  const info = adapter.info || {};
  return {
    vendor: info.vendor || '',
    architecture: info.architecture || '',
    description: info.description || '',
  };
}

function isSoftwareAdapter(adapter) {
  const info = adapter.info || {};
  const text = `${info.vendor || ''} ${info.architecture || ''} ${info.description || ''} ${info.device || ''}`.toLowerCase();
  return info.architecture === 'swiftshader' || adapter.isFallbackAdapter === true || info.isFallbackAdapter === true || text.includes('swiftshader');
}

/** Patches requestDevice so that we see the GPUDevice wgpu creates, and hear when it is lost. */
function watchDevices() {
  if (typeof GPUAdapter === 'undefined' || GPUAdapter.prototype.__genlabPatched) return;
  const original = GPUAdapter.prototype.requestDevice;
  GPUAdapter.prototype.requestDevice = async function (...args) {
    const device = await original.apply(this, args);
    gpuDevice = device;
    device.lost.then((info) => {
      // Only the device in use matters; an older one being collected is not news.
      if (device === gpuDevice) deviceLost = true;
      if (device === gpuDevice) post({ event: 'device-lost', message: info.message || info.reason || 'device lost' });
    });
    return device;
  };
  GPUAdapter.prototype.__genlabPatched = true;
}

async function init({ backend = 'auto', base: root } = {}) {
  if (lab) throw new Error('the lab is already initialised');
  // The page passes `base`; self.location is no guide when this runs from a blob: worker
  // (genlab.js starts one where this file is of another origin than the page).
  base = root || new URL('..', self.location.href).href;
  self.__genlabPanic = (msg) => post({ event: 'fatal', message: String(msg) });
  const pkg = new URL('pkg/genlab.js', base).href;
  try {
    wasm = await import(pkg);
  } catch (e) {
    // The import's error says only that it failed: ask the server what became of the file.
    const status = await fetch(pkg, { method: 'HEAD' }).then(
      (r) => (r.ok ? '' : ` (HTTP ${r.status})`),
      () => (new URL(pkg).origin !== self.location.origin ? ' (a server of another origin must allow it: Access-Control-Allow-Origin)' : ' (a network error)'),
    );
    throw new Error(`the wasm package could not be loaded from ${pkg}${status}: ${message(e)}`);
  }
  await wasm.default({ module_or_path: fetchWasm(new URL('pkg/genlab_bg.wasm', base).href) });

  let want = backend;
  let reason = '';
  let adapter = null;
  if (!['auto', 'webgpu', 'cpu'].includes(backend)) throw new Error(`unknown backend '${backend}' (use 'auto', 'webgpu' or 'cpu')`);

  if (backend === 'cpu') {
    reason = 'CPU backend requested';
  } else {
    let gpuAdapter = null;
    let why = '';
    if (!self.navigator.gpu) {
      why = 'WebGPU is not available in this browser';
    } else {
      try {
        gpuAdapter = await self.navigator.gpu.requestAdapter();
        if (!gpuAdapter) why = 'no WebGPU adapter';
      } catch (e) {
        why = `requesting a WebGPU adapter failed: ${message(e)}`;
      }
    }
    if (gpuAdapter) adapter = adapterInfo(gpuAdapter);
    if (backend === 'auto') {
      if (!gpuAdapter) {
        want = 'cpu';
        reason = why;
      } else if (isSoftwareAdapter(gpuAdapter)) {
        want = 'cpu';
        reason = 'WebGPU adapter is a software renderer (SwiftShader): the CPU backend is faster';
      } else {
        want = 'webgpu';
        reason = 'hardware WebGPU adapter found';
      }
    } else if (!gpuAdapter) {
      want = 'cpu';
      reason = `WebGPU failed to start (${why}): using the CPU backend`;
    } else {
      want = 'webgpu';
      reason = isSoftwareAdapter(gpuAdapter) ? 'WebGPU requested (software adapter: slow)' : 'WebGPU requested';
    }
  }

  if (want === 'webgpu') {
    watchDevices();
    try {
      lab = await wasm.Lab.create('webgpu');
    } catch (e) {
      want = 'cpu';
      reason = `WebGPU failed to start (${message(e)}): using the CPU backend`;
    }
  }
  if (want === 'cpu') lab = await wasm.Lab.create('cpu');
  return { backend: lab.backend, reason, adapter };
}

// ---------------------------------------------------------------------------------------
// Training runs (one per family at most; the Lab is serial anyway)

const runs = new Map(); // family -> run

const isActive = (run) => !!run && ['starting', 'running', 'paused'].includes(run.state);

/**
 * Refuses an op that replaces `family`'s model while a run trains it: the run would carry on
 * training the new model (or the old one would come back with its next snapshot), and the
 * model would be neither. genlab.js refuses first; this is for callers that bypass it.
 */
function notTraining(family, what) {
  if (isActive(runs.get(family))) throw new Error(`a training run of '${family}' is active: stop it first (await run.stop()) before ${what}`);
}

function setRunState(run, state, error) {
  run.state = state;
  post({ event: 'train-state', family: run.family, run: run.runId, state, step: run.step, ...(error ? { error } : {}) });
  if (run.wake) {
    run.wake();
    run.wake = null;
  }
}

async function snapshot(run) {
  const bytes = await serial(() => requireLab().export_weights(run.family));
  post({ event: 'snapshot', family: run.family, run: run.runId, step: run.step, bytes }, transferList(bytes));
}

async function trainStart(args) {
  const {
    family, params = {}, from = 'scratch', seed = 0, steps = 2000, chunk = 5, sampleEvery = 50, sampleN = 16,
    snapshotEvery = 200, startStep = 0, bytes = null, runId = null,
  } = args;
  const old = runs.get(family);
  if (isActive(old)) throw new Error(`a '${family}' training run is already active: stop it first`);
  for (const [k, v] of Object.entries({ steps, chunk, sampleEvery, sampleN, snapshotEvery, startStep })) {
    if (!Number.isInteger(v) || v < 0) throw new Error(`invalid parameter: ${k} = ${v} must be a whole number >= 0`);
  }
  if (chunk < 1 || chunk > 1000) throw new Error(`invalid parameter: chunk = ${chunk} is out of range [1, 1000]`);
  const run = { family, runId, state: 'starting', step: startStep, total: steps, wake: null };
  runs.set(family, run);

  // Set-up: data, then the model to train.
  const config = await serial(async () => {
    await ensureData();
    await ensureBases(family);
    if (from === 'scratch') return lab.init_family(family, params, seed);
    if (from === 'pretrained') await loadPretrained(family, seed);
    else if (from === 'snapshot') {
      if (!bytes) throw new Error("from: 'snapshot' needs the snapshot's bytes");
      lab.load_weights(family, bytes, seed);
    } else throw new Error(`unknown 'from' = '${from}' (use 'scratch' or 'pretrained')`);
    return Object.keys(params).length ? lab.set_params(family, params) : lab.config(family);
  }).catch((e) => {
    // Stopped while starting, a new run of the family may have taken its place meanwhile.
    if (runs.get(family) === run) runs.delete(family);
    throw e;
  });

  // The loop runs on after trainStart has answered (paused or stopped while starting: as asked).
  if (run.state === 'stopped') return { config, runId };
  if (run.state === 'starting') setRunState(run, 'running');
  loop(run, { chunk, sampleEvery, sampleN, snapshotEvery, steps, batch: config.batch || 0 });
  return { config, runId };
}

async function loop(run, { chunk, sampleEvery, sampleN, snapshotEvery, steps, batch }) {
  const { family } = run;
  let nextSample = run.step + sampleEvery;
  let nextSnapshot = run.step + snapshotEvery;
  // Once stopped, the chunk under way still counts (and is reported), but it takes no samples or
  // snapshots of its own: stop's snapshot has the weights, and the model may be another's soon.
  const live = () => run.state === 'running' || run.state === 'paused';
  try {
    while (run.step < steps) {
      if (run.state === 'paused') {
        await new Promise((r) => (run.wake = r));
        continue;
      }
      if (run.state !== 'running') return;
      const n = Math.min(chunk, steps - run.step);
      let t0 = 0;
      const out = await serial(() => ((t0 = performance.now()), requireLab().train(family, n)));
      const seconds = Math.max((performance.now() - t0) / 1000, 1e-6);
      run.step += n;
      const progress = {
        event: 'progress', family, run: run.runId, step: run.step, total: steps, losses: out.losses,
        stepsPerSec: n / seconds, imagesPerSec: (n * batch) / seconds,
      };
      let transfer = [];
      if (live() && sampleEvery > 0 && (run.step >= nextSample || run.step >= steps)) {
        nextSample = run.step + sampleEvery;
        progress.samples = await serial(() => requireLab().sample(family, sampleN, 0));
        progress.sampleN = sampleN;
        transfer = transferList(progress.samples);
      }
      post(progress, transfer);
      if (live() && snapshotEvery > 0 && run.step >= nextSnapshot && run.step < steps) {
        nextSnapshot = run.step + snapshotEvery;
        await snapshot(run);
      }
      await new Promise((r) => setTimeout(r, 0)); // let pause/stop messages in
    }
    if (run.state === 'running') {
      await snapshot(run);
      if (run.state === 'running') setRunState(run, 'done'); // else stopped meanwhile: 'stopped' it is
    }
  } catch (e) {
    if (await lostDevice()) return;
    setRunState(run, 'error', message(e));
  }
}

function control(family, action) {
  const run = runs.get(family);
  if (!run) throw new Error(`no '${family}' training run`);
  if (action === 'pause' && (run.state === 'running' || run.state === 'starting')) setRunState(run, 'paused');
  else if (action === 'resume' && run.state === 'paused') setRunState(run, 'running');
  else if (action === 'stop' && (run.state === 'running' || run.state === 'paused' || run.state === 'starting')) {
    // The loop ends after its current chunk; a last snapshot keeps the trained weights, and
    // 'stopped' is announced after it so that the page's copy is up to date by then.
    const wasStarting = run.state === 'starting';
    run.state = 'stopped';
    if (run.wake) {
      run.wake();
      run.wake = null;
    }
    const announce = () => post({ event: 'train-state', family, run: run.runId, state: 'stopped', step: run.step });
    if (wasStarting) announce();
    else snapshot(run).catch(() => {}).finally(announce);
  }
  return { state: run.state, step: run.step };
}

// ---------------------------------------------------------------------------------------
// Ops

const ops = {
  init: (a) => serial(() => init(a)),
  families: () => serial(() => wasm.families()),
  loadPretrained: ({ family }) => (notTraining(family, 'loading the pretrained weights'), serial(() => loadPretrained(family))),
  loadWeights: ({ family, bytes }) =>
    (notTraining(family, 'loading weights'), serial(async () => (await ensureBases(family), requireLab().load_weights(family, bytes, 0)))),
  ensureData: () => serial(() => ensureData()),
  config: ({ family }) => serial(async () => (await ensureModel(family), lab.config(family))),
  sample: ({ family, n = 16, seed = 0, labels, settings }, id) =>
    serial(async () => (await ensureModel(family), lab.sample(family, n, seed, labels, settings, callProgress(id), id))),
  testDigits: ({ indices }) => serial(async () => (await ensureData(), lab.test_digits(Uint32Array.from(indices)))),
  reconstruct: ({ family, indices }) =>
    serial(async () => {
      await ensureData();
      await ensureModel(family);
      const orig = lab.test_digits(Uint32Array.from(indices));
      const rec = await lab.reconstruct(family, Uint32Array.from(indices));
      return { originals: orig.pixels, reconstructions: rec, labels: orig.labels };
    }),
  interpolate: ({ family, a, b, steps = 10 }) => serial(async () => (await ensureData(), await ensureModel(family), lab.interpolate(family, a, b, steps))),
  manifold: ({ family, side = 15, extent = 2.5 }) => serial(async () => (await ensureModel(family), lab.manifold(family, side, extent))),
  likelihood: ({ family, n = 500 }) => serial(async () => (await ensureData(), await ensureModel(family), lab.likelihood(family, n))),
  evaluate: ({ family, n = 500, seed = 0, memorisation = 300, likelihood = 500, settings, images }, id) =>
    serial(async () => {
      await ensureData();
      await ensureJudge();
      if (images) return lab.score(images, memorisation, callProgress(id));
      await ensureModel(family);
      return lab.evaluate(family, n, seed, memorisation, likelihood, settings, callProgress(id));
    }),
  accuracy: ({ family, n = 10000 }) => serial(async () => (await ensureData(), await ensureModel(family), lab.accuracy(family, n))),
  trajectory: ({ family, n = 8, seed = 0, labels, settings, frames = 50 }, id) =>
    serial(async () => {
      await ensureModel(family);
      const r = await lab.trajectory(family, n, seed, labels, settings, frames, callProgress(id), id);
      return { frames: r.frames, ms: r.ms };
    }),
  // A consistency model along its teacher's path (capabilities.trajectory_map): frames of
  // the teacher's states x_t and the family's digit f(x_t, t) of each; progress and cancelling
  // as for a trajectory.
  trajectoryMap: ({ family, n = 8, seed = 0, labels, frames = 21 }, id) =>
    serial(async () => {
      await ensureModel(family);
      const r = await lab.trajectory_map(family, n, seed, labels, frames, callProgress(id), id);
      return { frames: r.frames, ms: r.ms };
    }),
  // Completions (capabilities.completion): the first `rows` rows of each digit in `pixels`
  // kept, the rest sampled (an energy model: a Gibbs chain started at the digits); frames as
  // for a trajectory, progress and cancelling too; `settings` the sampler's (Gibbs sweeps).
  complete: ({ family, pixels, rows, seed = 0, labels, frames = 2, settings }, id) =>
    serial(async () => {
      await ensureModel(family);
      const r = await lab.complete(family, pixels, rows, seed, labels, frames, callProgress(id), id, settings);
      return { frames: r.frames, ms: r.ms };
    }),
  // Each image's log p(x) and bits/dim, and each pixel's share where the likelihood splits
  // by pixel (capabilities.pixel_likelihood).
  imageLikelihood: ({ family, pixels }) =>
    serial(async () => {
      await ensureModel(family);
      const r = await lab.image_likelihood(family, pixels);
      return { nats: r.nats, bits_per_dim: r.bits_per_dim, pixels: r.pixels, uncertainty: r.uncertainty };
    }),
  encode: ({ family, pixels }) => serial(async () => (await ensureModel(family), lab.encode(family, pixels))),
  // An invertible family's state after each layer and that layer's log-det.
  flowLayers: ({ family, pixels }) =>
    serial(async () => {
      await ensureModel(family);
      const r = await lab.flow_layers(family, pixels);
      return { names: r.names, states: r.states, logdets: r.logdets, log_prior: r.log_prior };
    }),
  // Energy models (capabilities.energy): free energies and hidden layers of given images,
  // first-layer filters, the train/test free-energy gap, log Z by AIS (kept once estimated).
  freeEnergy: ({ family, pixels }) => serial(async () => (await ensureModel(family), lab.free_energy(family, pixels))),
  hiddenLayers: ({ family, pixels }) =>
    serial(async () => {
      await ensureModel(family);
      const r = await lab.hidden_layers(family, pixels);
      return { sizes: r.sizes, layers: r.layers };
    }),
  filters: ({ family }) =>
    serial(async () => {
      await ensureModel(family);
      const r = await lab.filters(family);
      return { units: r.units, filters: r.filters };
    }),
  energyGap: ({ family, n = 500 }) => serial(async () => (await ensureData(), await ensureModel(family), lab.energy_gap(family, n))),
  logPartition: ({ family }) => serial(async () => (await ensureModel(family), lab.log_partition(family))),
  schedule: ({ family }) => serial(async () => (await ensureModel(family), lab.schedule(family))),
  forwardProcess: ({ family, index, ts, seed = 0 }) =>
    serial(async () => (await ensureData(), await ensureModel(family), lab.forward_process(family, index, Uint32Array.from(ts), seed))),
  latentCodes: ({ family, n, seed }) => serial(async () => (await ensureModel(family), lab.latent_codes(family, n, seed))),
  decode: ({ family, z, labels }) => serial(async () => (await ensureModel(family), lab.decode(family, z, labels))),
  classes: ({ images }) => serial(async () => (await ensureJudge(), lab.classes(images))),
  exportWeights: ({ family }) => serial(async () => (await ensureModel(family), lab.export_weights(family))),
  initFamily: ({ family, params = {}, seed = 0 }) =>
    (notTraining(family, 'replacing the model'), serial(async () => (await ensureBases(family), requireLab().init_family(family, params, seed)))),
  setParams: ({ family, params }) => (notTraining(family, 'changing its hyper-parameters'), serial(async () => (await ensureModel(family), lab.set_params(family, params)))),
  hasModel: ({ family }) => serial(() => requireLab().has_model(family)),
  trainStart: (a) => trainStart(a),
  // Control op, answered at once (not queued behind the call it stops): a step-by-step sampler
  // checks the flag between its steps, when it yields (src/web/lab.rs `drive`).
  cancel: ({ job }) => {
    if (lab) lab.cancel(job);
    return true;
  },
  trainPause: ({ family }) => control(family, 'pause'),
  trainResume: ({ family }) => control(family, 'resume'),
  trainStop: ({ family }) => control(family, 'stop'),
  // Test hook: destroys the GPUDevice wgpu uses, as a lost device would.
  debugLoseDevice: () => {
    if (!gpuDevice) throw new Error('no WebGPU device to lose (the lab runs on the CPU backend)');
    gpuDevice.destroy();
    return true;
  },
};

self.onmessage = async (ev) => {
  const { id, op, args = {} } = ev.data || {};
  const fn = ops[op];
  try {
    if (!fn) throw new Error(`unknown op '${op}'`);
    const result = await fn(args, id);
    const frames = result && Array.isArray(result.frames) ? result.frames.flatMap((f) => [f.x, f.x0, f.code?.values]) : [];
    const layers = result && Array.isArray(result.layers) ? result.layers : [];
    const transfer = result && typeof result === 'object' ? transferList(result, result.originals, result.reconstructions, result.pixels, result.nats, result.filters, ...layers, ...frames) : [];
    post({ id, ok: true, result }, transfer);
  } catch (e) {
    if (await lostDevice()) return;
    post({ id, ok: false, error: message(e) });
  }
};

self.addEventListener('unhandledrejection', (ev) => {
  // A failed readback that nobody awaited: report it rather than lose it.
  console.error('genlab worker: unhandled rejection', ev.reason);
});
