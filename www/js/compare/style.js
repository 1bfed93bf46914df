// The comparison's own styles (js/compare.js), the one copy of them: mountCompare adopts them
// into the root node it is mounted in, the document (compare.html) or a shadow root (the
// <genlab-demo view="compare"> element), where a page's style sheets do not reach. Everything
// is scoped to .compare, the class of the comparison's root element; the page's layout around
// it (.compare-page main) stays in css/site.css.
//
// Colours and the corner radius come from the element's public custom properties
// (--genlab-accent, --genlab-ink, --genlab-muted, --genlab-line, --genlab-bg, --genlab-radius;
// see demo/style.js), so a blog author's theming reaches the table; without them, from the
// site's variables (css/site.css, or the element's :host), and without those, the site's colours.

export const COMPARE_CSS = `
.compare {
  --compare-accent: var(--genlab-accent, var(--accent, #2563eb));
  --compare-ink: var(--genlab-ink, var(--ink, #1f2328));
  --compare-muted: var(--genlab-muted, var(--muted, #5b636e));
  --compare-line: var(--genlab-line, var(--line, #d8dee4));
  --compare-paper: var(--genlab-bg, var(--paper, #ffffff));
  --compare-bg: var(--genlab-bg, var(--bg, #f6f8fa));
  --compare-radius: var(--genlab-radius, var(--radius, 8px));
  --compare-error: var(--error-ink, #a8071a);
  font-size: 0.9rem;
  min-width: 0;
  max-width: 100%;
}
.compare-toolbar { display: flex; flex-wrap: wrap; gap: 0.6rem 1rem; align-items: center; margin: 0.5rem 0; }
.compare-pass { color: var(--compare-muted); margin: 0.3rem 0 0.6rem; }
/* The table is wider than a column of text: it scrolls sideways in its box, never the page. */
.compare-scroll, .compare-ll-scroll { overflow-x: auto; max-width: 100%; min-width: 0; }
.compare-scroll { background: var(--compare-paper); border: 1px solid var(--compare-line); border-radius: var(--compare-radius); }
.compare table { border-collapse: collapse; width: 100%; }
.compare caption { caption-side: top; text-align: left; font-weight: 600; padding: 0.6rem 0.8rem 0.3rem; }
.compare th, .compare td { padding: 0.5rem 0.6rem; border-top: 1px solid var(--compare-line); text-align: left; vertical-align: top; }
.compare thead th { border-top: none; color: var(--compare-muted); font-weight: 600; white-space: nowrap; cursor: help; }
.compare-table { min-width: 1200px; }
.compare-table td { min-width: 8rem; }
.compare-table td.compare-likelihood { min-width: 14rem; }
.compare-table td.compare-fid { min-width: 10rem; }
.compare-table td.compare-offers { min-width: 10.5rem; }
.compare-family { min-width: 8rem; font-weight: 600; }
.compare-family > * { display: block; }
.compare-family a { color: var(--compare-ink); }
.compare-family code, .compare-paper { font-weight: normal; font-size: 0.8rem; color: var(--compare-muted); }
.compare-table td.compare-samples-cell { min-width: 290px; }
.compare canvas.compare-samples { display: block; }
.compare-detail { display: block; color: var(--compare-muted); font-size: 0.78rem; line-height: 1.35; margin-top: 0.15rem; }
.compare .readout { font-size: 1rem; }
.compare .compare-measured + .from-file, .compare .from-file + .live { margin-top: 0.4rem; }
.compare .live { border-left: 3px solid var(--compare-accent); padding-left: 0.4rem; }
.compare .live[hidden], .compare .from-file[hidden], .compare progress[hidden] { display: none; }
.compare-source { font-style: italic; }
.compare-rank { color: var(--compare-ink); }
.compare-action { display: flex; flex-wrap: wrap; gap: 0.4rem; align-items: center; margin: 0.4rem 0 0.2rem; }
.compare-action button { font-size: 0.8rem; padding: 0.2rem 0.55rem; }
.compare-action progress { width: 6rem; }
.compare-status { color: var(--compare-muted); font-size: 0.8rem; }
.compare-error { display: block; color: var(--compare-error); font-size: 0.8rem; }
.compare-offers-list { list-style: none; margin: 0; padding: 0; display: flex; flex-wrap: wrap; gap: 0.25rem; max-width: 14rem; }
.compare-offers-list li { background: var(--compare-bg); border: 1px solid var(--compare-line); border-radius: 999px; padding: 0 0.5rem; font-size: 0.78rem; white-space: nowrap; cursor: help; }
.compare-how { margin: 0.8rem 0; color: var(--compare-muted); }
.compare-how summary { cursor: pointer; color: var(--compare-ink); }
.compare-how li + li { margin-top: 0.3rem; }
.compare-ll { margin-top: 1.2rem; }
.compare-ll-groups { display: grid; grid-template-columns: repeat(auto-fit, minmax(min(420px, 100%), 1fr)); gap: 1rem; align-items: start; }
.compare-ll-scroll { background: var(--compare-paper); border: 1px solid var(--compare-line); border-radius: var(--compare-radius); }
.compare-ll-groups > p { grid-column: 1 / -1; margin: 0; }
`;

let sheet = null;

/** The comparison's constructed style sheet, built once and shared by every root it is adopted in. */
function compareSheet() {
  if (!sheet) {
    sheet = new CSSStyleSheet();
    sheet.replaceSync(COMPARE_CSS);
  }
  return sheet;
}

/**
 * Adds the comparison's style sheet to the adoptedStyleSheets of `node`'s root node (the
 * document, or the shadow root it is in), once per root node; the sheet stays there after the
 * comparison is removed (another may share it). Returns false where it cannot (no constructable
 * style sheets in this browser, a node not in a document or shadow root yet, a root of another
 * document): the caller then puts a <style> with COMPARE_CSS inside the comparison itself.
 *
 * @param {Node} node  where the comparison is mounted
 * @returns {boolean}
 */
export function adoptCompareStyles(node) {
  const target = node.getRootNode();
  if (!target || !('adoptedStyleSheets' in target) || typeof CSSStyleSheet !== 'function' || !('replaceSync' in CSSStyleSheet.prototype)) return false;
  try {
    const s = compareSheet();
    if (!target.adoptedStyleSheets.includes(s)) target.adoptedStyleSheets = [...target.adoptedStyleSheets, s];
    return true;
  } catch {
    return false; // e.g. a document other than the one the sheet was built for
  }
}
