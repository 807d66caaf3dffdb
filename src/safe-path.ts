// Maps a URL path onto a file inside one folder, or nothing. Every route that
// reads files (static assets, pages) goes through here, so path safety lives
// in one place.
import { realpathSync, statSync } from 'node:fs';
import path from 'node:path';

/**
 * Split a raw (still percent-encoded) URL path into decoded segments, or
 * null when any segment could step outside: `.`/`..`, encoded slashes,
 * backslashes, NUL bytes, drive letters, malformed escapes.
 */
export function safeSegments(rawPath: string): string[] | null {
  const segments: string[] = [];
  for (const raw of rawPath.split('/')) {
    if (raw === '') continue;
    let segment: string;
    try {
      segment = decodeURIComponent(raw);
    } catch {
      return null;
    }
    if (!isSafeSegment(segment)) return null;
    segments.push(segment);
  }
  return segments;
}

/** A decoded path segment naming an entry inside its folder: not `.`/`..` nor hidden, no slash, backslash, NUL or drive colon. */
export function isSafeSegment(segment: string): boolean {
  return !(segment.startsWith('.') || /[\\/\0:]/.test(segment));
}

/** Real path of `segments` under `root` when it is a regular file whose real location is inside root. */
export function resolveInside(root: string, segments: string[]): string | null {
  const candidate = path.join(root, ...segments);
  try {
    // A missing file is the common answer (a page is looked for as .html and as .md): one stat, and no exception.
    if (!statSync(candidate, { throwIfNoEntry: false })?.isFile()) return null;
    // The native call: one system call, where the JavaScript one lstats every component (pages resolve url() links this way, several per page).
    const real = realpathSync.native(candidate);
    // No link on the way: the file is where it was asked for, under root (unless the segments climb out of it).
    if (real === candidate && candidate.startsWith(path.join(root, path.sep))) return real;
    const realRoot = realpathSync.native(root);
    return real !== realRoot && real.startsWith(realRoot + path.sep) ? real : null;
  } catch {
    return null;
  }
}
