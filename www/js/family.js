// One family's page: family.html?family=NAME[&embed=1][&backend=auto|webgpu|cpu].
// Loads the family's view module, js/views/NAME.js, which exports `mount(root, lab, info)`
// and may return a clean-up function.
//
// Without ?family= the page shows the VAE. An empty or unknown ?family= shows the VAE too, but
// says so in #notice, with a link to each family's page.

import { addNotice, runPage, showError } from './ui/page.js';

const DEFAULT_FAMILY = 'vae';
const params = new URLSearchParams(location.search);
const requested = params.get('family'); // null when absent
const embed = params.get('embed') === '1';

if (embed) {
  // Only the demo: no site header, footer or navigation.
  document.querySelector('header.site')?.remove();
  document.querySelector('footer.site')?.remove();
  document.getElementById('intro')?.remove();
  const line = document.createElement('p');
  line.className = 'embed-backend';
  line.innerHTML = '<span id="backend">Backend: starting…</span>';
  document.querySelector('main').append(line);
}

function intro(info) {
  document.title = `${info.title} — GenLab`;
  const box = document.getElementById('intro');
  if (!box) return;
  const h1 = document.createElement('h1');
  h1.textContent = info.title;
  const desc = document.createElement('p');
  desc.className = 'description';
  desc.textContent = info.description;
  const paper = document.createElement('p');
  paper.className = 'paper';
  const a = Object.assign(document.createElement('a'), { href: info.paper.url, textContent: info.paper.title, target: '_blank', rel: 'noopener' });
  paper.append('Paper: ', a, ` — ${info.paper.authors}, ${info.paper.year}`);
  box.replaceChildren(h1, desc, paper);
}

/** This page for another family, keeping the other parameters (embed, backend). */
function familyHref(name) {
  const url = new URL(location.href);
  url.searchParams.set('family', name);
  return url.search; // relative to this page: family.html?family=NAME&...
}

/** 'Unknown family "nope" — showing vae (Variational autoencoder) instead. Families: vae, gan, …', with links. */
function unknownFamilyNotice(lab, info) {
  const links = [];
  lab.families().forEach((f, i) => {
    if (i) links.push(', ');
    const a = document.createElement('a');
    a.href = familyHref(f.name);
    a.textContent = f.name;
    a.title = f.title;
    links.push(a);
  });
  addNotice(`Unknown family ${JSON.stringify(requested)} — showing ${info.name} (${info.title}) instead. Families: `, ...links);
}

runPage(async (lab) => {
  let family = requested ?? DEFAULT_FAMILY;
  let info = lab.family(family);
  if (!info) {
    family = DEFAULT_FAMILY;
    info = lab.family(family);
    if (!info) throw new Error(`no '${DEFAULT_FAMILY}' family in this build (known: ${lab.families().map((f) => f.name).join(', ')})`);
    unknownFamilyNotice(lab, info);
  }
  intro(info);
  let view;
  try {
    view = await import(`./views/${family}.js`);
  } catch (e) {
    throw new Error(`no view for '${family}' (js/views/${family}.js): ${e.message}`);
  }
  const root = document.getElementById('view');
  // The first call fetches the wasm and the weights: say so until the view draws its panels.
  const loading = Object.assign(document.createElement('p'), { id: 'view-loading', className: 'explain', textContent: `loading the ${info.title} model…` });
  root.replaceChildren(loading);
  const gone = new MutationObserver(() => {
    if (root.childElementCount > 1) {
      loading.remove();
      gone.disconnect();
    }
  });
  gone.observe(root, { childList: true });
  try {
    return await view.mount(root, lab, info);
  } catch (e) {
    loading.remove();
    showError(e);
    // A backend switch closes the lab under a view still drawing: not a failure of the page.
    if (!e?.closed) document.body.dataset.ready = 'error';
  }
});
