// Code is code: in a Markdown page, fenced code blocks and inline code spans
// are shown exactly as written, template syntax included. Before nunjucks
// runs, each is swapped for a marker (with the same number of line breaks, so
// errors further down keep their line); after, the markers are swapped back.
// Template syntax outside code, and {% raw %} anywhere, work as before.

const OPEN = '\uE000';
const CLOSE = '\uE001';
const MARKER = new RegExp(`${OPEN}(\\d+)\\n*${CLOSE}`, 'g');
const FENCE = /^[ \t]*(`{3,}|~{3,})(.*)$/;
/** Where each template tag ends, by how it starts. */
const TAG_ENDS: Record<string, string> = { '{{': '}}', '{%': '%}', '{#': '#}' };
const RAW_START = /^\{%-?\s*(raw|verbatim)\s*-?%\}/;
/** What protectInlineCode stops at: a backslash, a backtick, a brace. */
const SPECIAL = /[\\`{]/g;

export interface ProtectedCode {
  /** The source with its code swapped for markers. */
  template: string;
  /** The rendered text with the code put back. */
  restore(rendered: string): string;
}

export function protectMarkdownCode(source: string): ProtectedCode {
  const codes: string[] = [];
  const marker = (code: string) => {
    codes.push(code);
    return `${OPEN}${codes.length - 1}${'\n'.repeat(code.split('\n').length - 1)}${CLOSE}`;
  };
  const out: string[] = [];
  const lines = source.split('\n');
  let prose: string[] = [];
  const flushProse = () => {
    if (prose.length) out.push(protectInlineCode(prose.join('\n'), marker));
    prose = [];
  };
  for (let i = 0; i < lines.length; i++) {
    const open = FENCE.exec(lines[i]!);
    // A backtick fence's info string may hold no backtick (CommonMark).
    if (!open || (open[1]![0] === '`' && open[2]!.includes('`'))) {
      prose.push(lines[i]!);
      continue;
    }
    const fence = open[1]!;
    let end = i + 1;
    while (end < lines.length && !isClosingFence(lines[end]!, fence)) end++;
    // An unclosed fence runs to the end of the page, as in CommonMark.
    const last = Math.min(end, lines.length - 1);
    flushProse();
    out.push(marker(lines.slice(i, last + 1).join('\n')));
    i = last;
  }
  flushProse();
  const template = out.join('\n');
  return {
    template,
    restore: (rendered) => (codes.length ? rendered.replace(MARKER, (_, n: string) => codes[Number(n)]!) : rendered),
  };
}

function isClosingFence(line: string, fence: string): boolean {
  const m = /^[ \t]*(`{3,}|~{3,})[ \t]*$/.exec(line);
  return m !== null && m[1]![0] === fence[0] && m[1]!.length >= fence.length;
}

/** Inline code spans (`x`, ``x``) become markers; template tags and {% raw %} blocks are skipped whole. */
function protectInlineCode(text: string, marker: (code: string) => string): string {
  let out = '';
  let i = 0;
  while (i < text.length) {
    const ch = text[i]!;
    if (ch === '\\' && text[i + 1] === '`') {
      out += text.slice(i, i + 2);
      i += 2;
      continue;
    }
    const tagEnd = TAG_ENDS[text.slice(i, i + 2)];
    if (tagEnd) {
      const raw = RAW_START.exec(text.slice(i));
      const closing = raw ? new RegExp(`\\{%-?\\s*end${raw[1]}\\s*-?%\\}`, 'g') : null;
      let end: number;
      if (closing) {
        closing.lastIndex = i;
        const m = closing.exec(text);
        end = m ? m.index + m[0].length : text.length;
      } else {
        const at = text.indexOf(tagEnd, i + 2);
        end = at === -1 ? text.length : at + 2;
      }
      out += text.slice(i, end);
      i = end;
      continue;
    }
    if (ch !== '`') {
      // Plain text up to the next character that may start something (an escape, a code span, a tag), in one piece.
      SPECIAL.lastIndex = i + 1;
      const end = SPECIAL.exec(text)?.index ?? text.length;
      out += text.slice(i, end);
      i = end;
      continue;
    }
    const run = /^`+/.exec(text.slice(i))![0];
    const close = closingRun(text, i + run.length, run.length);
    if (close === -1) {
      out += run;
      i += run.length;
      continue;
    }
    out += marker(text.slice(i, close + run.length));
    i = close + run.length;
  }
  return out;
}

/** Where the next run of exactly `length` backticks starts in this paragraph, or -1. */
function closingRun(text: string, from: number, length: number): number {
  const pattern = /`+|\n[ \t]*\n/g;
  pattern.lastIndex = from;
  for (let m = pattern.exec(text); m; m = pattern.exec(text)) {
    if (m[0][0] === '\n') return -1;
    if (m[0].length === length) return m.index;
  }
  return -1;
}
