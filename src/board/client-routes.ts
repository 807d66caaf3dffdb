// The Scrum board's single-page client (chapters 5–8), served at /board/.
//
//   /board/                 the page (templates/board.html), its configuration embedded as JSON
//   /board/assets/<file>    the client: src/board/client/ bundled by esbuild (JS and CSS), an ES module
//                           whose chunks (the Markdown renderer) it imports when wanted
//
// Under `npm run dev` the bundle is rebuilt (incrementally) on every page
// request, so an edit shows on reload. Otherwise it is built once at
// start-up, minified, with a content hash in its file names, and cached by
// browsers for good.
import { createHash } from 'node:crypto';
import path from 'node:path';
import * as esbuild from 'esbuild';
import { Hono, type Context } from 'hono';
import { baseRoutePath } from 'hono/route';
import { errorResponse, escapeHtml } from '../http.ts';
import type { PartContext } from '../part.ts';
import { ROOT } from '../settings.ts';
import { sendPrecompressed } from '../compression.ts';
import { contentTypeOf } from '../static.ts';
import { createTemplateEnvironment } from '../templates/environment.ts';

/** What the page tells the client, as the book's `config-json`; the client finds everything else from the API root. */
const CLIENT_CONFIG = { apiRoot: '/api/', apiLogin: '/api/token/' };

const ENTRY = path.join(ROOT, 'src', 'board', 'client', 'main.ts');
/** The Markdown renderer, a chunk the client imports when wanted. */
const RENDERER = path.join(ROOT, 'src', 'board', 'markdown.ts');
/** Nothing is written there; esbuild names its in-memory output files after it. */
const OUT_DIR = path.join(ROOT, 'board-assets');

interface Bundle {
  files: Map<string, Uint8Array>;
  script: string;
  stylesheet: string;
  /** The chunks the script imports before it runs (esbuild's shared helpers), fetched beside it rather than after it. */
  preloads: string[];
  /** The Markdown renderer's chunk: the client imports it again by this name after a failed load (markdown.ts). */
  renderer: string;
}

function buildOptions(dev: boolean): esbuild.BuildOptions {
  return {
    entryPoints: { board: ENTRY },
    absWorkingDir: ROOT,
    bundle: true,
    write: false,
    outdir: OUT_DIR,
    // ES modules, split: what the client imports only when wanted (the Markdown renderer) is a chunk of its own.
    format: 'esm',
    splitting: true,
    entryNames: dev ? '[name]' : '[name]-[hash]',
    // Hashed in dev too: a chunk's name is how the entry imports it, and chunks that share a name would collide.
    chunkNames: '[name]-[hash]',
    metafile: true,
    target: 'es2020',
    minify: !dev,
    sourcemap: dev ? 'linked' : false,
    logLevel: 'silent',
  };
}

function toBundle(result: esbuild.BuildResult): Bundle {
  const files = new Map<string, Uint8Array>();
  for (const file of result.outputFiles ?? []) files.set(path.relative(OUT_DIR, file.path), file.contents);
  /** The output file made from `entry` (an entry point, or a module the client imports when wanted); the metafile's paths are relative to ROOT. */
  const outputOf = (entry: string) => Object.entries(result.metafile?.outputs ?? {}).find(([, output]) => output.entryPoint && path.join(ROOT, output.entryPoint) === entry) ?? [];
  const [script, output] = outputOf(ENTRY);
  const stylesheet = output?.cssBundle;
  if (!script || !stylesheet) throw new Error(`The board bundle lacks its ${script ? 'CSS' : 'JavaScript'} file.`);
  const [renderer] = outputOf(RENDERER);
  if (!renderer) throw new Error('The board bundle lacks the Markdown renderer.');
  const name = (file: string) => path.relative(OUT_DIR, path.join(ROOT, file));
  return {
    files,
    script: name(script),
    stylesheet: name(stylesheet),
    preloads: output!.imports.filter((imported) => imported.kind === 'import-statement').map((imported) => name(imported.path)),
    renderer: name(renderer),
  };
}

