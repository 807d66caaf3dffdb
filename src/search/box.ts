// `{{ search() }}`: a search box over the built site's pages. The index is
// Pagefind's, written by `npm run build` (src/publish/search-index.ts); the
// box's script (./browser/search.js) asks it in the browser, with no server.
// The page's Content-Security-Policy allows WebAssembly for it
// (src/security-policy.ts, by the attribute of ./marker.ts).
import nunjucks from 'nunjucks';
import { escapeHtml } from '../http.ts';
import { SEARCH_BOX_ATTRIBUTE } from './marker.ts';


export interface SearchBoxOptions {
  /** The box's name for assistive technology; also its placeholder unless one is given. */
  label?: string;
  placeholder?: string;
}


export function searchBox(scriptUrl: string, options: SearchBoxOptions = {}): nunjucks.runtime.SafeString {
  const label = options.label ?? 'Search this site';
  const placeholder = options.placeholder ?? 'Search';
  return new nunjucks.runtime.SafeString(
    `<form class="site-search" role="search" ${SEARCH_BOX_ATTRIBUTE}>` +
      `<label class="site-search-field"><span class="visually-hidden">${escapeHtml(String(label))}</span>` +
      `<input class="form-control" type="search" name="q" placeholder="${escapeHtml(String(placeholder))}" autocomplete="off" spellcheck="false"></label>` +
      '<div class="site-search-results"><p role="status"></p><ol></ol></div>' +
      `</form><script type="module" src="${escapeHtml(scriptUrl)}"></script>`,
  );
}
