// What is wrong with a page's metadata (front matter, context block) or a
// data file, and where: an offset into the text, turned into a line and
// column for people.

/** Names the server sets itself; a page's metadata may not replace them. */
export const RESERVED_CONTEXT_KEYS = ['slug', 'content', 'data', 'collections', 'pagination'];

/** Where in a text an offset falls, counted from 1 like editors do. */
export function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  const lineStart = before.lastIndexOf('\n') + 1;
  return { line: before.split('\n').length, column: offset - lineStart + 1 };
}

export class MetadataError extends Error {
  override name = 'MetadataError';
  readonly reason: string;
  readonly offset: number;
  constructor(
    reason: string,
    /** Offset in the text the error is about. */
    offset: number,
  ) {
    super(reason);
    this.reason = reason;
    this.offset = offset;
  }
}
