// compare.html[?backend=auto|webgpu|cpu][&seed=N]: every family side by side (compare.js),
// on the page's backend, with the backend indicator and switcher the other pages have.
//
// Page hooks (besides compare.js's, under #compare): body[data-ready] is '1' once the first
// pass is drawn (every family's samples and their time, and eval.json's figures), 'error'
// when a family or eval.json failed (the failure shows in its row); window.genlab is the lab.

import { mountCompare } from './compare.js';
import { runPage, seedParam } from './ui/page.js';

const seed = seedParam('using seed 0') ?? 0;

runPage((lab) => {
  const root = document.getElementById('compare');
  root.replaceChildren();
  return mountCompare(root, lab, {
    seed,
    onProgress: ({ finished, failed, evalError }) => {
      if (!finished) return;
      // For `./build.sh bench`-style timing: navigation start to the whole table drawn.
      if (!performance.getEntriesByName('genlab-compare-drawn').length) performance.mark('genlab-compare-drawn');
      document.body.dataset.ready = failed || evalError ? 'error' : '1';
    },
  });
});
