// The build's check of its own output: every internal link and asset
// reference in the pages and stylesheets it writes must name a file of the
// output, found the way a static host finds it. It parses the final text of
// each file as written, not the crawl's bookkeeping, and looks each distinct
// URL up among the files of the new site once everything is written.
import { cssUrls } from './css.ts';
import { BuildError } from './errors.ts';
import { htmlUrls } from './html.ts';
import { limit } from './limit.ts';
import { APP_ORIGIN, createResolver, fileOfUrl, urlOfFile } from './urls.ts';

/** Enough places to show per broken URL; a URL on every page needs no thousand lines. */
const REFERRERS_KEPT = 20;

interface Reference {
  /** URL path of the page (or stylesheet) holding the reference. */
  page: string;
  /** As written there. */
  url: string;
}

export interface LinkCheck {
  /** Note the references in a file of the site, from its final text (or the URLs found in it, when known). */
  add(file: string, text: string, urls?: string[]): void;
  /**
   * Once every file is written: throws a BuildError naming each broken
   * reference and the page it is on; `explain` adds why when the crawl
   * knows (e.g. "the app answered 404").
   */
  verify(explain: (key: string) => string | undefined): Promise<void>;
}

export function createLinkCheck(hasFile: (file: string) => boolean, siteOrigin?: string): LinkCheck {
  /** Referenced URL paths (and keys, for explain), with where they are referenced. */
  const targets = new Map<string, { key: string; referrers: Reference[] }>();
  const resolve = createResolver(siteOrigin);
  return {
    add(file, text, found) {
      const page = urlOfFile(file);
      const urls = found ?? (file.endsWith('.css') ? cssUrls(text) : htmlUrls(text));
      for (const url of urls) {
        const target = resolve(url, APP_ORIGIN + page);
        if (!target) continue;
        const pathname = new URL(target.key, APP_ORIGIN).pathname;
        let entry = targets.get(pathname);
        if (!entry) targets.set(pathname, (entry = { key: target.key, referrers: [] }));
        if (entry.referrers.length < REFERRERS_KEPT) entry.referrers.push({ page, url });
      }
    },
    async verify(explain) {
      const looking = limit(16);
      const broken: string[] = [];
      await Promise.all(
        [...targets].map(([pathname, { key, referrers }]) =>
          looking(async () => {
            if (await fileOfUrl(hasFile, pathname)) return;
            const why = explain(key);
            for (const { page, url } of referrers) broken.push(`  ${page}: ${url}${why ? ` (${why})` : ''}`);
          }),
        ),
      );
      if (broken.length === 0) return;
      broken.sort();
      const shown = broken.slice(0, REFERRERS_KEPT);
      if (broken.length > shown.length) shown.push(`  ... and ${broken.length - shown.length} more`);
      throw new BuildError(`${broken.length === 1 ? 'A broken link' : `${broken.length} broken links`} in the built site:\n${shown.join('\n')}`);
    },
  };
}
