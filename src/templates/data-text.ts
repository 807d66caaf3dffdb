// JSON and YAML text (data files, front matter) parsed into values, or a
// MetadataError saying why and where (an offset into the text).
import { invalidJson } from './context-block.ts';
import { MetadataError } from './metadata-error.ts';
import { describeYamlError } from './yaml-problem.ts';
import { loadYaml } from './yaml.ts';

export function parseJsonText(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw invalidJson(text, err as Error, 'invalid JSON');
  }
}

/**
 * "key: a few plain words", the front matter of most pages: read without
 * the YAML parser (a tenth of a cold build of Markdown pages), to exactly
 * what it makes of it. Anything else (numbers, true, null, quotes, colons,
 * comments, lists, nesting, a key twice) goes to the parser.
 */
const PLAIN_LINE = /^([A-Za-z_][\w-]*):[ \t]+([A-Za-z][\w ,.()'-]*?)[ \t]*$/;
const NOT_PLAIN_STRING = /^(?:true|false|null)$/i;

function plainKeysAndWords(text: string): Record<string, string> | null {
  const value: Record<string, string> = {};
  let keys = 0;
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const match = PLAIN_LINE.exec(line.endsWith('\r') ? line.slice(0, -1) : line);
    if (!match || match[1] === '__proto__' || Object.hasOwn(value, match[1]!) || NOT_PLAIN_STRING.test(match[2]!)) return null;
    value[match[1]!] = match[2]!;
    keys++;
  }
  return keys > 0 ? value : null;
}

export function parseYamlText(text: string): unknown {
  const plain = plainKeysAndWords(text);
  if (plain) return plain;
  // prettyErrors off: the message without yaml's own excerpt; the caller says where.
  const doc = loadYaml().parseDocument(text, { prettyErrors: false, uniqueKeys: true });
  const error = doc.errors[0];
  if (error) {
    const problem = describeYamlError(text, error);
    throw new MetadataError(`invalid YAML: ${problem.reason}`, problem.offset);
  }
  return doc.toJS();
}
