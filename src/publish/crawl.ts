// The crawl: ask the app for each URL in-process (as the book's build
// command uses Django's test client), write what it answers, and follow the
// internal URLs in it until the site is complete.
//
// It is a pipeline. Images, scripts and other files are written as soon as
// they arrive. A page (or stylesheet) is kept as a draft until everything
// it references has its final name (a hashed asset, an image file, the end
// of a redirect), then rewritten and written while other pages still
// render. Nothing waits on a page being written, only on it being fetched,
// so pages linking to each other never wait on each other.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { setImmediate } from 'node:timers/promises';
import { bundleScript, bundleStylesheet, hashedName, isScript, isStylesheet, type LocateFile } from './assets.ts';
import type { BuildCache } from './cache.ts';
import { referencesIn, type FileReferences, type LinkCheck } from './check.ts';
import { cssUrls, transformCss } from './css.ts';
import { BuildError } from './errors.ts';
import { htmlUrls, transformHtml } from './html.ts';
import { hasSearchBox } from './search-index.ts';
import { contentSecurityPolicies, withPolicyMeta } from '../security-policy.ts';
import { limit } from './limit.ts';
import { generatedFile, pageFile, type NameFile } from './names.ts';
import type { Output } from './output.ts';
import type { Progress } from './report.ts';
import { safeSegments } from '../safe-path.ts';
import { APP_ORIGIN, appUrl, createResolver, isStaticPath, urlOfFile } from './urls.ts';
import { ROOT_PATH, underBasePath } from './base-path.ts';

/** What the crawl learned about one URL (by key). */
export type Outcome =
  /** HTML, written (or to be written) as `file`, served at `url`. */
  | { kind: 'page'; file: string; url: string }
  /** CSS whose references are not final yet; static ones get a hashed name once they are. */
  | { kind: 'stylesheet' }
  /** Written under its final name. */
  | { kind: 'file'; file: string; url: string; hashed: boolean }
  /** Served at another internal URL (a redirect, a page's query variant, a file named twice). */
  | { kind: 'alias'; key: string }
  /** Redirected off the site. */
  | { kind: 'external'; location: string }
  | { kind: 'missing'; why: string };

/** An answer of the app, as the crawl reads it. */
export interface Answer {
  status: number;
  location: string | null;
  contentType: string | null;
  text(): Promise<string>;
  bytes(): Promise<Buffer>;
}

/** An answer known in full: a page kept from the last build, or rendered without a Request. */
export function answerOf(status: number, contentType: string, body: string | Buffer): Answer {
  return { status, location: null, contentType, text: async () => body.toString(), bytes: async () => Buffer.from(body) };
}

export interface CrawlOptions {
  /** The app; asked with Request objects like a browser would send. */
  fetch: (request: Request) => Response | Promise<Response>;
  /**
   * The answer for a URL (by its full URL and Accept) when it is had
   * without a Request and a Response, else null (the app is asked): a page
   * kept from the last build, or a page the pages part renders directly
   * (app.ts `page`). A request and a response per page cost as much as
   * rendering it.
   */
  answer?: (url: string, accept: string) => Answer | null | Promise<Answer | null>;
  /** Disk file of a /static/ URL path. */
  locate: LocateFile;
  output: Output;
  check: LinkCheck;
  progress: Progress;
  siteOrigin?: string;
  /** BASE_PATH ("/project/"): every URL written starts with it. */
  basePath?: string;
  nameFile?: NameFile;
  /** Where bundles are kept between builds; none with BUILD_CACHE=off. */
  cache?: BuildCache | null;
  /** Which pages came from the build cache rather than the app (page-memo.ts); without it, every page is rendered. */
  work?: ReadonlyMap<string, 'rendered' | 'reused'>;
  /**
   * Rebuilding single pages: the only pages written. Other pages they link to
   * are asked for (to follow redirects) but left as the last build wrote them.
   */
  onlyPages?: Set<string>;
}

