// The build's check of its own output: every internal link and asset
// reference in the pages and stylesheets it writes must name a file of the
// output, found the way a static host finds it. It parses the final text of
// each file as written, not the crawl's bookkeeping, and looks each distinct
// URL up among the files of the new site once everything is written.
import { cssUrls } from './css.ts';
import { BuildError } from './errors.ts';
import { htmlUrls } from './html.ts';
import { ROOT_PATH, underBasePath, withinBasePath } from './base-path.ts';
import { imagesWithoutAlt, MISSING_ALT } from '../pages/problems.ts';
import { limit } from './limit.ts';
import type { LinkSource } from './link-source.ts';
import { APP_ORIGIN, createResolver, fileOfUrl, urlOfFile } from './urls.ts';

/** Enough places to show per broken URL; a URL on every page needs no thousand lines. */
const REFERRERS_KEPT = 20;

interface Reference {
  /** URL path of the page (or stylesheet) holding the reference. */
  page: string;
  /** As written there. */
  url: string;
}

/** What the check reads in a file of the site. */
export interface FileReferences {
  /** Its URLs, as written. */
  urls: string[];
  /** The src of each <img> without alt. */
  withoutAlt: string[];
}

/** The references in a file's final text. */
export const referencesIn = (file: string, text: string): FileReferences =>
  file.endsWith('.css') ? { urls: cssUrls(text), withoutAlt: [] } : { urls: htmlUrls(text), withoutAlt: imagesWithoutAlt(text) };

export interface LinkCheck {
  /**
   * Note the references in a file of the site, from its final text (or as
   * found in it before, when known); `renderedAs` gives a URL of the final
   * text as the app rendered it, to find where it is written.
   */
  add(file: string, text: string, found?: FileReferences, renderedAs?: (url: string) => string | undefined): void;
  /**
   * Once every file is written: throws a BuildError naming each broken
   * reference and the page it is on; `explain` adds why when the crawl
   * knows (e.g. "the app answered 404"); `sourceOf` names the file and line
   * the reference was written in, when known.
   */
  verify(explain: (key: string) => string | undefined, sourceOf?: LinkSource): Promise<void>;
}

/** `basePath`: the site is served under it (BASE_PATH), so every internal URL must start with it. */
export function createLinkCheck(hasFile: (file: string) => boolean, siteOrigin?: string, basePath = ROOT_PATH): LinkCheck {
  /** Referenced URL paths as written (with their keys, for explain, and their path in the site, null outside the base path), with where they are referenced. */
  const targets = new Map<string, { key: string; sitePath: string | null; referrers: Reference[] }>();
  const resolve = createResolver(siteOrigin);
  /** Images without alt, as the problems badge of `npm run dev` shows them. */
  const withoutAlt: Reference[] = [];
  /** Per page, its URLs as the app rendered them (see add). */
  const renderedUrls = new Map<string, (url: string) => string | undefined>();
  return {
    add(file, text, found, renderedAs) {
      const page = urlOfFile(file);
      const references = found ?? referencesIn(file, text);
      if (renderedAs) renderedUrls.set(page, renderedAs);
      for (const url of references.withoutAlt) withoutAlt.push({ page, url });
      for (const url of references.urls) {
        const target = resolve(url, APP_ORIGIN + underBasePath(basePath, page));
        if (!target) continue;
        const written = new URL(target.key, APP_ORIGIN).pathname;
        let entry = targets.get(written);
        if (!entry) targets.set(written, (entry = { key: target.key, sitePath: withinBasePath(basePath, written), referrers: [] }));
        if (entry.referrers.length < REFERRERS_KEPT) entry.referrers.push({ page, url });
      }
    },
    async verify(explain, sourceOf) {
      const located = ({ page, url }: Reference) => {
        // The page's source has the URL as the app rendered it, before a hashed name or BASE_PATH.
        const source = sourceOf?.(page, renderedUrls.get(page)?.(url) ?? url);
        return `  ${source ? `${source} (${page})` : page}: ${url}`;
      };
      const looking = limit(16);
      const broken: string[] = [];
      await Promise.all(
        [...targets.values()].map(({ key, sitePath, referrers }) =>
          looking(async () => {
            if (sitePath !== null && (await fileOfUrl(hasFile, sitePath))) return;
            // The crawl knows URLs by their path in the site; a link it could not follow is left as the page wrote it.
            const why = sitePath === null ? (explain(key) ?? `outside BASE_PATH ${basePath}`) : explain(withinBasePath(basePath, key) ?? key);
            for (const reference of referrers) broken.push(`${located(reference)}${why ? ` (${why})` : ''}`);
          }),
        ),
      );
      const unnamed = withoutAlt.map((reference) => `${located(reference)} (${MISSING_ALT})`);
      const sections = [
        [broken, 'A broken link', 'broken links'],
        [unnamed, 'An image without alt', 'images without alt'],
      ] as const;
      const report = sections.flatMap(([lines, one, many]) => {
        if (lines.length === 0) return [];
        const shown = [...lines].sort().slice(0, REFERRERS_KEPT);
        if (lines.length > shown.length) shown.push(`  ... and ${lines.length - shown.length} more`);
        return [`${lines.length === 1 ? one : `${lines.length} ${many}`} in the built site:\n${shown.join('\n')}`];
      });
      if (report.length > 0) throw new BuildError(report.join('\n'));
    },
  };
}
