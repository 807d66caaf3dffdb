// Folder defaults: pages/<folder>/_defaults.yaml (or .yml, .json) gives every
// page in that folder and below default front matter, such as `layout: docs`
// (Eleventy's directory data, Hugo's cascade). A page's own metadata wins, and
// a nearer folder's defaults win over a farther one's.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseJsonText, parseYamlText } from '../templates/data-text.ts';
import { MetadataError, RESERVED_CONTEXT_KEYS } from '../templates/metadata-error.ts';
import { locatedMetadataError, RenderError } from './page-error.ts';
import { noteRead } from './reads.ts';

const DEFAULTS_FILES = [
  { name: '_defaults.yaml', parse: parseYamlText },
  { name: '_defaults.yml', parse: parseYamlText },
  { name: '_defaults.json', parse: parseJsonText },
];

/** The names a folder's defaults file may have. */
export const DEFAULTS_FILE_NAMES: readonly string[] = DEFAULTS_FILES.map((file) => file.name);

/** One folder's defaults file, read. */
export interface FolderDefaults {
  /** Real path, and as people see it ("pages/docs/_defaults.yaml"). */
  file: string;
  shown: string;
  text: string;
  values: Record<string, unknown>;
}

export interface PageDefaults {
  /** The defaults of every folder from pagesDir down to the page's, merged (nearer wins). */
  values: Record<string, unknown>;
  /** The file each key's value comes from. */
  origin: Map<string, FolderDefaults>;
}

/**
 * Reads folder defaults. `cached` (production) reads each folder once; else
 * every call sees the files as they are now.
 */
export function createFolderDefaults(pagesDir: string, show: (file: string) => string, { cached = false } = {}): (pageFile: string) => PageDefaults {
  const known = new Map<string, FolderDefaults | null>();

  const read = (dir: string): FolderDefaults | null => {
    if (cached && known.has(dir)) return known.get(dir)!;
    const found: FolderDefaults[] = [];
    for (const { name, parse } of DEFAULTS_FILES) {
      const file = path.join(dir, name);
      let text: string;
      try {
        text = readFileSync(file, 'utf8');
      } catch {
        continue;
      }
      if (found.length) throw new RenderError(show(file), null, null, `${found[0]!.shown} gives this folder's defaults already; keep one of the two files.`, file);
      found.push({ file, shown: show(file), text, values: parseDefaults(text, parse, file, show(file)) });
    }
    const defaults = found[0] ?? null;
    if (cached) known.set(dir, defaults);
    return defaults;
  };

  return (pageFile) => {
    const values: Record<string, unknown> = {};
    const origin = new Map<string, FolderDefaults>();
    const relative = path.relative(pagesDir, path.dirname(pageFile));
    const folders = relative === '' || relative.startsWith('..') ? [] : relative.split(path.sep);
    for (let depth = 0; depth <= folders.length; depth++) {
      // Noted whether or not it has a defaults file: adding one changes the page too.
      noteRead('defaults', folders.slice(0, depth).join('/'));
      const defaults = read(path.join(pagesDir, ...folders.slice(0, depth)));
      if (!defaults) continue;
      Object.assign(values, defaults.values);
      for (const key of Object.keys(defaults.values)) origin.set(key, defaults);
    }
    return { values, origin };
  };
}

function parseDefaults(text: string, parse: (text: string) => unknown, file: string, shown: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = parse(text) ?? {};
  } catch (err) {
    if (err instanceof MetadataError) throw locatedMetadataError(err, text, file, shown);
    throw err;
  }
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new RenderError(shown, 1, 1, 'folder defaults must be keys and values, like "layout: docs"', file);
  }
  const taken = RESERVED_CONTEXT_KEYS.find((key) => Object.hasOwn(value as object, key));
  if (taken) throw new RenderError(shown, keyLine(text, taken), null, `folder defaults may not set "${taken}": the server sets it`, file);
  return value as Record<string, unknown>;
}

/** The line (from 1) where `key` is set in YAML front matter, a context block or a JSON/YAML file; null if not found. */
export function keyLine(text: string, key: string): number | null {
  const escaped = key.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const match = new RegExp(`"${escaped}"\\s*:|^[ \\t]*${escaped}[ \\t]*:`, 'm').exec(text);
  return match ? text.slice(0, match.index).split('\n').length : null;
}
