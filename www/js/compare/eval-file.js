// weights/eval.json: what `./build.sh eval --json` measured natively for the shipped weights
// (per report: FID-MNIST and its real-digit baseline, the classes, memorisation, the
// likelihood over the test digits, conditional accuracy, time per digit), read here so that
// the table can show it beside what the reader's browser measures, labelled as such.
//
// The file scores some families several times (DDPM's steps and guidance, the flows'
// temperature): the comparison uses each family's report with its default sampler settings,
// the ones lab.sample and lab.evaluate use when given none.

/**
 * Fetches eval.json from the folder the lab's files come from.
 * @param {string} base  the lab's base URL (GenLab#base)
 * @returns {Promise<object>}
 */
export async function loadEvalFile(base) {
  const url = new URL('weights/eval.json', base);
  let res;
  try {
    res = await fetch(url);
  } catch (e) {
    throw new Error(`eval.json could not be fetched from ${url}: ${e.message}`);
  }
  if (!res.ok) throw new Error(`eval.json not found at ${url} (HTTP ${res.status}): run ./build.sh eval`);
  const file = await res.json().catch((e) => {
    throw new Error(`eval.json at ${url} is not JSON: ${e.message}`);
  });
  if (!Array.isArray(file?.reports)) throw new Error(`eval.json at ${url} has no reports`);
  return file;
}

/** A family's report with its default sampler settings, or null when the file has none (a family added since). */
export function defaultReport(file, family) {
  return file.reports.find((r) => r.family === family && Object.keys(r.settings ?? {}).length === 0) ?? null;
}

/** Where the file's figures were measured: "native" for the CLI's Flex backend, else the backend it names. */
export function whereMeasured(file) {
  return /native/.test(file.backend ?? '') ? 'native' : file.backend || 'unknown backend';
}

/** "from eval.json (native, 10000 test digits)": the label every figure read from the file carries. */
export function fileLabel(file, what) {
  return `from eval.json (${whereMeasured(file)}, ${what})`;
}

/** The short name of a likelihood's data model, the group it is comparable within. */
export function dataModelName(pixels) {
  return { binarized: 'binarised pixels', dequantized: 'dequantised 8-bit pixels', continuous: 'pixel intensities' }[pixels] ?? `${pixels} pixels`;
}

/**
 * The default reports' likelihoods grouped by data model (binarised, dequantised, ...), each
 * group best first with its rank: a likelihood is comparable only with those of the same
 * data model (a density over dequantised bytes is not a probability of binarised pixels).
 * @param {object} file
 * @param {{name: string}[]} families  in registry order (ties keep it)
 * @returns {{pixels: string, entries: {family: string, ll: object, rank: number}[]}[]}
 *   groups in the order their data model first appears in the registry
 */
export function likelihoodGroups(file, families) {
  const groups = new Map();
  for (const f of families) {
    const ll = defaultReport(file, f.name)?.likelihood;
    if (!ll || !Number.isFinite(ll.nats)) continue;
    if (!groups.has(ll.pixels)) groups.set(ll.pixels, []);
    groups.get(ll.pixels).push({ family: f.name, ll });
  }
  return [...groups].map(([pixels, entries]) => {
    // Higher log-likelihood is better; Array#sort is stable, so ties keep the registry's order.
    const sorted = [...entries].sort((a, b) => b.ll.nats - a.ll.nats);
    return { pixels, entries: sorted.map((e, i) => ({ ...e, rank: i + 1 })) };
  });
}

/**
 * A family's FID rank among the default reports scored on as many samples (FID depends on
 * the sample count: only equal counts compare): `{rank, of}`, or null without a FID. Only
 * generators are ranked: a stage others are built on (`generator: false`, the autoencoder)
 * keeps its figure but takes no place.
 */
export function fidRank(file, families, family) {
  const generators = families.filter((f) => f.generator !== false);
  const mine = defaultReport(file, family);
  if (!mine || !Number.isFinite(mine.fid) || !generators.some((f) => f.name === family)) return null;
  const peers = generators.map((f) => defaultReport(file, f.name)).filter((r) => r && Number.isFinite(r.fid) && r.n === mine.n);
  return { rank: 1 + peers.filter((r) => r.fid < mine.fid).length, of: peers.length };
}
