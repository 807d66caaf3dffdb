// Where a URL in a rendered page was written: the page's file, else one of
// the layouts, and the line. Broken links in the build and the problems badge
// of `npm run dev` point there.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { templateNames } from '../templates/names.ts';

export interface WrittenAt {
  /** As people see it: "pages/pricing.html", "templates/base.html". */
  file: string;
  /** From 1; null when the URL is not written as such (built by a helper, say). */
  line: number | null;
}

/**
 * Finds where references were written. Files are read once per finder: make
 * one per build, or per render under `npm run dev`.
 */
export function createSourceFinder(templatesDir: string): (page: { file: string; source: string }, reference: string) => WrittenAt {
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
  let layouts: string[] | undefined;
  const layoutNames = () => (layouts ??= templateNames(templatesDir));
  return (page, reference) => {
    const line = lineWith(linesOf(page.file), reference);
    if (line) return { file: page.source, line };
    for (const name of layoutNames()) {
      const inLayout = lineWith(linesOf(path.join(templatesDir, name)), reference);
      if (inLayout) return { file: `${path.basename(templatesDir)}/${name}`, line: inLayout };
    }
    return { file: page.source, line: null };
  };
}

/** The line (from 1) where `reference` is written as a whole attribute value or Markdown link target; null if none. */
function lineWith(lines: string[], reference: string): number | null {
  const forms = [`"${reference}"`, `'${reference}'`, `=${reference} `, `=${reference}>`, `(${reference})`, `(${reference} `, `<${reference}>`];
  const index = lines.findIndex((line) => forms.some((form) => line.includes(form)));
  return index === -1 ? null : index + 1;
}
