// The lines around a template error, for the DEBUG error page.
import { readFileSync } from 'node:fs';
import { escapeHtml } from '../http.ts';
import type { RenderError } from './render.ts';

const CONTEXT_LINES = 3;

/** HTML naming the file and position, with the surrounding source lines when the file can be read. */
export function errorExcerptHtml(err: RenderError): string {
  const where = err.line ? `line ${err.line}${err.column ? `, column ${err.column}` : ''}` : 'line unknown';
  const heading = `<p>In <strong>${escapeHtml(err.file)}</strong>, ${where}.</p>`;
  if (!err.path || !err.line) return heading;
  let source: string;
  try {
    source = readFileSync(err.path, 'utf8');
  } catch {
    return heading;
  }
  const lines = source.replace(/\n$/, '').split('\n');
  const first = Math.max(1, err.line - CONTEXT_LINES);
  const last = Math.min(lines.length, err.line + CONTEXT_LINES);
  const width = String(last).length;
  const rows = [];
  for (let n = first; n <= last; n++) {
    const text = `${String(n).padStart(width)} | ${escapeHtml(lines[n - 1]!)}`;
    rows.push(n === err.line ? `<mark>${text}</mark>` : text);
  }
  return `${heading}<pre>${rows.join('\n')}</pre>`;
}
