// Benchmark plumbing shared by every bench/*.bench.ts: servers in child
// processes (so the load generator never shares their event loop), a bare
// node:http baseline, and a load run with autocannon. Loopback only; every
// run is bounded in time.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import autocannon from 'autocannon';

export const ROOT = path.resolve(import.meta.dirname, '..');

export interface ChildServer {
  url: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

/**
 * Run a TypeScript file that starts a server and prints `LISTENING <port>`
 * on its first stdout line.
 */
export async function startServer(script: string, env: Record<string, string> = {}, args: string[] = []): Promise<ChildServer> {
  const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], {
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

/** A bare node:http server answering every request with these bytes (see bench/servers/bare.ts). */
export function startBareServer(body: Buffer, headers: Record<string, string>): Promise<ChildServer> {
  return startServer(path.join(ROOT, 'bench/servers/bare.ts'), {
    BARE_BODY_BASE64: body.toString('base64'),
    BARE_HEADERS_JSON: JSON.stringify(headers),
  });
}

export interface LoadResult {
  requestsPerSecond: number;
  p50: number;
  p99: number;
  max: number;
  errors: number;
  non2xx: number;
}

export interface LoadOptions {
  connections?: number;
  /** Seconds. */
  duration?: number;
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  /** Different request per call, e.g. distinct image sizes. */
  requests?: autocannon.Request[];
}

export async function load(url: string, options: LoadOptions = {}): Promise<LoadResult> {
  const result = await autocannon({
    url,
    connections: options.connections ?? 32,
    duration: options.duration ?? Number(process.env.BENCH_SECONDS ?? 5),
    method: (options.method ?? 'GET') as autocannon.Request['method'],
    headers: options.headers,
    body: options.body,
    requests: options.requests,
  });
  return {
    requestsPerSecond: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    max: result.latency.max,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
  };
}

export const fmt = (n: number, digits = 0): string =>
  n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

/** One line: name, absolute figures, and the ratio to the baseline measured in the same run. */
export function report(name: string, result: LoadResult, baseline?: LoadResult): void {
  const ratio = baseline ? `  ${(result.requestsPerSecond / baseline.requestsPerSecond).toFixed(2)}x bare` : '';
  const problems = result.errors || result.non2xx ? `  (${result.errors} errors, ${result.non2xx} non-2xx)` : '';
  console.log(
    `${name.padEnd(44)} ${fmt(result.requestsPerSecond).padStart(8)} req/s  p50 ${fmt(result.p50, 1)} ms  p99 ${fmt(result.p99, 1)} ms${ratio}${problems}`,
  );
}
