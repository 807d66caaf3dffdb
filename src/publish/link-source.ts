// Where a reference in the built site was written: the page file (or the
// layout) and the line holding it, so a broken link in the build points at
// what to edit ("pages/pricing.html, line 12"), not only at the URL.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

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
  const texts = new Map<string, string[]>();
  const linesOf = (file: string): string[] => {
    let lines = texts.get(file);
    if (!lines) {
      try {
        lines = readFileSync(file, 'utf8').split('\n');
      } catch {
        lines = [];
      }
      texts.set(file, lines);
    }
    return lines;
  };
  const layouts = () => {
    try {
      return readdirSync(templatesDir, { recursive: true, encoding: 'utf8' }).filter((name) => name.endsWith('.html')).sort();
    } catch {
      return [];
    }
  };
  return (pageUrl, reference) => {
    const page = byUrl.get(pageUrl);
    if (!page) return undefined;
    const line = lineWith(linesOf(page.file), reference);
    if (line) return `${page.source}, line ${line}`;
    // Not in the page: in one of the layouts around it, perhaps.
    for (const name of layouts()) {
      const inLayout = lineWith(linesOf(path.join(templatesDir, name)), reference);
      if (inLayout) return `${path.basename(templatesDir)}/${name.split(path.sep).join('/')}, line ${inLayout}`;
    }
    return page.source;
  };
}

/** The line (from 1) where `reference` is written as a whole attribute value or Markdown link target; null if none. */
function lineWith(lines: string[], reference: string): number | null {
  const forms = [`"${reference}"`, `'${reference}'`, `(${reference})`, `(${reference} `, `<${reference}>`];
  const index = lines.findIndex((line) => forms.some((form) => line.includes(form)));
  return index === -1 ? null : index + 1;
}
