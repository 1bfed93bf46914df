// The blog page (blog.html): under each live demo, the markup that embeds it, written out from
// the element's own attributes (so the snippet is exactly what is on the page), with the
// script line pointing at this site, and a button that copies it.

const SCRIPT = new URL('./genlab-demo.js', import.meta.url).href;
/** Attributes the element sets on itself: not the author's. */
const OWN = new Set(['state']);

/** `<genlab-demo family="vae" seed="3"></genlab-demo>`, attributes in the order written. */
function markup(demo) {
  const attrs = demo
    .getAttributeNames()
    .filter((a) => !OWN.has(a))
    .map((a) => ` ${a}="${demo.getAttribute(a).replaceAll('&', '&amp;').replaceAll('"', '&quot;')}"`)
    .join('');
  return `<script type="module" src="${SCRIPT}"></script>\n<genlab-demo${attrs}></genlab-demo>`;
}

async function copy(text, button) {
  try {
    await navigator.clipboard.writeText(text);
    button.textContent = 'copied';
  } catch {
    // No clipboard (an insecure origin, a refusal): select the text for Ctrl+C instead.
    const range = document.createRange();
    range.selectNodeContents(button.previousElementSibling);
    getSelection().removeAllRanges();
    getSelection().addRange(range);
    button.textContent = 'selected: press Ctrl+C';
  }
  setTimeout(() => (button.textContent = 'copy'), 2000);
}

for (const demo of document.querySelectorAll('article genlab-demo')) {
  const text = markup(demo);
  const code = Object.assign(document.createElement('code'), { className: 'language-html', textContent: text });
  const pre = document.createElement('pre');
  pre.append(code);
  const button = Object.assign(document.createElement('button'), { type: 'button', className: 'copy', textContent: 'copy' });
  button.setAttribute('aria-label', `copy the markup of this ${demo.getAttribute('family') ?? ''} demo`.replace('  ', ' '));
  button.addEventListener('click', () => copy(text, button));
  const box = Object.assign(document.createElement('div'), { className: 'snippet' });
  box.append(pre, button);
  demo.after(box);
}