export interface Crawl {
  /** Pages (of them, rendered by the app and reused from the build cache), assets and images. */
  counts: { pages: number; rendered: number; reused: number; assets: number; images: number };
  /** Whether a page it wrote holds a search box (the site is then indexed, search-index.ts). */
  searchBox(): boolean;
  /** Crawl from this URL key (a path, e.g. /pricing/), after what is already waiting. */
  visit(key: string): void;
  /** Render the app's page for a missing URL as `file` (404.html) and crawl from it. */
  visitNotFound(file: string): void;
  /** Resolves when every reachable URL is written; rejects on the first error. */
  finished(): Promise<void>;
  /** Where a URL key ends up, following redirects. */
  outcomeOf(key: string): Outcome;
  /** Source name to hashed name of each static file written. */
  hashedFiles(): Array<[source: string, hashed: string]>;
  /** The Content-Security-Policy header of each page written (for `_headers`), and the keys of the internal URLs each references, by file. */
  policies: ReadonlyMap<string, string>;
  references: ReadonlyMap<string, string[]>;
}

/** A browser's Accept, so error pages come as HTML. */
const ACCEPT = 'text/html,application/xhtml+xml,image/avif,image/webp,image/png,*/*;q=0.8';
const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const MAX_REDIRECTS = 10;
/** Starting points fetched at once (see startRoots). */
const ROOTS_AHEAD = 8;
/** Pages rendered and ready, waiting for the writers, before rendering pauses. */
const READY_TO_WRITE = 32;

interface Deferred {
  promise: Promise<void>;
  resolve: () => void;
}

const deferred = (): Deferred => {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
};

/** A page or stylesheet fetched, waiting for its references to be final. */
interface Draft {
  file: string;
  /** Its own URL, the base of its relative references. */
  base: string;
  /** The keys of the internal URLs it references. */
  references: string[];
}

/** A page's draft: its URLs as written, and (with a cache) the digest of its HTML. */
interface PageDraft extends Draft {
  urls: string[];
  digest: string | null;
  /** The 404 page: not one of the site's pages (not searched, not counted). */
  notFound: boolean;
}

