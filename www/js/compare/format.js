// Readouts the comparison shares: durations from fractions of a millisecond (a VAE's digit)
// to hours (training a model from scratch), and the backend a figure was measured on.

/** "3.8 µs", "0.16 ms", "3.4 ms", "142 ms", "2.6 s", "4.1 min", "3.6 h". */
export function duration(ms) {
  if (!Number.isFinite(ms)) return '–';
  if (ms < 0.1) return `${(1000 * ms).toFixed(1)} µs`;
  if (ms < 1) return `${ms.toFixed(2)} ms`;
  if (ms < 10) return `${ms.toFixed(1)} ms`;
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms < 3_600_000) return `${(ms / 60_000).toFixed(1)} min`;
  return `${(ms / 3_600_000).toFixed(1)} h`;
}

/** 'WebGPU' or 'CPU (Flex)': the words the page's backend indicator uses. */
export function backendName(backend) {
  return backend === 'webgpu' ? 'WebGPU' : backend === 'cpu' ? 'CPU (Flex)' : String(backend);
}

/** 10000 -> "10,000". */
export function count(n) {
  return Number(n).toLocaleString('en');
}
