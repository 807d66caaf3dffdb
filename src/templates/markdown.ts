// Markdown pages, rendered with markdown-it (the library Eleventy uses):
// CommonMark plus tables, strikethrough and autolinked bare URLs; fenced
// code is highlighted by its language (./highlight.ts), else HTML-escaped;
// raw HTML passes through (the designer's own
// content). Every heading gets an id, the slug of its text, unique within
// the page, so `#section` links work.
import MarkdownIt, { type StateCore } from 'markdown-it';
import { slugify } from './helpers.ts';
import { highlightCode } from './highlight.ts';

/** The id of a heading whose text has no letters or digits. */
const FALLBACK_ID = 'section';

function headingIds(state: StateCore): void {
  const taken = new Set<string>();
  const tokens = state.tokens;
  for (let i = 0; i < tokens.length; i++) {
    const open = tokens[i]!;
    if (open.type !== 'heading_open' || open.attrGet('id')) continue;
    const text = (tokens[i + 1]?.children ?? [])
      .filter((t) => t.type === 'text' || t.type === 'code_inline')
      .map((t) => t.content)
      .join('');
    const base = slugify(text) || FALLBACK_ID;
    let id = base;
    for (let n = 1; taken.has(id); n++) id = `${base}-${n}`;
    taken.add(id);
    open.attrSet('id', id);
  }
}

const markdown = new MarkdownIt('default', { html: true, linkify: true, typographer: false, highlight: highlightCode });
markdown.core.ruler.push('heading_ids', headingIds);

export function renderMarkdown(source: string): string {
  return markdown.render(source);
}
