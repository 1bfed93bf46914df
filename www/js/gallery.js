// The gallery: a card per registered family with fresh samples from its pretrained weights.
// Cards appear in the registry's order (the VAE first); their samples are drawn one family
// after another, the one-pass samplers first: a step-by-step sampler (diffusion) takes
// seconds on the CPU, so its card draws a smaller grid with the family's default settings,
// and last.

import { drawGrid } from './ui/grid.js';
import { guard, runPage, showError } from './ui/page.js';

/** Samples per card: a 4 x 4 grid, or 2 x 2 (twice the size) for a step-by-step sampler. */
const LAYOUT = { fast: { n: 16, cols: 4, scale: 2 }, slow: { n: 4, cols: 2, scale: 4 } };

function randomSeed() {
  return Math.floor(Math.random() * 1e9);
}

function el(tag, props = {}, ...children) {
  const e = Object.assign(document.createElement(tag), props);
  e.append(...children);
  return e;
}

const slow = (info) => info.capabilities.trajectory;

function card(lab, info) {
  const layout = slow(info) ? LAYOUT.slow : LAYOUT.fast;
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
      // A conditional step-by-step sampler draws guided digits (its unguided samples are weak).
      const labels = slow(info) && info.capabilities.conditional ? Array.from({ length: layout.n }, (_, i) => (seed + 3 * i) % 10) : undefined;
      const s = await lab.sample(info.name, { n: layout.n, seed, labels });
      drawGrid(canvas, s.pixels, layout);
      canvas.dataset.seed = String(seed);
    } finally {
      again.disabled = false;
    }
  };
  again.addEventListener('click', () => guard(() => draw(randomSeed())));
  return { info, node, draw };
}

runPage(async (lab) => {
  const gallery = document.getElementById('gallery');
  gallery.replaceChildren();
  const cards = lab.families().map((info) => card(lab, info));
  gallery.append(...cards.map((c) => c.node));
  // One family after another (the worker runs one call at a time anyway), slow samplers last.
  const order = [...cards.filter((c) => !slow(c.info)), ...cards.filter((c) => slow(c.info))];
  let failed = false;
  for (const c of order) {
    try {
      await c.draw(randomSeed());
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
