// A page's source split into its template and its metadata: YAML front
// matter at the top, or the book's JSON context block, or both (the block's
// keys win).
import { splitContextBlock } from './context-block.ts';
import { splitFrontMatter, type SplitSource } from './front-matter.ts';

export type { SplitSource } from './front-matter.ts';

export function splitPageSource(source: string): SplitSource {
  const front = splitFrontMatter(source);
  const block = splitContextBlock(front.template);
  return { template: block.template, context: { ...front.context, ...block.context } };
}
