// JSON and YAML text (data files, front matter) parsed into values, or a
// MetadataError saying why and where (an offset into the text).
import { parseDocument } from 'yaml';
import { findJsonProblem } from './context-block.ts';
import { MetadataError } from './metadata-error.ts';
import { describeYamlError } from './yaml-problem.ts';

export function parseJsonText(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    const problem = findJsonProblem(text);
    throw new MetadataError(`invalid JSON: ${problem.reason} (the JSON parser says: ${(err as Error).message})`, problem.offset);
  }
}

export function parseYamlText(text: string): unknown {
  // prettyErrors off: the message without yaml's own excerpt; the caller says where.
  const doc = parseDocument(text, { prettyErrors: false, uniqueKeys: true });
  const error = doc.errors[0];
  if (error) {
    const problem = describeYamlError(text, error);
    throw new MetadataError(`invalid YAML: ${problem.reason}`, problem.offset);
  }
  return doc.toJS();
}
