// Where a YAML mistake is, and what it is, in words a designer understands.
// The yaml parser often notices a mistake only on the next token, so its
// position can be the line above the mistake (a value indented under a key
// that already has one) or the end of the text (a quote never closed); its
// words name grammar ("Nested mappings are not allowed in compact mappings").
// The parser's own words follow ours.
import type { YAMLError } from 'yaml';

export interface YamlProblem {
  /** Offset of the mistake in the text. */
  offset: number;
  reason: string;
}

const indentOf = (line: string) => /^[ \t]*/.exec(line)![0].length;
const isContent = (line: string) => line.trim() !== '' && !line.trimStart().startsWith('#');
/** `key: value` with a value on the same line (not a block, a list or an anchor to come). */
const KEY_WITH_VALUE = /^[ \t]*(?:- )?[^\s#][^:#]*:[ \t]+[^\s|>&#]/;

export function describeYamlError(text: string, error: YAMLError): YamlProblem {
  const parser = ` (the YAML parser says: ${error.message.replace(/\s+at line \d+, column \d+:?[\s\S]*$/, '')})`;
  const lines = text.split('\n');
  const starts: number[] = [];
  lines.reduce((offset, line) => (starts.push(offset), offset + line.length + 1), 0);
  const lineAt = (offset: number) => Math.max(0, starts.findLastIndex((start) => start <= offset));
  const at = (line: number, reason: string, column = indentOf(lines[line] ?? '')): YamlProblem => ({ offset: starts[line]! + column, reason: reason + parser });

  const errorLine = lineAt(error.pos[0]);
  if (error.code === 'TAB_AS_INDENT') return at(errorLine, 'this line is indented with a tab; YAML needs spaces', 0);
  // A line indented under a line that already has its value: the commonest slip, reported on the line above.
  for (let i = Math.max(1, errorLine); i <= Math.min(lines.length - 1, errorLine + 1); i++) {
    const above = lines.slice(0, i).findLast(isContent);
    if (isContent(lines[i]!) && above !== undefined && indentOf(lines[i]!) > indentOf(above) && KEY_WITH_VALUE.test(above)) {
      return at(i, 'this line is indented more than the one above it, which already has its value; line it up with the keys above, or quote a long value on one line');
    }
  }
  switch (error.code) {
    case 'DUPLICATE_KEY': {
      // The parser marks the key's first character only: read the key to its colon.
      const key = /^(?:"((?:[^"\\\n]|\\.)*)"|'([^'\n]*)'|([^:#\n]*?))[ \t]*:/.exec(text.slice(error.pos[0]));
      const name = key ? (key[1] ?? key[2] ?? key[3]!) : text.slice(error.pos[0], error.pos[1]);
      return at(errorLine, `"${name}" is set twice; keep one of the two lines`);
    }
    case 'BAD_SCALAR_START': {
      const ch = text[error.pos[0]] ?? '';
      return { offset: error.pos[0], reason: `a value cannot start with ${ch}; put the value in quotes, like "${ch}…"${parser}` };
    }
    case 'BLOCK_AS_IMPLICIT_KEY':
      if (/compact mappings/.test(error.message)) {
        return { offset: error.pos[0], reason: `a value with ": " in it needs quotes, like title: "Tip: read this"${parser}` };
      }
      return at(lineAt(error.pos[1]), 'this line is not lined up with the lines above it at the same level');
    case 'MISSING_CHAR':
      if (/quote/.test(error.message)) {
        const open = lines.findIndex((line) => unbalancedQuote(line) !== -1);
        if (open !== -1) return at(open, 'this quote is never closed; end the value with the same quote on this line', unbalancedQuote(lines[open]!));
      }
      break;
    case 'BAD_INDENT':
      if (/Flow (sequence|mapping)/.test(error.message)) {
        const opener = /sequence/.test(error.message) ? '[' : '{';
        const open = lines.slice(0, errorLine + 1).findLastIndex((line) => line.includes(opener));
        if (open !== -1) return at(open, `this ${opener} is never closed with ${opener === '[' ? ']' : '}'}`, lines[open]!.lastIndexOf(opener));
      }
      return at(errorLine, 'this line is not lined up with the lines above it at the same level');
    case 'MULTILINE_IMPLICIT_KEY':
      return at(errorLine, 'this line is not "key: value" (a colon and a space after the key)');
  }
  // Past the end of a line: the mistake starts on the next one.
  let offset = error.pos[0];
  while (offset < text.length && /\s/.test(text[offset]!)) offset++;
  return { offset: Math.min(offset, text.length), reason: `this is not valid YAML${parser}` };
}

/** The column of a quote that is opened but not closed on this line, or -1. */
function unbalancedQuote(line: string): number {
  const value = /^[ \t]*(?:- )?[^:#"']*:[ \t]+|^[ \t]*- /.exec(line);
  const start = value ? value[0].length : indentOf(line);
  const quote = line[start];
  if (quote !== '"' && quote !== "'") return -1;
  const rest = line.slice(start + 1);
  const closed = quote === '"' ? /(^|[^\\])"/.test(rest) : rest.includes("'");
  return closed ? -1 : start;
}
