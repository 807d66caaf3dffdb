// Serving a precompressed static file: Bootstrap's CSS under its versioned
// URL, asked for with `Accept-Encoding: br` once its top-quality brotli is
// ready, against a bare node:http server replaying the very same compressed
// bytes and headers from memory. Load from wrk; the app's CPU time per
// request from /proc.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import { staticUrl } from '../src/templates/helpers.ts';
import { fmt, ROOT, startBareServer, startServer, type ChildServer } from './lib.ts';

const run$ = promisify(execFile);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const CONNECTIONS = 32;
/** Rounds of the bare server and the app, alternated, so a slow second on a shared machine hits both. */
const ROUNDS = 2;

interface WrkResult {
  requestsPerSecond: number;
  requests: number;
  p50: number;
  p99: number;
  /** Socket errors and non-2xx/3xx answers. */
  problems: number;
}

const ms = (value: string, unit: string): number => Number(value) * ({ us: 0.001, ms: 1, s: 1000 }[unit] ?? NaN);

/** wrk against one URL with these headers, its summary parsed. */
async function wrk(url: string, headers: Record<string, string>): Promise<WrkResult> {
  const args = ['-t1', `-c${CONNECTIONS}`, `-d${SECONDS}s`, '--latency', '--timeout', '5s'];
  for (const [name, value] of Object.entries(headers)) args.push('-H', `${name}: ${value}`);
  const { stdout } = await run$('wrk', [...args, url], { timeout: (SECONDS + 30) * 1000 });
  const number = (pattern: RegExp) => Number(pattern.exec(stdout)?.[1] ?? NaN);
  const latency = (percent: number) => {
    const match = new RegExp(`^\\s*${percent}%\\s+([\\d.]+)(us|ms|s)\\s*$`, 'm').exec(stdout);
    return match ? ms(match[1]!, match[2]!) : NaN;
  };
  const socketErrors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(stdout);
  const result = {
    requestsPerSecond: number(/Requests\/sec:\s+([\d.]+)/),
    requests: number(/(\d+) requests in/),
    p50: latency(50),
    p99: latency(99),
    problems: (socketErrors ? socketErrors.slice(1).reduce((sum, n) => sum + Number(n), 0) : 0) + (number(/Non-2xx or 3xx responses: (\d+)/) || 0),
  };
  if (!Number.isFinite(result.requestsPerSecond)) throw new Error(`Could not read wrk's output:\n${stdout}`);
  return result;
}

/** CPU seconds (user + system, all threads) a process has used, from /proc. */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks of 1/100 s
}

async function measure(server: ChildServer, url: string, headers: Record<string, string>): Promise<WrkResult & { cpuMs: number }> {
  const before = cpuSeconds(server.child.pid!);
  const result = await wrk(url, headers);
  return { ...result, cpuMs: ((cpuSeconds(server.child.pid!) - before) * 1000) / Math.max(1, result.requests) };
}

function mean<T extends object>(results: T[]): T {
  const keys = Object.keys(results[0]!) as Array<keyof T>;
  return Object.fromEntries(keys.map((key) => [key, results.reduce((sum, r) => sum + (r[key] as number), 0) / results.length])) as T;
}

function line(name: string, result: WrkResult & { cpuMs?: number }, bare?: WrkResult): void {
  const ratio = bare ? `  ${(result.requestsPerSecond / bare.requestsPerSecond).toFixed(2)}x bare` : '';
  const cpu = result.cpuMs === undefined ? '' : `  ${fmt(result.cpuMs, 3)} ms CPU/request`;
  const problems = result.problems ? `  (${fmt(result.problems)} errors or non-2xx)` : '';
  console.log(`${name.padEnd(44)} ${fmt(result.requestsPerSecond).padStart(8)} req/s  p50 ${fmt(result.p50, 2)} ms  p99 ${fmt(result.p99, 2)} ms${ratio}${cpu}${problems}`);
}

export async function run(): Promise<void> {
  const cssPath = staticUrl('vendor/bootstrap/css/bootstrap.min.css');
  const file = readFileSync(path.join(ROOT, 'node_modules/bootstrap/dist/css/bootstrap.min.css'));
  const best = zlib.brotliCompressSync(file, {
    params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11, [zlib.constants.BROTLI_PARAM_MODE]: zlib.constants.BROTLI_MODE_TEXT, [zlib.constants.BROTLI_PARAM_SIZE_HINT]: file.byteLength },
  });
  const app = await startServer(path.join(ROOT, 'test/fixtures/app-process.ts'), {
    APP_PROCESS_LOG: 'discard',
    SERVICES: 'pages',
    DEBUG: 'off',
    SECRET_KEY: 'bench-only-secret-key-0123456789abcdef',
  });
  const headers = { 'Accept-Encoding': 'br' };
  let bare: ChildServer | undefined;
  try {
    // Cached: the first request starts the top-quality compression; wait until that is what is sent.
    let response: Response;
    let body: Buffer;
    const deadline = Date.now() + 30_000;
    do {
      response = await fetch(app.url + cssPath, { headers });
      body = Buffer.from(await response.arrayBuffer()); // fetch decodes it; compare what it decodes to
      if (Number(response.headers.get('content-length')) === best.byteLength) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    } while (Date.now() < deadline);
    if (response.headers.get('content-encoding') !== 'br' || Number(response.headers.get('content-length')) !== best.byteLength || !body.equals(file)) {
      throw new Error(`${cssPath} is not served as its cached top-quality brotli (${response.headers.get('content-length')} bytes, ${best.byteLength} expected)`);
    }
    const replayed = ['content-type', 'content-encoding', 'cache-control', 'etag', 'last-modified', 'vary'].map((name): [string, string] => [name, response.headers.get(name)!]);
    bare = await startBareServer({ status: 200, headers: replayed, body: best });
    console.log(`${cssPath}: ${fmt(file.byteLength / 1024, 1)} KiB, ${fmt(best.byteLength / 1024, 1)} KiB as brotli; wrk ${CONNECTIONS} connections, ${SECONDS} s x ${ROUNDS} rounds`);

    const bareRuns = [];
    const appRuns = [];
    for (let round = 0; round < ROUNDS; round++) {
      bareRuns.push(await measure(bare, `${bare.url}${cssPath}`, headers));
      appRuns.push(await measure(app, app.url + cssPath, headers));
    }
    const bareMean = mean(bareRuns);
    line('bare node:http, same brotli bytes', bareMean);
    line('cached bootstrap.min.css, Accept-Encoding: br', mean(appRuns), bareMean);
  } finally {
    await bare?.stop();
    await app.stop();
  }
}
