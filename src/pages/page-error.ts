// A problem a designer can cause in pages/ or templates/ (a template error,
// invalid metadata or data, two files for one URL, a generated page that
// cannot be made), located by file and, where known, line and column.
import { realpathSync } from 'node:fs';
import path from 'node:path';
import { lineAndColumn, MetadataError } from '../templates/metadata-error.ts';

export class RenderError extends Error {
  override name = 'RenderError';
  readonly file: string;
  readonly line: number | null;
  readonly column: number | null;
  readonly reason: string;
  readonly path: string | null;
  constructor(
    /** Shown to people: "pages/pricing.html", "templates/base.html". */
    file: string,
    line: number | null,
    column: number | null,
    reason: string,
    /** Where the file is on disk, to quote its lines; null when unknown. */
    path: string | null,
  ) {
    super(`${file}${line ? `, line ${line}${column ? `, column ${column}` : ''}` : ''}: ${reason}`);
    this.file = file;
    this.line = line;
    this.column = column;
    this.reason = reason;
    this.path = path;
  }
}

/** "pages/pricing.html" for a file inside one of `dirs` (by its given or its real path). */
export function pathNamer(dirs: string[]): (file: string) => string {
  const roots = dirs.flatMap((dir) => {
    const shown = path.basename(dir);
    try {
      return [{ dir, shown }, { dir: realpathSync(dir), shown }];
    } catch {
      return [{ dir, shown }];
    }
  });
  return (file) => {
    for (const { dir, shown } of roots) {
      if (file.startsWith(dir + path.sep)) return `${shown}/${path.relative(dir, file).split(path.sep).join('/')}`;
    }
    return file;
  };
}

/** A MetadataError in the text of `file`, as a RenderError with its line and column. */
export function locatedMetadataError(err: MetadataError, text: string, file: string, shown: string): RenderError {
  const { line, column } = lineAndColumn(text, err.offset);
  return new RenderError(shown, line, column, err.reason, file);
}
