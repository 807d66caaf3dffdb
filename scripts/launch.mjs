// How the npm scripts start Node: `node scripts/launch.mjs <entry.ts> [args]`.
// Plain JavaScript, so it runs on every Node the project supports, and it
// runs TypeScript the fastest way we measured, on every Node:
//
//   A bundle of the entry made with esbuild (as Vite bundles its config),
//     kept under node_modules/.cache/lightweight/launch/ and made again when
//     one of its source files changes. Parts loaded with import() stay
//     separate chunks, loaded only when asked for. No loader hooks, no
//     compiling at start: tsx's costs a core for most of a second. Where Node
//     strips types itself (22.18+, 23.6+), the bundle is still faster: Node 22
//     loads its TypeScript stripper (WebAssembly) at each start, and a
//     build with nothing to do took 0.31 s and 89 MB from the .ts files
//     against 0.25 s and 64 MB from the bundle.
//   An entry that imports files by a computed name (bench/run.ts) cannot be
//     bundled: it runs from its .ts files where Node strips types, else with
//     tsx's loader.
//
// `node scripts/launch.mjs --watch <entry.ts>` starts it again on each edit of
// a file it loaded: Node's watch mode where it strips types, running the .ts
// files themselves (a bundle would be all it saw loaded), else tsx watch.
//
// The entry sees the process as if started with `node <entry.ts> [args]`:
// process.argv[1] is the .ts file, and import.meta.url in every bundled
// file is that file's own URL.
import { existsSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import module from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CACHE = path.join(ROOT, 'node_modules/.cache/lightweight');
const LAUNCHER = fileURLToPath(import.meta.url);

/**
 * The bundle of `file`: the one kept when none of its inputs changed, else
 * a new one. Null when it cannot be bundled. Each bundle has a folder of
 * its own, and a record names the current one, replaced in one rename, so
 * builds started at once never read half of one.
 */
async function bundleOf(file) {
  const dir = path.join(CACHE, 'launch');
  const name = path.relative(ROOT, file).replace(/[^\w.-]+/g, '_');
  const recordFile = path.join(dir, `${name}.json`);
  const record = readRecord(recordFile);
  if (record && isCurrent(record, file)) return record.unbundlable ? null : path.join(dir, record.folder, record.main);

  const { build } = await import('esbuild');
  const folder = `${name}-${process.pid}-${Date.now().toString(36)}`;
  const result = await build({
    entryPoints: [file],
    absWorkingDir: ROOT,
    outdir: path.join(dir, folder),
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: `node${process.versions.node}`,
    plugins: [ownImportMeta, bundledPackages],
    outExtension: { '.js': '.mjs' },
    // A bundled CommonJS package requires Node's built-in modules (fs, path): with a require of its own, as in a .cjs file.
    banner: { js: "import { createRequire as __launchRequire } from 'node:module'; const require = __launchRequire(import.meta.url);" },
    sourcemap: 'linked',
    metafile: true,
    logLevel: 'silent',
  });
  // import() of a name computed at run time (bench/run.ts) is left as it is, and would meet a .ts file Node cannot load.
  const unbundlable = Object.keys(result.metafile.outputs).some((output) => output.endsWith('.mjs') && /(?<![\w$.@])import\((?!\s*["'`])/.test(readFileSync(path.resolve(ROOT, output), 'utf8')));
  const inputs = {};
  for (const input of [...Object.keys(result.metafile.inputs).map((p) => path.resolve(ROOT, p)), LAUNCHER]) inputs[input] = stamp(input);
  // One entry point: its bundle is named after it (the chunks are named after what they hold).
  const main = `${path.basename(file).replace(/\.[^.]+$/, '')}.mjs`;
  const next = { entry: file, folder, main, inputs, unbundlable };
  const temporary = `${recordFile}.${process.pid}.tmp`;
  writeFileSync(temporary, JSON.stringify(next));
  renameSync(temporary, recordFile);
  if (unbundlable) rmSync(path.join(dir, folder), { recursive: true, force: true });
  removeOldBundles(dir, name, folder);
  return unbundlable ? null : path.join(dir, folder, main);
}

function readRecord(recordFile) {
  try {
    return JSON.parse(readFileSync(recordFile, 'utf8'));
  } catch {
    return null;
  }
}

/** Size and modification time: what changes when a file is edited. */
function stamp(file) {
  try {
    const { size, mtimeMs } = statSync(file);
    return `${size}:${mtimeMs}`;
  } catch {
    return 'missing';
  }
}

function isCurrent(record, file) {
  // A copy of the project (another checkout, node_modules copied along) has its own sources and launcher: its bundle is its own.
  if (record.entry !== file || !(LAUNCHER in record.inputs)) return false;
  if (!record.unbundlable && !existsSync(path.join(CACHE, 'launch', record.folder, record.main))) return false;
  return Object.entries(record.inputs).every(([input, was]) => stamp(input) === was);
}

/**
 * Bundles of this entry replaced over an hour ago (a process started earlier may still load chunks from a recent one),
 * and with them the compile cache, whose entries for their files would stay forever: it is made again as it is used.
 */
function removeOldBundles(dir, name, current) {
  const hourAgo = Date.now() - 3600_000;
  let removed = false;
  for (const entry of readdirSync(dir)) {
    if (entry === current || !entry.startsWith(`${name}-`) || !/-\d+-[0-9a-z]+$/.test(entry)) continue;
    try {
      if (statSync(path.join(dir, entry)).mtimeMs < hourAgo) {
        rmSync(path.join(dir, entry), { recursive: true, force: true });
        removed = true;
      }
    } catch {
      // another launch removed it
    }
  }
  if (removed) rmSync(path.join(CACHE, 'compile'), { recursive: true, force: true });
}

/**
 * Packages bundled with our code: those a page's render loads, pure JavaScript, with their dependencies. nunjucks is
 * CommonJS of many files, each found, read and wrapped by Node's loaders; bundled, a build that renders a page starts
 * about 20 ms sooner (one edit at 250 pages: 362-377 to 338-340 ms, alternating). Bundling hono gained nothing
 * measurable. Every other package is imported from node_modules as it is (the bundle lives inside it, so Node finds
 * them): native ones (sharp, better-sqlite3, esbuild) and those that find files of their own at run time.
 */
const BUNDLED = new Set(['nunjucks', 'asap', 'a-sync-waterfall', 'markdown-it', 'mdurl', 'linkify-it', 'uc.micro', 'entities', 'punycode.js']);
const bundledPackages = {
  name: 'bundled-packages',
  setup(build) {
    build.onResolve({ filter: /^[^./]/ }, (args) => {
      const name = args.path.split('/').slice(0, args.path.startsWith('@') ? 2 : 1).join('/');
      return BUNDLED.has(name) ? undefined : { path: args.path, external: true };
    });
  },
};

/** Each bundled file keeps its own import.meta.url, dirname and filename (where it looks for its neighbours). */
const ownImportMeta = {
  name: 'own-import-meta',
  setup(build) {
    build.onLoad({ filter: /\.(?:ts|mts|js|mjs)$/ }, (args) => {
      if (args.path.includes(`${path.sep}node_modules${path.sep}`)) return undefined;
      const source = readFileSync(args.path, 'utf8');
      if (!source.includes('import.meta')) return undefined;
      const contents = source
        .replaceAll('import.meta.url', JSON.stringify(pathToFileURL(args.path).href))
        .replaceAll('import.meta.dirname', JSON.stringify(path.dirname(args.path)))
        .replaceAll('import.meta.filename', JSON.stringify(args.path));
      return { contents, loader: /\.m?ts$/.test(args.path) ? 'ts' : 'js' };
    });
  },
};

const watching = process.argv[2] === '--watch';
/** `--source`: run the .ts files themselves, for Node's watch mode to see which were loaded. */
const fromSource = process.argv[2] === '--source';
const [entry, ...args] = process.argv.slice(watching || fromSource ? 3 : 2);
if (!entry) {
  console.error('Usage: node scripts/launch.mjs [--watch] <entry.ts> [arguments]');
  process.exit(2);
}
const file = path.resolve(ROOT, entry);
const stripsTypes = Boolean(process.features.typescript) && typeof module.enableCompileCache === 'function';

if (watching) {
  // `npm run dev`: the entry started again on each edit of a file it loaded. Node's own watch mode where it strips
  // types (each start through this launcher, so with the compile cache), else tsx's.
  const [command, ...rest] = stripsTypes
    ? ['--watch', '--watch-preserve-output', LAUNCHER, '--source']
    : [path.join(ROOT, 'node_modules/tsx/dist/cli.mjs'), 'watch', '--clear-screen=false'];
  // Loaded here only: child_process brings net and streams, a tenth of what a build with nothing to do costs.
  const { spawn } = await import('node:child_process');
  const watcher = spawn(process.execPath, [command, ...rest, file, ...args], { stdio: 'inherit' });
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => watcher.kill(signal));
  watcher.on('exit', (code, signal) => process.exit(code ?? (signal === 'SIGINT' || signal === 'SIGTERM' ? 0 : 1)));
} else {
  process.argv = [process.argv[0], file, ...args];
  await run(file);
}

async function run(file) {
  let bundled = null;
  if (!fromSource) {
    try {
      bundled = await bundleOf(file);
    } catch (err) {
      // A read-only node_modules, say: slower from the .ts files, but the same program.
      console.error(`launch: could not bundle ${entry} (${err instanceof Error ? err.message.split('\n')[0] : err}); running it ${stripsTypes ? 'from its .ts files' : 'with tsx'}.`);
    }
  }
  if (bundled) {
    // With Node's module compile cache too: a build that renders a page loads nunjucks and markdown-it, whose parse
    // cost 30 ms of a one-page rebuild's 0.4 s at 1000 pages; a rebuild with nothing to do loads too little to gain.
    module.enableCompileCache?.(path.join(CACHE, 'compile'));
    // Source maps are written beside it, not loaded: NODE_OPTIONS=--enable-source-maps maps stack traces to the .ts files.
    await import(pathToFileURL(bundled).href);
  } else if (stripsTypes) {
    // With Node's module compile cache, so a second start compiles nothing.
    module.enableCompileCache(path.join(CACHE, 'compile'));
    await import(pathToFileURL(file).href);
  } else {
    const { register } = await import('tsx/esm/api');
    register();
    await import(pathToFileURL(file).href);
  }
}
