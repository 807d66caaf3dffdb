// PostgreSQL and Redis for the tests that need them. `.ci/services.sh`
// starts throwaway servers and exports TEST_POSTGRES_URL and TEST_REDIS_URL;
// without them a test is skipped with SERVICES_UNAVAILABLE, except in CI,
// where that would hide a broken set-up, so it fails instead.
//
//   const databaseUrl = await postgresDatabase();
//   describe('on PostgreSQL', { skip: databaseUrl ? false : POSTGRES_UNAVAILABLE }, () => { ... });
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import net, { type AddressInfo } from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { tempDir } from './temp-dir.ts';

const START_THEM = 'run `source .ci/services.sh` first (it starts throwaway PostgreSQL and Redis servers)';
export const POSTGRES_UNAVAILABLE = `PostgreSQL not available: ${START_THEM}`;
export const REDIS_UNAVAILABLE = `Redis not available: ${START_THEM}`;
const REDIS_START_TIMEOUT_MS = 10_000;
const REDIS_STOP_TIMEOUT_MS = 3000;

/** Null when the service is not there and this is not CI (the caller skips); an error in CI. */
export function unavailable(message: string): null {
  if (process.env.CI) throw new Error(`${message}. In CI this is an error: .ci/run must start the services.`);
  return null;
}

const databasesToDrop: Array<{ drop(): Promise<void> }> = [];
let dropsRegistered = false;

/**
 * The URL of a new, empty PostgreSQL database, dropped when this test file's
 * process ends (whoever still holds connections to it is disconnected), or
 * null when PostgreSQL is unavailable outside CI. Call it anywhere: at the
 * top of the file, in before(), in a test.
 */
export async function postgresDatabase(): Promise<string | null> {
  const serverUrl = process.env.TEST_POSTGRES_URL;
  if (!serverUrl) return unavailable(POSTGRES_UNAVAILABLE);
  const database = await createDatabase(serverUrl, 'lw_test');
  databasesToDrop.push(database);
  if (!dropsRegistered) {
    dropsRegistered = true;
    // beforeExit, unlike exit, lets asynchronous work finish; it comes once the tests are done.
    process.once('beforeExit', () => {
      void Promise.all(databasesToDrop.splice(0).map((dropped) => dropped.drop().catch(() => {})));
    });
  }
  return database.url;
}

/** A new, empty database named `<prefix>_<random>` on the server at `serverUrl`; drop() removes it, disconnecting whoever still uses it. */
export async function createDatabase(serverUrl: string, prefix: string): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
  await onServer(serverUrl, `CREATE DATABASE ${name}`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return { url: url.href, drop: () => onServer(serverUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}

async function onServer(serverUrl: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: serverUrl, connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
    await client.query(sql);
  } catch (error) {
    throw new Error(`PostgreSQL at TEST_POSTGRES_URL: ${(error as Error).message}`, { cause: error });
  } finally {
    await client.end().catch(() => {});
  }
}

/**
 * TEST_REDIS_URL (the server .ci/services.sh started), or null when it is
 * unavailable outside CI. It is shared by every test file running at the
 * same time: use key names and channel names of your own. A test that runs
 * the app (whose channel names are fixed) or stops Redis wants its own
 * server: startRedisServer().
 */
export function redisUrl(): string | null {
  return process.env.TEST_REDIS_URL || unavailable(REDIS_UNAVAILABLE);
}

export interface RedisServer {
  /** redis://127.0.0.1:<port> */
  url: string;
  port: number;
  /** Shut the server down (its clients see their connections close); it keeps its port for start(). */
  stop(): Promise<void>;
  /** Start it again on the same port (after stop()). */
  start(): Promise<void>;
  /** Stop it for good and remove its folder. */
  close(): Promise<void>;
}

const running = new Set<ChildProcess>();
let killOnExitRegistered = false;

function killOnExit(): void {
  if (killOnExitRegistered) return;
  killOnExitRegistered = true;
  const killAll = () => {
    for (const child of running) child.kill('SIGKILL');
  };
  process.on('exit', killAll);
  // Death by signal skips 'exit' handlers: leave through process.exit so that they (and the folders' removal) run.
  for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
    process.once(signal, () => process.exit(code));
  }
}

/**
 * A redis-server of this test's own, on 127.0.0.1 and a free port, without
 * persistence, that a test may stop and start again; killed when the test
 * process exits. Null when redis-server is not installed, outside CI.
 */
