// Benchmark plumbing shared by every bench/*.bench.ts: servers in child
// processes (so the load generator never shares their event loop), a bare
// node:http server replaying a captured response, and load runs with wrk
// (Debian's `wrk`, written in C: a JavaScript load generator on the same two
// cores saturates first and hides what the server costs). Every throughput
// row is measured against the bare server in the same run, each in its own
// process started the same way, in rounds that alternate between them, the
// best round of each kept; next to req/s and latency, the server's own CPU
// time per request from /proc/<pid>/stat. Loopback only; every run is
// bounded in time.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const ROOT = path.resolve(import.meta.dirname, '..');

/** Seconds per measured run (BENCH_SECONDS); each is preceded by a one-second warm-up. */
export const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
/** Rounds alternating between our server and the bare one; the best of each is kept. */
export const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const CONNECTIONS = 32;
const THREADS = 2;

export interface ChildServer {
  url: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

/**
 * Run a TypeScript file that starts a server and prints `LISTENING <port>`
 * on its first stdout line. Its further output (an app's request log) is
 * read and dropped, as a log collector would.
 */
export async function startServer(script: string, env: Record<string, string> = {}, args: string[] = [], nodeArgs: string[] = []): Promise<ChildServer> {
  const child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', script, ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    let buffer = '';
    const timer = setTimeout(() => reject(new Error(`${script} did not start within 60 s`)), 60_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      const match = /LISTENING (\d+)/.exec(buffer);
      if (match) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    });
    child.on('exit', (code) => reject(new Error(`${script} exited with ${code} before listening`)));
  });
  child.stdout!.removeAllListeners('data');
  child.stdout!.resume();
  return {
    url: `http://127.0.0.1:${port}`,
    child,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/** A response as the server sent it, to be replayed by the bare server. */
export interface Captured {
  status: number;
  headers: Array<[string, string]>;
  body: Buffer;
}

/** Headers node:http writes itself, for the bare server as for ours. */
const HOP_HEADERS = new Set(['date', 'connection', 'keep-alive', 'content-length', 'transfer-encoding']);

/** One request's response (status, headers, body), as a client sees it. */
export async function capture(url: string, init: RequestInit = {}): Promise<Captured> {
  const response = await fetch(url, init);
  const body = Buffer.from(await response.arrayBuffer());
  const headers = [...response.headers].filter(([name]) => !HOP_HEADERS.has(name)) as Array<[string, string]>;
  return { status: response.status, headers, body };
}

/** A bare node:http server answering every request with the captured response (see bench/servers/bare.ts). */
export function startBareServer(response: Captured): Promise<ChildServer> {
  return startServer(path.join(ROOT, 'bench/servers/bare.ts'), {
    BARE_STATUS: String(response.status),
    BARE_BODY_BASE64: response.body.toString('base64'),
    BARE_HEADERS_JSON: JSON.stringify(response.headers),
  });
}

export interface LoadResult {
  requestsPerSecond: number;
  /** Milliseconds. */
  p50: number;
  p99: number;
  max: number;
  /** Socket errors and timeouts. */
  errors: number;
  /** Answers other than 2xx and 3xx. */
  non2xx: number;
}

export interface LoadOptions {
  connections?: number;
  threads?: number;
  /** Seconds. */
  duration?: number;
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  /**
   * Lua defining `request()` (and optionally `setup`/`init`), for a different
   * request each time: see wrk's SCRIPTING. Per thread, `thread_id` (0, 1, ...)
   * and `threads` are set.
   */
  requestScript?: string;
}

const lua = (s: string) => JSON.stringify(s); // a JSON string is a valid Lua string literal for the text we send

/** wrk's report, as one JSON line from its done() hook: exact numbers, no parsing of its human output. */
const DONE = `
local thread_count = 0
function setup(thread)
  thread:set("thread_id", thread_count)
  thread_count = thread_count + 1
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('WRK {"requests":%d,"duration":%d,"p50":%d,"p99":%d,"max":%d,"errors":%d,"status":%d}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99), latency.max,
    e.connect + e.read + e.write + e.timeout, e.status))
end
`;

let wrkChecked: Promise<void> | undefined;
function checkWrk(): Promise<void> {
  wrkChecked ??= new Promise((resolve, reject) =>
    execFile('wrk', ['--version'], (error) => {
      // wrk --version exits 1 after printing its version; only a missing binary is an error.
      if (error && (error as NodeJS.ErrnoException).code === 'ENOENT') {
        reject(new Error('wrk is not installed. Install it with `sudo apt-get install wrk` (Debian/Ubuntu) or `brew install wrk` and run again.'));
      } else resolve();
    }),
  );
  return wrkChecked;
}

/** One wrk run against `url`. */
export async function load(url: string, options: LoadOptions = {}): Promise<LoadResult> {
  await checkWrk();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'lightweight-wrk-'));
  try {
    const script = path.join(dir, 'script.lua');
    const lines = [DONE, `threads = ${options.threads ?? THREADS}`];
    if (options.method) lines.push(`wrk.method = ${lua(options.method)}`);
    if (options.body !== undefined) lines.push(`wrk.body = ${lua(options.body)}`);
    for (const [name, value] of Object.entries(options.headers ?? {})) lines.push(`wrk.headers[${lua(name)}] = ${lua(value)}`);
    if (options.requestScript) lines.push(options.requestScript);
    writeFileSync(script, lines.join('\n'));
    const connections = options.connections ?? CONNECTIONS;
    const threads = Math.min(options.threads ?? THREADS, connections);
    const duration = options.duration ?? SECONDS;
    const args = ['-t', String(threads), '-c', String(connections), '-d', `${duration}s`, '--latency', '--timeout', '10s', '-s', script, url];
    const stdout = await new Promise<string>((resolve, reject) =>
      execFile('wrk', args, { timeout: (duration + 30) * 1000 }, (error, out, err) => (error ? reject(new Error(`wrk: ${error.message}\n${err}`)) : resolve(out))),
    );
    const line = /^WRK (.*)$/m.exec(stdout);
    if (!line) throw new Error(`wrk printed no summary:\n${stdout}`);
    const r = JSON.parse(line[1]!) as { requests: number; duration: number; p50: number; p99: number; max: number; errors: number; status: number };
    return {
      requestsPerSecond: r.requests / (r.duration / 1e6),
      p50: r.p50 / 1000,
      p99: r.p99 / 1000,
      max: r.max / 1000,
      errors: r.errors,
      non2xx: r.status,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** CPU seconds (user + system, all threads) a process has used, from /proc. */
export function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks of 1/100 s
}

export type Measured = LoadResult & {
  /** Server CPU milliseconds per request, of every process in `servers` together. */
  cpuMs: number;
};

/** A load run, with the CPU the servers spent on it. */
export async function measure(servers: ChildServer | ChildServer[], run: () => Promise<LoadResult>): Promise<Measured> {
  const pids = (Array.isArray(servers) ? servers : [servers]).map((server) => server.child.pid!);
  const cpu = () => pids.reduce((sum, pid) => sum + cpuSeconds(pid), 0);
  const before = cpu();
  const started = performance.now();
  const result = await run();
  const seconds = (performance.now() - started) / 1000;
  const requests = result.requestsPerSecond * Math.min(seconds, SECONDS + 1);
  return { ...result, cpuMs: ((cpu() - before) * 1000) / Math.max(1, requests) };
}

/** The best (highest req/s) of several runs of one thing. */
export const best = (runs: Measured[]): Measured => runs.reduce((a, b) => (b.requestsPerSecond > a.requestsPerSecond ? b : a));

/**
 * Each contestant warmed up once, then ROUNDS rounds running each in turn
 * (so a slow second on a shared machine hits them alike), best kept.
 */
export async function alternate<K extends string>(contestants: Record<K, () => Promise<Measured>>, warmUp: Partial<Record<K, () => Promise<unknown>>> = {}): Promise<Record<K, Measured>> {
  const names = Object.keys(contestants) as K[];
  for (const name of names) await warmUp[name]?.();
  const runs = Object.fromEntries(names.map((name) => [name, [] as Measured[]])) as unknown as Record<K, Measured[]>;
  for (let round = 0; round < ROUNDS; round++) for (const name of names) runs[name].push(await contestants[name]());
  return Object.fromEntries(names.map((name) => [name, best(runs[name])])) as Record<K, Measured>;
}

export const fmt = (n: number, digits = 0): string =>
  n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

const figures = (r: Measured) =>
  `${fmt(r.requestsPerSecond).padStart(7)} req/s  p50 ${fmt(r.p50, 2).padStart(5)} ms  p99 ${fmt(r.p99, 2).padStart(6)} ms  ${fmt(r.cpuMs, 3)} ms CPU/req`;

/** One line: name, absolute figures, the bare server's and the ratio to it when there is one. */
export function report(name: string, result: Measured, bare?: Measured, target?: number): void {
  const problems = result.errors || result.non2xx ? `  (${result.errors} errors, ${result.non2xx} non-2xx/3xx)` : '';
  const versus = bare
    ? ` | bare ${figures(bare)} | ${(result.requestsPerSecond / bare.requestsPerSecond).toFixed(2)}x${target ? ` (target ${target}x ${result.requestsPerSecond / bare.requestsPerSecond >= target ? 'met' : 'NOT met'})` : ''}`
    : '';
  console.log(`${name.padEnd(40)} ${figures(result)}${versus}${problems}`);
}

/** The benches' seeded task number `i`: half in the sprint (in progress), a third unassigned. */
export function benchTask(i: number, sprint: number, user: number): Record<string, string | number | null> {
  return {
    name: `Task ${i}`,
    description: `Description of task ${i}, long enough to look like a real one.`,
    sprint: i % 2 ? sprint : null,
    status: i % 2 ? 2 : 1,
    order: i % 100,
    assigned: i % 3 ? user : null,
    started: i % 2 ? '2024-01-01' : null,
    due: '2999-01-01',
    completed: null,
  };
}

/** A build (or any command) run once as a person runs it: its wall time, peak memory and output. */
export interface ProcessRun {
  seconds: number;
  /** User and system CPU time: steadier than wall time on a shared machine. */
  cpuSeconds: number;
  maxRssMb: number;
  stdout: string;
}

/**
 * Run `command` in its own process, timed from spawn to exit, its peak RSS
 * read by GNU time (the same way for Node and for a Go binary). Rejects on a
 * non-zero exit with the end of its stderr; killed after 10 minutes.
 */
export function runProcess(command: string, args: string[], options: { cwd: string; env?: Record<string, string> }): Promise<ProcessRun> {
  const started = performance.now();
  const child = spawn('/usr/bin/time', ['-f', 'MAXRSS %M CPU %U %S', command, ...args], { cwd: options.cwd, env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk));
  const timer = setTimeout(() => child.kill('SIGKILL'), 600_000);
  return new Promise((resolve, reject) => {
    child.on('close', (code) => {
      clearTimeout(timer);
      const seconds = (performance.now() - started) / 1000;
      const usage = /MAXRSS (\d+) CPU ([\d.]+) ([\d.]+)/.exec(stderr);
      if (code !== 0 || !usage) return reject(new Error(`${command} ${args.join(' ')} exited with ${code}:\n${stderr.slice(-2000)}`));
      resolve({ seconds, cpuSeconds: Number(usage[2]) + Number(usage[3]), maxRssMb: Number(usage[1]) / 1024, stdout });
    });
  });
}

/** The fastest of a measure's rounds (noise on a shared machine only ever adds time). */
export const fastest = (runs: ProcessRun[]): ProcessRun => runs.reduce((a, b) => (b.seconds < a.seconds ? b : a));

/**
 * `npm run build` as package.json starts it (`node [flags] scripts/launch.mjs build.ts`): its arguments to Node, the
 * launcher's path made absolute, so a build is measured with the flags a person's build runs with.
 */
export const LAUNCH_BUILD: string[] = (() => {
  const script = (JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts.build!;
  const [command, ...args] = script.trim().split(/\s+/);
  if (command !== 'node') throw new Error(`package.json's build script does not start with node: ${script}`);
  return args.map((arg) => (arg.endsWith('.mjs') ? path.join(ROOT, arg) : arg));
})();
