// The gallery: a card per registered family with fresh samples from its pretrained weights.
// Cards appear in the registry's order (the VAE first); their samples are drawn one family
// after another, cheapest first, so that most cards fill at once. What a draw costs is read
// from each family's declared sampler settings (ui/cost.js): a sampler that runs its network
// for many steps (diffusion: seconds on the CPU) gets a smaller grid with its default
// settings, and comes last.

import { randomSeed } from './ui/dom.js';
import { affordableLayout, guided } from './ui/cost.js';
import { drawGrid, markLabels } from './ui/grid.js';
import { guard, runPage, seedParam, showError } from './ui/page.js';

/** Samples per card: a 4 x 4 grid, or 2 x 2 (twice the size) where 16 would cost too much. */
const LAYOUT = { full: { n: 16, cols: 4, scale: 2 }, small: { n: 4, cols: 2, scale: 4 } };

function el(tag, props = {}, ...children) {
  const e = Object.assign(document.createElement(tag), props);
  e.append(...children);
  return e;
}

/** A guided sampler draws requested digits (its unguided samples are weak), 0-9 spread over the grid. */
function labelsFor(info, n, seed) {
  return guided(info) ? Array.from({ length: n }, (_, i) => (seed + 3 * i) % 10) : undefined;
}

/** The grid a card draws, and what drawing it costs (network evaluations). */
function layoutFor(info) {
  return affordableLayout(info, [LAYOUT.full, LAYOUT.small], labelsFor);
}

function card(lab, info) {
  const { layout, cost } = layoutFor(info);
  const canvas = el('canvas', { id: `samples-${info.name}`, className: 'samples grid', title: 'samples from the pretrained model' });
  canvas.width = canvas.height = 4 * 29 - 1;
  const again = el('button', { type: 'button', className: 'sample-again', id: `sample-again-${info.name}`, textContent: 'sample again' });
  const paper = info.paper;
  const node = el(
    'article',
    { className: 'card' },
    el('h2', {}, el('a', { href: `family.html?family=${encodeURIComponent(info.name)}`, textContent: info.title })),
    el('p', { className: 'description', textContent: info.description }),
    el('p', { className: 'paper' }, el('a', { href: paper.url, textContent: paper.title, rel: 'noopener', target: '_blank' }), ` — ${paper.authors}, ${paper.year}`),
    el('div', { className: 'canvas-box' }, canvas),
    el('div', { className: 'actions' }, again, el('a', { className: 'open button', href: `family.html?family=${encodeURIComponent(info.name)}`, textContent: 'open →' })),
  );
  node.dataset.family = info.name;
  const draw = async (seed) => {
    again.disabled = true;
    try {
      const labels = labelsFor(info, layout.n, seed);
      const s = await lab.sample(info.name, { n: layout.n, seed, labels });
      drawGrid(canvas, s.pixels, layout);
      markLabels(canvas, layout.n, labels);
      canvas.dataset.seed = String(seed);
    } finally {
      again.disabled = false;
    }
  };
  again.addEventListener('click', () => guard(() => draw(randomSeed())));
  return { node, draw, cost };
}

// ?seed=N: every card's first draw from seed N (a reader can share what they saw; the tests
// judge fixed digits); otherwise each draws from a random seed. "sample again" is always random.
const seed = seedParam('using random seeds');

runPage(async (lab) => {
  const gallery = document.getElementById('gallery');
  gallery.replaceChildren();
  const cards = lab.families().map((info) => card(lab, info));
  gallery.append(...cards.map((c) => c.node));
  // One family after another (the worker runs one call at a time anyway), cheapest first;
  // the sort is stable, so equal costs keep the registry's order.
  const order = [...cards].sort((a, b) => a.cost - b.cost);
  let failed = false;
  for (const c of order) {
    try {
      await c.draw(seed ?? randomSeed());
      // For `./build.sh bench`: time from navigation start to the first digits on screen.
      if (!performance.getEntriesByName('genlab-first-samples').length) performance.mark('genlab-first-samples');
    } catch (e) {
      if (e?.closed) return; // the backend switcher closed this lab: the new one redraws
      failed = true;
      showError(e);
    }
  }
  document.body.dataset.ready = failed ? 'error' : '1';
});
