// A page's metadata, as in the book: `{% block context %}{ ...JSON... }{% endblock %}`.
// The block is taken out of the template (never rendered) and its JSON
// object joins the context of the page and of its layout.
import { MetadataError, RESERVED_CONTEXT_KEYS } from './metadata-error.ts';

const CONTEXT_BLOCK = /\{%-?\s*block\s+context\s*-?%\}([\s\S]*?)\{%-?\s*endblock(?:\s+context)?\s*-?%\}/;

export interface SplitPage {
  /** The template without the block; its lines keep their numbers. */
  template: string;
  context: Record<string, unknown>;
}

export function splitContextBlock(source: string): SplitPage {
  const match = CONTEXT_BLOCK.exec(source);
  if (!match) return { template: source, context: {} };
  const json = match[1]!;
  const jsonStart = match.index + match[0].indexOf('%}') + 2;
  const context = parseContextJson(json, jsonStart);
  // Newlines stand in for the block, so errors further down name the right line.
  const template = source.slice(0, match.index) + match[0].replace(/[^\n]/g, '') + source.slice(match.index + match[0].length);
  return { template, context };
}

function parseContextJson(json: string, start: number): Record<string, unknown> {
  const leading = json.length - json.trimStart().length;
  if (json.trim() === '') return {};
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (err) {
    throw invalidJson(json, err as Error, 'invalid JSON in the context block', start);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new MetadataError('the context block must hold a JSON object, like { "title": "Pricing" }', start + leading);
  }
  const taken = RESERVED_CONTEXT_KEYS.filter((key) => Object.hasOwn(value, key));
  if (taken.length) {
    const key = taken[0]!;
    throw new MetadataError(`the context block may not set "${key}": the server sets it`, start + json.indexOf(`"${key}"`));
  }
  return value as Record<string, unknown>;
}

/** Our words at the mistake's place, then the JSON parser's own. */
export function invalidJson(text: string, err: Error, label: string, start = 0): MetadataError {
  const problem = findJsonProblem(text);
  return new MetadataError(`${label}: ${problem.reason} (the JSON parser says: ${err.message.replace(/\s+/g, ' ')})`, start + problem.offset);
}

/**
 * Where and why a text that JSON.parse rejected is not JSON. (Node 20's
 * messages give a position for some errors only.)
 */
export function findJsonProblem(text: string): { offset: number; reason: string } {
  let i = 0;
  class Problem {
    readonly reason: string;
    readonly offset: number;
    constructor(
      reason: string,
      offset: number,
    ) {
      this.reason = reason;
      this.offset = offset;
    }
  }
  const fail = (reason: string, at = i): never => {
    throw new Problem(reason, at);
  };
  const describe = () => (i >= text.length ? 'the end of the block' : `"${text[i]}"`);
  const skipSpace = () => {
    while (i < text.length && ' \t\n\r'.includes(text[i]!)) i++;
  };
  const expect = (ch: string, what: string) => {
    skipSpace();
    if (text[i] !== ch) fail(`expected ${what} but found ${describe()}`);
    i++;
  };
  const string = () => {
    i++; // opening quote
    while (i < text.length && text[i] !== '"') {
      if (text[i]! < ' ') fail('a line break or control character inside a string; end the string with "');
      if (text[i] === '\\') {
        i++;
        if (text[i] === 'u' && /^[0-9a-fA-F]{4}$/.test(text.slice(i + 1, i + 5))) i += 4;
        else if (!'"\\/bfnrt'.includes(text[i] ?? '')) fail('an invalid escape in a string');
      }
      i++;
    }
    if (i >= text.length) fail('a string that is never closed');
    i++;
  };
  const value = (): void => {
    skipSpace();
    const ch = text[i];
    if (ch === '{') {
      i++;
      skipSpace();
      if (text[i] === '}') return void i++;
      let comma: number | null = null;
      for (;;) {
        skipSpace();
        if (text[i] === '}' && comma !== null) fail('a comma before "}" (JSON allows no trailing comma)', comma);
        if (text[i] !== '"') fail(`expected a "quoted" property name but found ${describe()}`);
        string();
        expect(':', '":" after the property name');
        value();
        skipSpace();
        comma = i;
        if (text[i] === ',') i++;
        else if (text[i] === '}') return void i++;
        else fail(`expected "," or "}" but found ${describe()}`);
      }
    }
    if (ch === '[') {
      i++;
      skipSpace();
      if (text[i] === ']') return void i++;
      let comma: number | null = null;
      for (;;) {
        skipSpace();
        if (text[i] === ']' && comma !== null) fail('a comma before "]" (JSON allows no trailing comma)', comma);
        value();
        skipSpace();
        comma = i;
        if (text[i] === ',') i++;
        else if (text[i] === ']') return void i++;
        else fail(`expected "," or "]" but found ${describe()}`);
      }
    }
    if (ch === '"') return string();
    const literal = /^(?:true|false|null|-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?)/.exec(text.slice(i));
    if (literal) return void (i += literal[0].length);
    if (ch === "'") fail('a single quote; JSON strings use double quotes');
    fail(`expected a value but found ${describe()}`);
  };
  try {
    value();
    skipSpace();
    if (i < text.length) fail(`unexpected ${describe()} after the JSON value`);
  } catch (err) {
    if (err instanceof Problem) return { offset: Math.min(err.offset, text.length), reason: err.reason };
    throw err;
  }
  return { offset: 0, reason: 'not valid JSON' };
}
