// Markdown in the board: task descriptions, comments and their previews,
// rendered by the one safe renderer (src/board/markdown.ts, markdown-it).
// The renderer is most of the client's weight and only a task's details
// need it, so it is a chunk of its own (esbuild code splitting), loaded when
// the browser is idle after the board has loaded, or at once when details
// open. Until it is here, Markdown is shown as the text typed (escaped, its
// line breaks kept), and the renderer replaces every such placeholder on the
// page the moment it arrives. A failed load (offline) says so beside the
// text, which stays, and is tried again when details next open.
import { pageConfig } from './config.ts';
import { html, SafeHtml } from './view.ts';

/** Only its type: the module itself is imported when wanted (loadRenderer), which makes it a chunk of its own. */
type Renderer = typeof import('../markdown.ts').renderMarkdown;

let renderer: Renderer | null = null;
let loading: Promise<void> | null = null;
let failed = false;
/** Loads tried and failed: a browser may keep a failed import()'s answer for its URL, so a retry asks under another. */
let failures = 0;

/**
 * The renderer module: its chunk as the bundle imports it, and after a failure the same chunk (named in the page's
 * configuration) under a fragment of its own: the request is the same, the browser's module map entry a new one.
 */
function importRenderer(): Promise<typeof import('../markdown.ts')> {
  const chunk = pageConfig().markdownRenderer;
  if (failures === 0 || !chunk) return import('../markdown.ts');
  return import(/* the chunk again */ new URL(`${chunk}#retry-${failures}`, document.baseURI).href) as Promise<typeof import('../markdown.ts')>;
}

const PENDING = 'markdown-pending';
const UNAVAILABLE = html`<p class="markdown-unavailable">The formatting could not be loaded (offline?), so this is the text as typed. It is tried again when a task is opened.</p>`;

/**
 * The renderer, fetched once (again after a failure); every placeholder on
 * the page shows the rendered Markdown once it resolves, or says it failed.
 */
export function loadRenderer(): Promise<void> {
  failed = false;
  loading ??= importRenderer().then(
    (module) => {
      renderer = module.renderMarkdown;
      for (const pending of document.querySelectorAll<HTMLElement>(`.${PENDING}`)) {
        pending.outerHTML = markdown(pending.querySelector('.markdown-source')?.textContent ?? '', Number(pending.dataset.under)).value;
      }
    },
    (error: unknown) => {
      loading = null;
      failed = true;
      failures++;
      for (const pending of document.querySelectorAll<HTMLElement>(`.${PENDING}`)) {
        if (!pending.querySelector('.markdown-unavailable')) pending.insertAdjacentHTML('beforeend', UNAVAILABLE.value);
      }
      throw error;
    },
  );
  return loading;
}

/** Fetch the renderer once the page has loaded and the browser has nothing else to do (a sprint board calls it when it shows its tasks; a failure waits for details to open). */
export function loadRendererWhenIdle(): void {
  const load = () => void loadRenderer().catch(() => {});
  const idle = () => ('requestIdleCallback' in window ? requestIdleCallback(load, { timeout: 5_000 }) : setTimeout(load, 1_000));
  if (document.readyState === 'complete') idle();
  else window.addEventListener('load', idle, { once: true });
}

/**
 * Rendered Markdown for `html` templates: safe as it is (renderMarkdown
 * escapes raw HTML and drops unsafe links), its headings under the heading
 * it is shown beneath (`under`, a level: see headingsUnder). Before the
 * renderer is here, the text as typed, replaced once it is.
 */
export function markdown(source: string, under: number): SafeHtml {
  if (renderer) return new SafeHtml(headingsUnder(renderer(source), under));
  return html`<div class="${PENDING}" data-under="${under}"><div class="markdown-source">${source}</div>${failed && UNAVAILABLE}</div>`;
}

/**
 * The renderer's HTML with its headings put under a heading of level
 * `under`: the first at the next level and none skipping one, so the page's
 * outline stays whole whatever `#`s were typed.
 */
export function headingsUnder(rendered: string, under: number): string {
  const typed = [...rendered.matchAll(/<h([1-6])>/g)].map((match) => Number(match[1]));
  const top = Math.min(...typed);
  let previous = under;
  const levels = typed.map((level) => (previous = Math.min(6, previous + 1, under + 1 + level - top)));
  // Only markdown-it's own tags look like this (typed HTML is escaped: &lt;h1&gt;), and headings do not nest.
  let opened = 0;
  let closed = 0;
  return rendered.replace(/<h[1-6]>/g, () => `<h${levels[opened++]}>`).replace(/<\/h[1-6]>/g, () => `</h${levels[closed++]}>`);
}
