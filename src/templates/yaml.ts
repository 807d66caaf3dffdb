// The yaml package, loaded when first needed: the front matter of most pages
// never needs it (data-text.ts reads "key: words" itself), and loading its
// modules costs a rebuild of one page a fiftieth of a second. It is CommonJS
// for Node, so require() loads it synchronously, where it is needed.
import { createRequire } from 'node:module';

type Yaml = typeof import('yaml');

let yaml: Yaml | undefined;

export const loadYaml = (): Yaml => (yaml ??= createRequire(import.meta.url)('yaml') as Yaml);
