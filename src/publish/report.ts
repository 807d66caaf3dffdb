// What a build tells the person running it: one progress line that updates
// in place on a terminal (one line per finished step otherwise, so CI logs
// stay short), and a summary at the end.
import type { WriteStats } from './writer.ts';

export interface Progress {
  /** The current step and how far along it is, e.g. ('Rendering', '120 pages, 3 images'). */
  update(step: string, detail: string): void;
  /** Finish the current step's line. */
  done(): void;
}

export function createProgress(stream: NodeJS.WriteStream = process.stderr): Progress {
  const live = stream.isTTY === true;
  let current: { step: string; detail: string } | undefined;
  let shownAt = 0;
  const line = () => (current ? `${current.step}: ${current.detail}` : '');
  const finish = () => {
    if (current) stream.write(live ? `\r\x1b[K${line()}\n` : `${line()}\n`);
    current = undefined;
  };
  return {
    update(step, detail) {
      if (current && current.step !== step) finish();
      current = { step, detail };
      const now = performance.now();
      if (live && now - shownAt > 100) {
        stream.write(`\r\x1b[K${line()}`);
        shownAt = now;
      }
    },
    done: finish,
  };
}

/** A progress that says nothing (tests, benchmarks). */
export const silentProgress: Progress = { update() {}, done() {} };

export interface Summary {
  pages: number;
  /** Of the pages: rendered by the app, and reused from the build cache as the last build rendered them. */
  rendered: number;
  reused: number;
  assets: number;
  images: number;
  /** Pages in the search index (0 when no page has a search box). */
  searchIndexed: number;
  /** Of `_headers`: its rules and its longest line, which Cloudflare Pages limits. */
  headers: { rules: number; longestLine: number };
  bytes: WriteStats;
  seconds: number;
  buildDir: string;
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

export function formatSummary(s: Summary): string {
  const rate = s.seconds > 0 ? ` (${Math.round(s.pages / s.seconds)} pages/s)` : '';
  return [
    `Built ${plural(s.pages, 'page')} (${s.rendered} rendered, ${s.reused} reused), ${plural(s.assets, 'asset')} and ${plural(s.images, 'image')} into ${s.buildDir} in ${s.seconds.toFixed(2)} s${rate}.`,
    ...(s.searchIndexed > 0 ? [`  Search index of ${plural(s.searchIndexed, 'page')} in pagefind/.`] : []),
    `  ${plural(s.bytes.files, 'file')}: ${formatBytes(s.bytes.raw)} raw, ${formatBytes(s.bytes.gzip)} gzip, ${formatBytes(s.bytes.brotli)} brotli` +
      (s.bytes.unchanged > 0 ? `; ${s.bytes.files - s.bytes.unchanged} written, ${s.bytes.unchanged} unchanged` : ''),
    ...headersNotes(s.headers),
  ].join('\n');
}

/** Cloudflare Pages takes at most this many rules from `_headers`, and lines of at most this many characters (Netlify has no limits). */
export const CLOUDFLARE_HEADERS_LIMITS = { rules: 100, lineLength: 2000 };

/** What Cloudflare Pages would drop of `_headers`, said (Netlify takes it whole). */
function headersNotes(headers: Summary['headers'] | undefined): string[] {
  const { rules, lineLength } = CLOUDFLARE_HEADERS_LIMITS;
  return [
    ...(headers && headers.rules > rules
      ? [
          `  Note: _headers has ${headers.rules} rules, and Cloudflare Pages takes ${rules} at most (Netlify takes them all). Pages in one folder with one ` +
            'policy share a rule: put the pages at the top of pages/ in folders (pages/posts/), or serve the site from Netlify.',
        ]
      : []),
    ...(headers && headers.longestLine > lineLength
      ? [`  Note: _headers has a line of ${headers.longestLine} characters, and Cloudflare Pages takes ${lineLength} at most: a page's policy is that long (its inline scripts and styles).`]
      : []),
  ];
}
