// YAML front matter: `---` lines at the very top of a page around YAML whose
// keys join the page's context (as the JSON context block does).
//
//   ---
//   title: About us
//   description: Who we are.
//   ---
import { parseYamlText } from './data-text.ts';
import { MetadataError, RESERVED_CONTEXT_KEYS } from './metadata-error.ts';

const FRONT_MATTER = /^(?:\uFEFF)?---[ \t]*\r?\n([\s\S]*?)^---[ \t]*(?:\r?\n|$)/m;

export interface SplitSource {
  /** The source without its metadata; its lines keep their numbers. */
  template: string;
  context: Record<string, unknown>;
}

export function splitFrontMatter(source: string): SplitSource {
  const match = FRONT_MATTER.exec(source);
  if (!match || match.index !== 0) return { template: source, context: {} };
  const yaml = match[1]!;
  const yamlStart = match[0].indexOf('\n') + 1;
  let value: unknown;
  try {
    value = parseYamlText(yaml);
  } catch (err) {
    if (!(err instanceof MetadataError)) throw err;
    throw new MetadataError(`front matter: ${err.reason}`, yamlStart + err.offset);
  }
  if (value === null || value === undefined) value = {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new MetadataError('the front matter must be YAML keys and values, like "title: About us"', yamlStart);
  }
  const taken = RESERVED_CONTEXT_KEYS.find((key) => Object.hasOwn(value as object, key));
  if (taken) {
    const at = new RegExp(`^${taken}\\s*:`, 'm').exec(yaml)?.index ?? 0;
    throw new MetadataError(`the front matter may not set "${taken}": the server sets it`, yamlStart + at);
  }
  // Newlines stand in for the front matter, so errors further down name the right line.
  return { template: match[0].replace(/[^\n]/g, '') + source.slice(match[0].length), context: value as Record<string, unknown> };
}
