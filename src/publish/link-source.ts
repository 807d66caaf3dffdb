// Where a reference in the built site was written: the page file (or the
// layout) and the line holding it, so a broken link in the build points at
// what to edit ("pages/pricing.html, line 12"), not only at the URL.
import { createSourceFinder } from '../pages/source-line.ts';

export interface PageSource {
  /** URL path of the page, e.g. "/pricing/". */
  url: string;
  /** Real path of its file. */
  file: string;
  /** As people see it: "pages/pricing.html". */
  source: string;
}

/** "pages/pricing.html, line 12" for a reference on a page; undefined for a URL that is no page of `pages`. */
export type LinkSource = (pageUrl: string, reference: string) => string | undefined;

export function createLinkSource(pages: readonly PageSource[], templatesDir: string): LinkSource {
  const byUrl = new Map(pages.map((page) => [page.url, page]));
  const find = createSourceFinder(templatesDir);
  return (pageUrl, reference) => {
    const page = byUrl.get(pageUrl);
    if (!page) return undefined;
    const { file, line } = find(page, reference);
    return line ? `${file}, line ${line}` : file;
  };
}