export async function startRedisServer(): Promise<RedisServer | null> {
  if (!(await isInstalled('redis-server'))) return unavailable(REDIS_UNAVAILABLE);
  killOnExit();
  const dir = tempDir('lightweight-redis-');
  let port = await freePort();
  let child: ChildProcess | null = null;

  const start = async () => {
    if (child) return;
    child = await spawnRedis(port, dir);
  };
  const stop = async () => {
    const stopping = child;
    child = null;
    if (stopping) await terminate(stopping);
  };

  try {
    await start();
  } catch {
    // The port was taken between picking and binding it: once more with another.
    port = await freePort();
    await start();
  }
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    start,
    stop,
    async close() {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The newest PostgreSQL's programs (Debian keeps them out of PATH), if any is installed. */
function postgresBin(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  return readdirSync(root)
    .map((version) => path.join(root, version, 'bin'))
    .filter((dir) => existsSync(path.join(dir, 'initdb')))
    .sort((a, b) => a.localeCompare(b, undefined, { numeric: true }))
    .at(-1);
}

export interface PostgresServer {
  /** postgres://postgres@127.0.0.1:<port>/postgres */
  url: string;
  /** Shut the server down (fast: its clients are disconnected); it keeps its port and data for start(). */
  stop(): Promise<void>;
  /** Start it again on the same port (after stop()). */
  start(): Promise<void>;
  /** Stop it for good (its folder goes when the process exits). */
  close(): Promise<void>;
}

/**
 * A PostgreSQL server of this test's own (a new cluster on 127.0.0.1 and a
 * free port, fsync off), that a test may stop and start again. Null when
 * PostgreSQL is not installed, outside CI.
 */
export async function startPostgresServer(): Promise<PostgresServer | null> {
  const bin = postgresBin();
  if (!bin) return unavailable(POSTGRES_UNAVAILABLE);
  const run = promisify(execFile);
  // PostgreSQL refuses to run as root: commands go through the postgres user then.
  const asRoot = process.getuid?.() === 0;
  const asPostgres = (command: string, args: string[]) =>
    asRoot ? run('runuser', ['-u', 'postgres', '--', path.join(bin, command), ...args]) : run(path.join(bin, command), args);
  const dir = tempDir('lightweight-pg-');
  if (asRoot) chownSync(dir, Number((await run('id', ['-u', 'postgres'])).stdout.trim()), 0);
  const data = path.join(dir, 'data');
  await asPostgres('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--locale=C.UTF-8']);
  const port = await freePort();
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`;
  const start = async () => void (await asPostgres('pg_ctl', ['-D', data, '-w', '-t', '20', '-l', path.join(dir, 'log'), '-o', options, 'start']));
  const stop = async () => void (await asPostgres('pg_ctl', ['-D', data, '-w', '-t', '20', '-m', 'fast', 'stop']));
  await start();
  return { url: `postgres://postgres@127.0.0.1:${port}/postgres`, start, stop, close: () => stop().catch(() => {}) };
}

async function spawnRedis(port: number, dir: string): Promise<ChildProcess> {
  const logFile = path.join(dir, 'server.log');
  const child = spawn(
    'redis-server',
    ['--bind', '127.0.0.1', '--port', String(port), '--save', '', '--appendonly', 'no', '--dir', dir, '--logfile', logFile],
    { stdio: 'ignore' },
  );
  running.add(child);
  // A server a test forgot to close must not keep the test process alive; the exit hook kills it.
  child.unref();
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.once('exit', () => running.delete(child));

  const deadline = Date.now() + REDIS_START_TIMEOUT_MS;
  while (!(await answersPing(port))) {
    const gone = await Promise.race([exited.then(() => true), delay(50).then(() => false)]);
    if (gone || Date.now() > deadline) {
      await terminate(child);
      const log = readLog(logFile);
      throw new Error(`redis-server on 127.0.0.1:${port} ${gone ? 'exited' : `did not answer within ${REDIS_START_TIMEOUT_MS} ms`}: ${log}`);
    }
  }
  return child;
}

async function terminate(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), REDIS_STOP_TIMEOUT_MS);
  await exited;
  clearTimeout(timer);
}

/** True when a Redis on this port answers PING within a moment. */
function answersPing(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    const done = (answer: boolean) => {
      socket.destroy();
      resolve(answer);
    };
    socket.setTimeout(500, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data) => done(data.toString().startsWith('+PONG')));
  });
}

/** A loopback port nobody listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function isInstalled(command: string): Promise<boolean> {
  return new Promise((resolve) => {
    const child = spawn(command, ['--version'], { stdio: 'ignore' });
    child.once('error', () => resolve(false));
    child.once('exit', (code) => resolve(code === 0));
  });
}

function readLog(file: string): string {
  try {
    return readFileSync(file, 'utf8').trim().split('\n').slice(-5).join('\n') || '(nothing in its log)';
  } catch {
    return '(no log)';
  }
}

const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
