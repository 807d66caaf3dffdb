// Static assets: CSS and JS bundled and minified with esbuild, and every
// asset named after a hash of its content (site.3f9a1c2e.css), so a host can
// cache it for a year and a new version is simply a new name.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type * as esbuild from 'esbuild';
import type { BuildCache } from './cache.ts';
import { BuildError } from './errors.ts';
import { APP_ORIGIN } from './urls.ts';

export const contentHash = (data: Buffer | string): string => createHash('sha256').update(data).digest('hex').slice(0, 8);

/** `css/site.css` with its content's hash: `css/site.3f9a1c2e.css`. */
export function hashedName(file: string, data: Buffer | string): string {
  const ext = path.posix.extname(file);
  return `${file.slice(0, file.length - ext.length)}.${contentHash(data)}${ext}`;
}

/** Whether a file name carries a content hash from hashedName (and may be cached forever). */
export const isHashedName = (file: string): boolean => /\.[0-9a-f]{8}(\.[^./]+)?$/.test(path.basename(file).replace(/\.(gz|br)$/, ''));

export const isStylesheet = (file: string): boolean => /\.css$/i.test(file);
export const isScript = (file: string): boolean => /\.m?js$/i.test(file);

/** Finds the disk file of an absolute URL path such as /static/css/base.css, or null. */
export type LocateFile = (urlPath: string) => string | null;

/**
 * Imports written as absolute URL paths (`@import "/static/x.css"`) are
 * found where the app serves them from; url() tokens stay references, made
 * absolute so they mean the same once the bundle stands at another path.
 */
function urlPlugin(entryFile: string, entryUrl: string, locate: LocateFile): esbuild.Plugin {
  return {
    name: 'lightweight-urls',
    setup(build) {
      // Paths without a scheme only: esbuild leaves data: and http(s): URLs alone, and each call here is a round trip.
      build.onResolve({ filter: /^[^:]*$/ }, (args) => {
        if (args.kind === 'url-token') {
          if (/^(#|\/\/)/.test(args.path)) return { path: args.path, external: true };
          // The importer's URL follows from its place beside the entry point on disk.
          const importerUrl = new URL(path.relative(path.dirname(entryFile), args.importer).split(path.sep).join('/'), new URL(entryUrl, APP_ORIGIN));
          const url = new URL(args.path, importerUrl);
          return { path: url.origin === APP_ORIGIN ? url.pathname + url.search + url.hash : url.href, external: true };
        }
        if (args.kind !== 'entry-point' && args.path.startsWith('/') && !args.path.startsWith('//')) {
          const file = locate(args.path.split(/[?#]/)[0]!);
          if (!file) return { errors: [{ text: `Nothing is served at ${args.path}.` }] };
          return { path: file };
        }
        return undefined;
      });
    },
  };
}

function bundleError(url: string, err: unknown): BuildError {
  const failure = err as esbuild.BuildFailure;
  const details = (failure.errors ?? [])
    .map((m) => (m.location ? `${m.location.file}:${m.location.line}:${m.location.column}: ${m.text}` : m.text))
    .join('\n  ');
  return new BuildError(`Could not bundle ${url}:\n  ${details || String(err)}`);
}

/** esbuild, loaded the first time something needs bundling (a build whose bundles are all cached never loads it). */
let loading: Promise<typeof esbuild> | undefined;
const loadEsbuild = () => (loading ??= import('esbuild'));

interface Bundle {
  text: string;
  /** Every file it was made from, as absolute paths. */
  inputs: string[];
}

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

/**
 * A bundle from the cache when every file it was made from is as it was,
 * else made (and kept). The key holds the entry file's bytes; the entry
 * lists the other inputs' hashes, known only once it has been bundled.
 */
async function cachedBundle(cache: BuildCache | null | undefined, what: string, file: string, url: string, make: () => Promise<Bundle>): Promise<string> {
  if (!cache) return (await make()).text;
  const key = cache.key('bundle', what, file, url, await readFile(file));
  const hit = cache.get('bundle', key);
  if (hit) {
    const entry = JSON.parse(hit.toString()) as { inputs: Array<[string, string]>; text: string };
    const current = await Promise.all(entry.inputs.map(([input]) => readFile(input).then(sha256, () => null)));
    if (entry.inputs.every(([, hash], i) => current[i] === hash)) return entry.text;
  }
  const bundle = await make();
  const inputs = await Promise.all(bundle.inputs.map(async (input) => [input, sha256(await readFile(input))]));
  cache.put('bundle', key, Buffer.from(JSON.stringify({ inputs, text: bundle.text })));
  return bundle.text;
}

/**
 * esbuild's minified bundle of `file` (an ES module for `format: 'esm'`),
 * in memory, with url() references resolved as the site serves them; with
 * the absolute paths of every file it read, and the format esbuild found the
 * entry file in.
 */
async function bundleInMemory(file: string, url: string, locate: LocateFile, format?: esbuild.Format): Promise<Bundle & { entryFormat?: string }> {
  const { build } = await loadEsbuild();
  const workingDir = path.dirname(file);
  const result = await build({
    entryPoints: [file],
    absWorkingDir: workingDir,
    bundle: true,
    minify: true,
    write: false,
    metafile: true,
    logLevel: 'silent',
    plugins: [urlPlugin(file, url, locate)],
    ...(format && { format }),
  });
  return {
    text: result.outputFiles[0]!.text,
    // The metafile names them relative to the working directory.
    inputs: Object.keys(result.metafile.inputs).map((input) => path.resolve(workingDir, input)),
    entryFormat: result.metafile.inputs[path.basename(file)]?.format,
  };
}

/** `@import`s inlined, url() references made absolute, minified. */
export async function bundleStylesheet(file: string, url: string, locate: LocateFile, cache?: BuildCache | null): Promise<string> {
  return cachedBundle(cache, 'stylesheet', file, url, async () => {
    try {
      return await bundleInMemory(file, url, locate);
    } catch (err) {
      throw bundleError(url, err);
    }
  });
}

/**
 * An ES module is bundled with its imports. A classic script (or UMD, like
 * Bootstrap's) is only minified: bundling would wrap it and hide the globals
 * other scripts and inline handlers rely on.
 */
export async function bundleScript(file: string, url: string, locate: LocateFile, cache?: BuildCache | null): Promise<string> {
  return cachedBundle(cache, 'script', file, url, async () => {
    try {
      const bundle = await bundleInMemory(file, url, locate, 'esm');
      if (bundle.entryFormat === 'esm') return bundle;
      const { transform } = await loadEsbuild();
      const minified = await transform(await readFile(file, 'utf8'), { minify: true, loader: 'js', sourcefile: url });
      return { text: minified.code, inputs: [file] };
    } catch (err) {
      throw bundleError(url, err);
    }
  });
}
