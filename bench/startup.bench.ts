// `npm run bench -- startup`: how long `npm start` takes to its first
// answered request, and `npm run build` when nothing changed, on each Node
// of .ci/node-versions, each as a ratio against `node -e 1` on that Node.
//
// The commands run as a person types them, npm scripts and all, so the
// figures include npm and whatever the scripts' launcher does (type
// stripping, compile cache or tsx). Each Node gets a copy of this working
// tree with its own `npm ci` (better-sqlite3 is built per Node ABI), kept
// beside the fetched Nodes and installed again only when package-lock.json
// changed: the first run installs each (a minute or two apiece). BENCH_NODES=22,26
// measures those lines alone. Rounds
// alternate between the commands, the best of each kept; one unmeasured
// round first (it fills the compile cache and the build cache).
import { execFileSync, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { freePort } from '../test/services.ts';
import { pinnedNodes } from '../test/node-versions.ts';
import { fmt, ROOT } from './lib.ts';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const NODES = pinnedNodes().filter((version) => !process.env.BENCH_NODES || process.env.BENCH_NODES.split(',').some((line) => `${version}.`.startsWith(`${line}.`)));
const START_TIMEOUT_MS = 60_000;

/** A pinned Node's bin folder, fetched by .ci/node.sh when missing. */
const nodeBin = (version: string): string =>
  execFileSync('bash', [path.join(ROOT, '.ci/node.sh'), version], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();

/** This working tree's files (tracked, and new ones not ignored), copied into `dir`, installed with that Node unless already. */
function treeFor(bin: string, dir: string): void {
  mkdirSync(dir, { recursive: true });
  for (const entry of readdirSync(dir)) if (entry !== 'node_modules') rmSync(path.join(dir, entry), { recursive: true, force: true });
  const files = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '-z'], { cwd: ROOT, encoding: 'utf8' }).split('\0');
  for (const file of files) if (file && existsSync(path.join(ROOT, file))) cpSync(path.join(ROOT, file), path.join(dir, file), { recursive: true });
  const lock = readFileSync(path.join(dir, 'package-lock.json'), 'utf8');
  const installed = path.join(dir, 'node_modules/.package-lock.json');
  const stamp = path.join(dir, 'node_modules/.installed-from');
  if (existsSync(installed) && existsSync(stamp) && readFileSync(stamp, 'utf8') === lock) return;
  console.log(`  npm ci in ${dir} with ${path.basename(path.dirname(bin))} (once per package-lock.json)`);
  execFileSync('npm', ['ci', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: dir, env: envFor(bin), stdio: ['ignore', 'ignore', 'inherit'] });
  cpSync(path.join(dir, 'package-lock.json'), stamp);
}

const envFor = (bin: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv => {
  // No tsx loader or Node flags inherited from the bench's own Node.
  const { NODE_OPTIONS: _, ...env } = process.env;
  return { ...env, PATH: `${bin}${path.delimiter}${env.PATH}`, npm_config_nodedir: path.dirname(bin), ...extra };
};

/** Milliseconds from spawning the command in `dir` until it exits 0. */
function timeToExit(command: string, args: string[], dir: string, env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(command, args, { cwd: dir, env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(performance.now() - started) : reject(new Error(`${command} ${args.join(' ')} exited with ${code}: ${stderr}`))));
  });
}

/** Milliseconds from spawning `npm start` until `/` answers 200; then it is stopped (npm, its shell and the app: one process group). */
async function timeToFirstAnswer(dir: string, bin: string, database: string): Promise<number> {
  const port = await freePort();
  const started = performance.now();
  const child = spawn('npm', ['start'], {
    cwd: dir,
    env: envFor(bin, { PORT: String(port), HOST: '127.0.0.1', DATABASE_PATH: database }),
    stdio: 'ignore',
    detached: true,
  });
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  try {
    while (true) {
      if (child.exitCode !== null) throw new Error(`npm start exited with ${child.exitCode} before answering`);
      if (performance.now() - started > START_TIMEOUT_MS) throw new Error(`npm start did not answer within ${START_TIMEOUT_MS / 1000} s`);
      const status = await fetch(`http://127.0.0.1:${port}/`).then((r) => r.status, () => 0);
      if (status === 200) return performance.now() - started;
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
  } finally {
    process.kill(-child.pid!, 'SIGTERM');
    await exited;
  }
}

export async function run(): Promise<void> {
  if (NODES.length === 0) throw new Error(`BENCH_NODES=${process.env.BENCH_NODES} names no Node of .ci/node-versions (${pinnedNodes().join(', ')})`);
  const cache = path.join(path.dirname(path.dirname(nodeBin(NODES[0]!))), 'bench-trees');
  console.log(`Start-up on each pinned Node, best of ${ROUNDS} rounds (BENCH_ROUNDS) after one unmeasured; trees in ${cache}`);
  const rows: string[] = [];
  for (const version of NODES) {
    const bin = nodeBin(version);
    const dir = path.join(cache, version);
    treeFor(bin, dir);
    const env = envFor(bin);
    const database = path.join(dir, 'data/bench-startup.sqlite3');
    const measures = {
      'node -e 1': () => timeToExit(path.join(bin, 'node'), ['-e', '1'], dir, env),
      'npm start': () => timeToFirstAnswer(dir, bin, database),
      'npm run build': () => timeToExit('npm', ['run', 'build'], dir, env),
    };
    const best = Object.fromEntries(Object.keys(measures).map((name) => [name, Infinity])) as Record<keyof typeof measures, number>;
    for (let round = 0; round <= ROUNDS; round++) {
      for (const [name, measure] of Object.entries(measures) as Array<[keyof typeof measures, () => Promise<number>]>) {
        const ms = await measure();
        if (round > 0) best[name] = Math.min(best[name], ms);
      }
    }
    const base = best['node -e 1'];
    const ratio = (ms: number) => `${fmt(ms).padStart(6)} ms  ${fmt(ms / base, 1).padStart(5)}×`;
    rows.push(`Node ${version.padEnd(8)}  node -e 1 ${fmt(base).padStart(4)} ms   npm start (first answer) ${ratio(best['npm start'])}   npm run build (no change) ${ratio(best['npm run build'])}`);
  }
  console.log(rows.join('\n'));
}
