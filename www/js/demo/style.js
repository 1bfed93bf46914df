// The <genlab-demo> element's own styles, shared by every element on the page (one
// constructed style sheet). The panels inside it are the site's (css/site.css, linked into the
// shadow root once the demo loads); these rules frame them and map the element's public custom
// properties onto the variables site.css reads.

const CSS = `
:host {
  --accent: var(--genlab-accent, #2563eb);
  --accent-ink: var(--genlab-accent-ink, #ffffff);
  --paper: var(--genlab-bg, #ffffff);
  --bg: var(--genlab-bg, #ffffff);
  --ink: var(--genlab-ink, #1f2328);
  --muted: var(--genlab-muted, #5b636e);
  --line: var(--genlab-line, #d8dee4);
  --radius: var(--genlab-radius, 8px);
  --error-bg: #fff1f0;
  --error-line: #f5a3a3;
  --error-ink: #a8071a;
  display: block;
  box-sizing: border-box;
  max-width: 100%;
  margin: 1.5rem 0;
  font-family: var(--genlab-font, system-ui, -apple-system, "Segoe UI", Roboto, sans-serif);
  font-size: var(--genlab-font-size, 1rem);
  line-height: 1.5;
  color: var(--ink);
}
:host([hidden]) { display: none; }
*, *::before, *::after { box-sizing: inherit; }
[hidden] { display: none !important; }

.frame {
  margin: 0; padding: 0.8rem 1rem; min-width: 0;
  background: var(--paper); border: 1px solid var(--line); border-radius: var(--radius);
}
.head { display: flex; flex-wrap: wrap; gap: 0.2rem 0.6rem; align-items: baseline; margin-bottom: 0.4rem; }
.head .title { font-weight: 600; }
.head .view-name { color: var(--muted); font-size: 0.9em; }
.status { display: flex; flex-wrap: wrap; gap: 0.6rem; align-items: center; color: var(--muted); font-size: 0.9em; min-height: 10rem; }
:host([state="loading"]) .status, :host([state="waiting"]) .status { justify-content: center; text-align: center; }
.status progress { width: min(16rem, 100%); accent-color: var(--accent); }
.error {
  padding: 0.6rem 0.9rem; margin: 0.4rem 0; border-radius: var(--radius); white-space: pre-wrap;
  background: var(--error-bg); border: 1px solid var(--error-line); color: var(--error-ink);
}
.error button { margin-left: 0.6rem; }
.foot { margin-top: 0.5rem; color: var(--muted); font-size: 0.8em; }
.foot a { color: var(--accent); }
button {
  font: inherit; font-size: 0.9em; padding: 0.3rem 0.8rem; border-radius: 6px; cursor: pointer;
  border: 1px solid var(--line); background: var(--paper); color: var(--ink);
}
button:focus-visible, input:focus-visible, select:focus-visible, canvas:focus-visible { outline: 2px solid var(--accent); outline-offset: 2px; }

/* The site's panels, framed by the element rather than boxed again. */
.body > .panel, .body .panel { border: 0; padding: 0; background: none; }
.body > .panel > h2 { position: absolute; width: 1px; height: 1px; overflow: hidden; clip-path: inset(50%); }
.body .panel + .panel { margin-top: 1rem; }
.body .columns { grid-template-columns: repeat(auto-fit, minmax(min(300px, 100%), 1fr)); }
.body .control { grid-template-columns: minmax(7rem, 9rem) minmax(6rem, 1fr) 6.5rem; }
.body canvas.grid { max-width: 100%; height: auto !important; } /* drawGrid sets a height for its width: keep the ratio when narrower */
.body .timing { margin: 0.2rem 0; }
`;

let sheet = null;

/** The element's style sheet, built once. */
export function demoStyles() {
  if (!sheet) {
    sheet = new CSSStyleSheet();
    sheet.replaceSync(CSS);
  }
  return sheet;
}