/** esbuild's errors, one per line, for the log and the dev error page. */
async function describeFailure(error: unknown): Promise<string> {
  const errors = (error as esbuild.BuildFailure)?.errors;
  if (!Array.isArray(errors)) return String(error);
  return (await esbuild.formatMessages(errors, { kind: 'error', color: false })).join('\n');
}

/** Per output file of a build, its ETag, hashed once. */
const etags = new WeakMap<Uint8Array, string>();
function etagOf(contents: Uint8Array): string {
  let etag = etags.get(contents);
  if (!etag) etags.set(contents, (etag = `"${createHash('sha256').update(contents).digest('base64url').slice(0, 22)}"`));
  return etag;
}

let production: Promise<Bundle> | null = null;

/** Built once per process: the sources cannot change under a production server (and tests start many apps). */
function productionBundle(): Promise<Bundle> {
  production ??= esbuild.build(buildOptions(false)).then(toBundle, async (error: unknown) => {
    production = null;
    throw new Error(`Building the board client failed:\n${await describeFailure(error)}`);
  });
  return production;
}

export interface BoardClient {
  routes: Hono;
  close(): Promise<void>;
}

export async function createBoardClient({ settings, log }: PartContext): Promise<BoardClient> {
  const templates = createTemplateEnvironment(settings);
  // Inside <script>, "</" must not appear.
  const configOf = (current: Bundle) => JSON.stringify({ ...CLIENT_CONFIG, markdownRenderer: `assets/${current.renderer}` }).replace(/</g, '\\u003c');
  const dev = settings.dev;
  let bundle: Bundle | null = null;
  let builder: esbuild.BuildContext | null = null;
  let rebuilding: Promise<Bundle> | null = null;

  if (dev) builder = await esbuild.context(buildOptions(true));
  else bundle = await productionBundle();

  /** Dev: the latest sources, rebuilt incrementally; requests arriving meanwhile share the build. */
  const freshBundle = (): Promise<Bundle> => {
    rebuilding ??= builder!
      .rebuild()
      .then((result) => (bundle = toBundle(result)))
      .finally(() => (rebuilding = null));
    return rebuilding;
  };

  const page = async (c: Context) => {
    let current: Bundle;
    try {
      current = dev ? await freshBundle() : bundle!;
    } catch (error) {
      const detail = await describeFailure(error);
      log(`Board client: build failed\n${detail}`);
      return errorResponse(c, 500, 'The board client does not build; fix the errors below and reload.', {
        extraHtml: `<pre>${escapeHtml(detail)}</pre>`,
      });
    }
    c.header('Cache-Control', 'no-cache'); // always current, so it names the current hashed files
    return c.html(
      templates.render('board.html', {
        // Relative to the page, so the client works wherever app.ts mounts it.
        config: configOf(current),
        script: `assets/${current.script}`,
        stylesheet: `assets/${current.stylesheet}`,
        preloads: current.preloads.map((file) => `assets/${file}`),
      }),
    );
  };

  const routes = new Hono();

  routes.get('/assets/:file', (c) => {
    const file = c.req.param('file');
    const contents = bundle?.files.get(file);
    if (!contents) return errorResponse(c, 404, `The board has no asset ${file}.`);
    const contentType = contentTypeOf(file);
    c.header('Content-Type', contentType);
    c.header('Cache-Control', dev ? 'no-cache' : 'public, max-age=31536000, immutable');
    // Compressed once per version of the file; in dev the name stays while the contents change, so the hash goes in the ETag.
    const etag = etagOf(contents);
    return sendPrecompressed(c, { key: `board/${file}`, etag, contentType, size: contents.byteLength, load: () => contents }, () =>
      c.body(contents as Uint8Array<ArrayBuffer>),
    );
  });

  // Mounted at /board, '/' is /board itself (redirected to the page's URL) and '/*' the rest.
  routes.get('/', (c) => c.redirect(`${c.req.path}/`, 301));
  routes.get('/*', (c) => (c.req.path === `${baseRoutePath(c)}/` ? page(c) : c.notFound()));

  return {
    routes,
    async close() {
      await builder?.dispose();
    },
  };
}