export function createCrawl({ fetch, answer, locate, output, check, progress, siteOrigin, basePath = ROOT_PATH, nameFile, cache, work, onlyPages }: CrawlOptions): Crawl {
  const outcomes = new Map<string, Outcome>();
  /** Per key: its outcome is known; and its final URL is known (later, for a stylesheet). */
  const known = new Map<string, Deferred>();
  const final = new Map<string, Deferred>();
  const counts = { pages: 0, rendered: 0, reused: 0, assets: 0, images: 0 };
  const policies = new Map<string, string>();
  const references = new Map<string, string[]>();
  const resolve = createResolver(siteOrigin);
  let written = 0;
  let searchBox = false;
  /** Output files already taken, by the key that took them. */
  const claimed = new Map<string, string>();
  // Enough requests in flight to overlap image rendering and bundling with page rendering.
  const fetching = limit(8);
  // Pages being rewritten and written; each also waits for its compression to start.
  const writing = limit(8);
  let active = 0;
  let failure: unknown;
  const idle = deferred();

  const report = () =>
    progress.update('Building', `${counts.pages} pages (${counts.rendered} rendered, ${counts.reused} reused), ${written} written, ${counts.assets} assets, ${counts.images} images`);

  /** Run a task of the crawl; the crawl is finished when none is left. */
  const track = (task: () => Promise<void>) => {
    active++;
    task()
      .catch((err: unknown) => {
        failure ??= err;
      })
      .finally(() => {
        if (--active === 0) idle.resolve();
      });
  };

  const settle = (key: string, outcome: Outcome) => {
    outcomes.set(key, outcome);
    known.get(key)!.resolve();
    if (outcome.kind !== 'stylesheet') final.get(key)!.resolve();
  };

  /** Where a chain of aliases ends. */
  const outcomeOf = (key: string): Outcome => {
    for (let hops = 0; hops <= MAX_REDIRECTS; hops++) {
      const outcome = outcomes.get(key) ?? { kind: 'missing', why: 'never crawled' };
      if (outcome.kind !== 'alias') return outcome;
      key = outcome.key;
    }
    return { kind: 'missing', why: 'redirects in a loop' };
  };

  /** Resolves once the URL `key` leads to, through any redirects, has its final name. */
  const finalName = async (key: string): Promise<void> => {
    for (let hops = 0; hops <= MAX_REDIRECTS; hops++) {
      await final.get(key)!.promise;
      const outcome = outcomes.get(key)!;
      if (outcome.kind !== 'alias') return;
      key = outcome.key;
    }
  };

  /** A reference as it must read in the built site. */
  const rewrite = (reference: string, base: string): string => {
    const target = resolve(reference, base);
    if (!target) return reference;
    const outcome = outcomeOf(target.key);
    if (outcome.kind === 'external') return outcome.location.includes('#') ? outcome.location : outcome.location + target.hash;
    if (outcome.kind !== 'page' && outcome.kind !== 'file') return reference; // the check reports it
    // A static host ignores a page's query, but the page's scripts may read it.
    const url = underBasePath(basePath, outcome.url) + (outcome.kind === 'page' ? target.search : '') + target.hash;
    return target.absolute && siteOrigin ? siteOrigin + url : url;
  };

  /** Crawl the internal URLs among `urls`; returns their keys. */
  const follow = (urls: string[], base: string): string[] => {
    const keys: string[] = [];
    for (const url of urls) {
      const target = resolve(url, base);
      if (!target) continue;
      visit(target.key);
      keys.push(target.key);
    }
    return keys;
  };

  /** Take `file` for `key`, or learn the key that already has it (two URLs, one file). */
  const claim = (file: string, key: string): string | undefined => {
    const owner = claimed.get(file);
    if (owner !== undefined) return owner;
    claimed.set(file, key);
    return undefined;
  };

  /**
   * Pages ready to be written wait for the writer threads, and rendering
   * pauses while too many do. (Only those whose references are all final
   * count: writing them needs no more fetching, so the pause cannot block
   * them.)
   */
  let ready = 0;
  const roomToRender: Array<() => void> = [];
  const waitForRoomToRender = async () => {
    while (ready >= READY_TO_WRITE) await new Promise<void>((resolve) => roomToRender.push(resolve));
  };

  /** A page's URLs as written, from the cache when it has seen this HTML (keyed by `digest`). */
  const urlsOf = (html: string, digest: string | null): string[] => {
    const key = digest && cache ? cache.key('links', digest) : null;
    const kept = key && cache!.get('links', key);
    if (kept) return JSON.parse(kept.toString()) as string[];
    const urls = htmlUrls(html);
    if (key) cache!.put('links', key, Buffer.from(JSON.stringify(urls)));
    return urls;
  };

  /**
   * A page as written: its draft with each reference rewritten, and what the
   * link check reads in the result. With a cache, a page whose HTML and whose
   * references' final URLs (BASE_PATH and SITE_URL included) are as in an
   * earlier build is taken as it was written then: its bytes are a function
   * of these alone.
   */
  const finalPage = async (draft: PageDraft): Promise<{ html: string; references: FileReferences; policy: string; rewritten: string[] }> => {
    const rewritten = draft.urls.map((url) => rewrite(url, draft.base));
    const key = draft.digest && cache ? cache.key('final', draft.digest, JSON.stringify(rewritten)) : null;
    const kept = key && cache!.get('final', key);
    if (kept) {
      await output.takeDraft(draft.file);
      const newline = kept.indexOf(10);
      const { references, policy } = JSON.parse(kept.subarray(0, newline).toString()) as { references: FileReferences; policy: string };
      return { references, policy, html: kept.subarray(newline + 1).toString(), rewritten };
    }
    let next = 0;
    const page = transformHtml(await output.takeDraft(draft.file), () => rewritten[next++]!);
    // The page's Content-Security-Policy, hashed over its final bytes (src/security-policy.ts): in a <meta>, and as the
    // header _headers gives (kept with the page: reading it out of the HTML again costs more than the rest of a reused page).
    const { meta, header: policy } = contentSecurityPolicies(page);
    const html = withPolicyMeta(page, meta);
    const references = referencesIn(draft.file, html);
    if (key) cache!.put('final', key, Buffer.concat([Buffer.from(`${JSON.stringify({ references, policy })}\n`), Buffer.from(html)]));
    return { html, references, policy, rewritten };
  };

  /** Write a page once everything it references has its final name. */
  const finishPage = (draft: PageDraft) =>
    track(async () => {
      await Promise.all(draft.references.map(finalName));
      if (failure) return; // the build is failing; nothing more worth writing
      ready++;
      try {
        await writing(async () => {
          const { html, references, policy, rewritten } = await finalPage(draft);
          await output.write(draft.file, html);
          policies.set(draft.file, policy);
          if (!searchBox && !draft.notFound && hasSearchBox(html)) searchBox = true;
          // Asked only for what the check reports.
          check.add(draft.file, html, references, (url) => {
            const at = rewritten.indexOf(url);
            return at === -1 ? undefined : draft.urls[at];
          });
          written++;
          report();
        });
      } finally {
        ready--;
        roomToRender.shift()?.();
      }
    });

  /**
   * Write a stylesheet once what it references is final. url() loads images
   * and fonts; another stylesheet there would be a mistake (and could wait
   * on this one forever), so it is refused.
   */
  const finishStylesheet = (key: string, draft: Draft & { text: string; hashed: boolean }) =>
    track(async () => {
      try {
        await Promise.all(draft.references.map((ref) => known.get(ref)!.promise));
        const sheet = draft.references.find((ref) => outcomeOf(ref).kind === 'stylesheet');
        if (sheet) throw new BuildError(`${key} points at the stylesheet ${sheet} with url(); bring stylesheets together with @import.`);
        await Promise.all(draft.references.map(finalName));
        const text = transformCss(draft.text, (url) => rewrite(url, draft.base));
        const file = draft.hashed ? hashedName(draft.file, text) : draft.file;
        await output.write(file, text, { hashed: draft.hashed });
        check.add(file, text);
        outcomes.set(key, { kind: 'file', file, url: urlOfFile(file), hashed: draft.hashed });
      } catch (err) {
        outcomes.set(key, { kind: 'missing', why: 'the build stopped' });
        throw err;
      } finally {
        final.get(key)!.resolve(); // nothing may wait forever on it
      }
    });

  async function handleStatic(key: string): Promise<Outcome> {
    const source = locate(key);
    const segments = safeSegments(key);
    if (!source || !segments) return { kind: 'missing', why: 'no such file in the static folder' };
    const file = segments.join('/');
    counts.assets++;
    let data: Buffer;
    if (isStylesheet(source)) {
      const text = await bundleStylesheet(source, key, locate, cache);
      const references = follow(cssUrls(text), appUrl(key));
      if (references.length > 0) {
        finishStylesheet(key, { file, base: appUrl(key), references, text, hashed: true });
        return { kind: 'stylesheet' };
      }
      data = Buffer.from(text);
    } else {
      data = isScript(source) ? Buffer.from(await bundleScript(source, key, locate, cache)) : await readFile(source);
    }
    const hashed = hashedName(file, data);
    await output.write(hashed, data, { hashed: true });
    return { kind: 'file', file: hashed, url: urlOfFile(hashed), hashed: true };
  }

  async function handleResponse(key: string, response: Answer, notFoundFile?: string): Promise<Outcome> {
    const base = appUrl(key);
    const location = response.location;
    if (REDIRECTS.has(response.status) && location) {
      const target = resolve(location, base);
      if (!target) return { kind: 'external', location: new URL(location, base).href };
      visit(target.key);
      return { kind: 'alias', key: target.key };
    }
    if (response.status !== (notFoundFile ? 404 : 200)) return { kind: 'missing', why: `the app answered ${response.status}` };

    const url = new URL(base);
    const contentType = response.contentType ?? 'application/octet-stream';
    const segments = safeSegments(url.pathname);
    if (!segments) return { kind: 'missing', why: 'not a path a file can have' };

    if (/^text\/html\b/i.test(contentType)) {
      // A static host ignores the query: a page's variants are the page.
      if (url.search && !notFoundFile) {
        visit(url.pathname);
        return { kind: 'alias', key: url.pathname };
      }
      const page = notFoundFile ? { file: notFoundFile, url: urlOfFile(notFoundFile) } : pageFile(segments);
      const owner = claim(page.file, key);
      if (owner !== undefined) return { kind: 'alias', key: owner };
      if (onlyPages && !onlyPages.has(key)) return { kind: 'page', ...page };
      const html = await response.text();
      await output.keepDraft(page.file, html);
      const digest = cache ? createHash('sha256').update(html).digest('hex') : null;
      const urls = urlsOf(html, digest);
      const keys = follow(urls, base);
      references.set(page.file, keys);
      finishPage({ file: page.file, base, references: keys, urls, digest, notFound: Boolean(notFoundFile) });
      if (!notFoundFile) {
        counts.pages++;
        counts[work?.get(url.pathname) === 'reused' ? 'reused' : 'rendered']++;
      }
      return { kind: 'page', ...page };
    }

    const file = nameFile?.(url, contentType) ?? generatedFile(url, contentType);
    if (!file) return { kind: 'missing', why: 'not a path a file can have' };
    const owner = claim(file, key);
    if (owner !== undefined) return { kind: 'alias', key: owner };
    if (/^text\/css\b/i.test(contentType)) {
      const text = await response.text();
      finishStylesheet(key, { file, base, references: follow(cssUrls(text), base), text, hashed: false });
      return { kind: 'stylesheet' };
    }
    await output.write(file, await response.bytes());
    if (/^image\//i.test(contentType)) counts.images++;
    return { kind: 'file', file, url: urlOfFile(file), hashed: false };
  }

  // A Request built in-process has no Host header unless given one, and the app checks it.
  const host = new URL(APP_ORIGIN).host;
  const request = async (key: string): Promise<Answer> => {
    const url = appUrl(key);
    const answered = await answer?.(url, ACCEPT);
    if (answered) return answered;
    const response = await fetch(new Request(url, { headers: { host, accept: ACCEPT } }));
    return {
      status: response.status,
      location: response.headers.get('location'),
      contentType: response.headers.get('content-type'),
      text: () => response.text(),
      bytes: async () => Buffer.from(await response.arrayBuffer()),
    };
  };

  /**
   * Fetch `key`. What pages reference is urgent: the pages waiting for it
   * can be written as soon as it is, rather than after every page renders.
   */
  function start(key: string, urgent: boolean, handle: () => Promise<Outcome>, then?: () => void) {
    known.set(key, deferred());
    final.set(key, deferred());
    outcomes.set(key, { kind: 'missing', why: 'still being crawled' });
    track(() =>
      fetching(async () => {
        // Rendering is synchronous and its promises resolve at once: without a
        // turn of the event loop between pages, finished writes, compressions
        // and bundles would wait for the last page.
        await setImmediate();
        try {
          settle(key, failure ? { kind: 'missing', why: 'the build stopped' } : await handle());
        } catch (err) {
          // Nothing may wait forever on a URL that failed.
          settle(key, { kind: 'missing', why: 'the build stopped' });
          throw err;
        } finally {
          then?.();
        }
        report();
      }, { urgent }),
    );
  }

  const handle = (key: string) => async () => {
    if (isStaticPath(key)) return handleStatic(key);
    await waitForRoomToRender();
    return handleResponse(key, await request(key));
  };

  function visit(key: string) {
    if (!outcomes.has(key)) start(key, true, handle(key));
  }

  /**
   * The URLs to start from are fed in a few at a time, so one that a page
   * references is fetched when first referenced, not at its place in line.
   */
  const roots: Array<{ key: string; handle: () => Promise<Outcome> }> = [];
  let rootsStarted = 0;
  const startRoots = () => {
    while (rootsStarted < ROOTS_AHEAD && roots.length > 0) {
      const root = roots.shift()!;
      if (outcomes.has(root.key)) continue;
      rootsStarted++;
      start(root.key, false, root.handle, () => {
        rootsStarted--;
        startRoots();
      });
    }
  };

  return {
    counts,
    searchBox: () => searchBox,
    visit(key) {
      roots.push({ key, handle: handle(key) });
      startRoots();
    },
    visitNotFound(file) {
      const key = `/${file}`;
      roots.push({ key, handle: async () => handleResponse(key, await request(key), file) });
      startRoots();
    },
    async finished() {
      // Every task starts its follow-ups before it ends, so the first time none is left, the crawl is done.
      if (active > 0) await idle.promise;
      progress.done();
      if (failure) throw failure;
    },
    outcomeOf,
    hashedFiles: () =>
      [...outcomes].flatMap(([key, outcome]): Array<[string, string]> =>
        outcome.kind === 'file' && outcome.hashed ? [[decodeURIComponent(key.slice(1)), outcome.file]] : [],
      ),
    policies,
    references,
  };
}
