// Shared data: every pages/_data/<name>.json, .yaml or .yml is `data.<name>`
// in every page and layout. A file that does not parse is an error naming
// it, with the line and column.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseJsonText, parseYamlText } from '../templates/data-text.ts';
import { lineAndColumn, MetadataError } from '../templates/metadata-error.ts';
import { loadYaml } from '../templates/yaml.ts';
import { locatedMetadataError, pathNamer, RenderError } from './page-error.ts';

export const DATA_FOLDER = '_data';
const PARSERS: Record<string, (text: string) => unknown> = { '.json': parseJsonText, '.yaml': parseYamlText, '.yml': parseYamlText };

export type SiteData = Record<string, unknown>;

/** Every data file of `pagesDir`, by name; {} when there is no _data folder. */
export function loadData(pagesDir: string): SiteData {
  const dir = path.join(pagesDir, DATA_FOLDER);
  const show = pathNamer([pagesDir]);
  let names: string[];
  try {
    names = readdirSync(dir).sort();
  } catch {
    return {};
  }
  const data: SiteData = {};
  const fileOf = new Map<string, string>();
  for (const name of names) {
    const ext = path.extname(name).toLowerCase();
    const parse = PARSERS[ext];
    if (!parse || name.startsWith('.')) continue;
    const key = name.slice(0, -ext.length);
    const file = path.join(dir, name);
    const other = fileOf.get(key);
    if (other) {
      throw new RenderError(show(file), null, null, `${show(other)} is data.${key} already; keep one of the two files.`, file);
    }
    fileOf.set(key, file);
    const text = readFileSync(file, 'utf8');
    try {
      data[key] = parse(text);
    } catch (err) {
      if (err instanceof MetadataError) throw locatedMetadataError(err, text, file, show(file));
      throw err;
    }
  }
  return data;
}

/** The value at a dotted path ("catalogue.products") of the data, or undefined. */
export function dataAt(data: SiteData, dotted: string): unknown {
  let value: unknown = data;
  for (const key of dotted.split('.')) {
    if (value === null || typeof value !== 'object' || !Object.hasOwn(value, key)) return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

/**
 * Where entries of the list at a dotted path ("team", "catalogue.products")
 * are written: the data file as people see it, and the line (from 1) of each
 * entry asked for; null when the file cannot be found.
 */
export function entryLines(pagesDir: string, dotted: string, indexes: number[]): { file: string; lines: Array<number | null> } | null {
  const [name, ...rest] = dotted.split('.');
  for (const ext of Object.keys(PARSERS)) {
    const file = path.join(pagesDir, DATA_FOLDER, name + ext);
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    // JSON is YAML too: one parser that keeps where each node is.
    const { isSeq, parseDocument } = loadYaml();
    const list = parseDocument(text).getIn(rest, true);
    const items = isSeq(list) ? list.items : [];
    const lines = indexes.map((i) => {
      const start = (items[i] as { range?: [number, number, number] } | undefined)?.range?.[0];
      return start === undefined ? null : lineAndColumn(text, start).line;
    });
    return { file: pathNamer([pagesDir])(file), lines };
  }
  return null;
}
