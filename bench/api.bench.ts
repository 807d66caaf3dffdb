// `npm run bench -- api`: the board's REST API under wrk load, on a
// database of 1000 tasks (with points and labels), with token authentication: the 25-task list page,
// one task, one sprint, and creating tasks. Each row is compared with a bare
// node:http server replaying the response the app gave (captured from the
// SQLite process: status, headers and body), in the same run, rounds
// alternating, best kept; and with the book's DRF API (gunicorn, 2 workers,
// SQLite, measured on this kind of machine). Basic authentication is
// measured too: its verified-credentials cache must spare a client that
// keeps sending the same credentials a password hash per request.
//
// The token scenarios run again on PostgreSQL (BENCH_POSTGRES_URL or
// TEST_POSTGRES_URL names the server; a database of its own is created and
// dropped): with one app process, and with two sharing the database, the
// same load split across both (two load generators at once, half the
// connections each; their requests per second added, the worse p99 kept,
// CPU per request over both processes).
import path from 'node:path';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { openStore } from '../src/board/store.ts';
import { createUser } from '../src/board/users.ts';
import { createDatabase } from '../test/services.ts';
import { benchTask, alternate, capture, fmt, load, measure, report, ROOT, startBareServer, startServer, type ChildServer, type LoadOptions, type LoadResult, type Measured } from './lib.ts';

const TASKS = 1000;
/** Connections of every load run; with two processes, half go to each. */
const CONNECTIONS = 32;
const TOKEN = 'b'.repeat(40);
const SECRET_KEY = 'bench-secret-key-that-is-long-enough-to-pass';
/** The book's DRF API, requests per second, and the multiple we aim for. */
const DRF = {
  list: { rps: 222, goal: 20 },
  detail: { rps: 894, goal: 10 },
  create: { rps: 340, goal: 10 },
  basic: { rps: 27, goal: 20 },
};

const CONFIGURATIONS = ['SQLite, 1 process', 'PostgreSQL, 1 process', 'PostgreSQL, 2 processes'] as const;
type Configuration = (typeof CONFIGURATIONS)[number];

interface Scenario {
  name: string;
  /** Path, given the ids the detail scenarios read. */
  path: (ids: Ids) => string;
  options: LoadOptions;
  drf: { rps: number; goal: number };
  /** Ratios to the bare server to reach (issue 13), per configuration. */
  targets: Partial<Record<Configuration, number>>;
  /** Measured on SQLite only. */
  sqliteOnly?: boolean;
}

interface Ids {
  taskId: number;
  sprintId: number;
}

interface Row {
  scenario: Scenario;
  baseline: Measured;
  results: Partial<Record<Configuration, Measured>>;
}

/** Where a configuration's load goes. */
interface Target {
  configuration: Configuration;
  /** One server, or two sharing the load. */
  servers: ChildServer[];
  ids: Ids;
}

function scenarios(): Scenario[] {
  const tokenAuth = { Authorization: `Token ${TOKEN}`, Accept: 'application/json' };
  const basicAuth = { Authorization: `Basic ${Buffer.from('bench:bench-password').toString('base64')}`, Accept: 'application/json' };
  const createBody = JSON.stringify({ name: 'Benchmarked task', description: 'created under load', order: 1 });
  const read = { 'SQLite, 1 process': 0.5, 'PostgreSQL, 1 process': 0.35 };
  return [
    { name: `GET /api/tasks/?page_size=25 (of ${TASKS})`, path: () => '/api/tasks/?page_size=25', options: { headers: tokenAuth }, drf: DRF.list, targets: read },
    { name: 'GET /api/tasks/<id>/', path: ({ taskId }) => `/api/tasks/${taskId}/`, options: { headers: tokenAuth }, drf: DRF.detail, targets: {} },
    { name: 'GET /api/sprints/<id>/', path: ({ sprintId }) => `/api/sprints/${sprintId}/`, options: { headers: tokenAuth }, drf: DRF.detail, targets: read },
    { name: 'GET /api/tasks/ (Basic)', path: () => '/api/tasks/', options: { headers: basicAuth }, drf: DRF.basic, targets: {}, sqliteOnly: true },
    // Last: it adds tasks, which the list scenario would otherwise count.
    {
      name: 'POST /api/tasks/',
      path: () => '/api/tasks/',
      options: { method: 'POST', headers: { ...tokenAuth, 'Content-Type': 'application/json' }, body: createBody },
      drf: DRF.create,
      targets: { 'SQLite, 1 process': 0.35, 'PostgreSQL, 1 process': 0.15 },
    },
  ];
}

/** The bench user (with a fixed token) and TASKS tasks, written through the store as the app would. */
async function seed(database: { databasePath: string; databaseUrl: string | null }): Promise<Ids> {
  const store = await openStore(database);
  try {
    await createUser(store, { username: 'bench', password: 'bench-password' });
    const user = (await store.get('user', 'username', 'bench'))!;
    return await store.transaction(async (tx) => {
      const sprint = await tx.insert('sprint', { name: 'Bench sprint', description: '', end: '2999-12-31' });
      // Tasks as a team has them: points, and up to two of three labels.
      const labels: number[] = [];
      for (const [name, colour] of [['bug', 'red'], ['ux', 'blue'], ['backend', 'green']]) labels.push((await tx.insert('label', { name: name!, colour: colour! })).id);
      let last = 0;
      for (let i = 0; i < TASKS; i++) {
        const taskLabels = [labels[i % 3]!, ...(i % 2 ? [labels[(i + 1) % 3]!] : [])].sort((a, b) => a - b).join(',');
        last = (await tx.insert('task', { ...benchTask(i, sprint.id, user.id), points: [1, 2, 3, 5, 8][i % 5]!, labels: taskLabels })).id;
      }
      await tx.tokenFor(user.id, () => TOKEN);
      return { taskId: last, sprintId: sprint.id };
    });
  } finally {
    await store.close();
  }
}

// ---------------------------------------------------------------- PostgreSQL: a database of the run's own

/** How to get PostgreSQL (and Redis) into a benchmark run. */
export const ENABLE_SERVICES = '`source .ci/services.sh` (or set BENCH_POSTGRES_URL / BENCH_REDIS_URL) and run again';

/**
 * A new empty database on the server BENCH_POSTGRES_URL or TEST_POSTGRES_URL
 * names, for this run only (drop() it at the end); null when neither is set.
 */
export async function benchPostgresDatabase(): Promise<{ url: string; drop(): Promise<void> } | null> {
  const serverUrl = process.env.BENCH_POSTGRES_URL || process.env.TEST_POSTGRES_URL;
  return serverUrl ? createDatabase(serverUrl, 'lw_bench') : null;
}

// ---------------------------------------------------------------- measuring

const appServer = (env: Record<string, string>) =>
  // Empty values count as unset: a DATABASE_URL or REDIS_URL of the caller's shell must not creep in.
  startServer(path.join(ROOT, 'test/fixtures/app-process.ts'), { SERVICES: 'board', DEBUG: 'off', SECRET_KEY, DATABASE_URL: '', REDIS_URL: '', ...env });

/** One process takes all the connections; two take half each, at the same time. */
function measureTarget(target: Target, scenario: Scenario, duration?: number): Promise<Measured> {
  const connections = Math.max(1, Math.floor(CONNECTIONS / target.servers.length));
  return measure(target.servers, async () =>
    combine(await Promise.all(target.servers.map((server) => load(`${server.url}${scenario.path(target.ids)}`, { ...scenario.options, connections, duration })))),
  );
}

/** Several load generators as one: requests per second add up, latency is the worse one's. */
function combine(results: LoadResult[]): LoadResult {
  return {
    requestsPerSecond: results.reduce((sum, r) => sum + r.requestsPerSecond, 0),
    p50: Math.max(...results.map((r) => r.p50)),
    p99: Math.max(...results.map((r) => r.p99)),
    max: Math.max(...results.map((r) => r.max)),
    errors: results.reduce((sum, r) => sum + r.errors, 0),
    non2xx: results.reduce((sum, r) => sum + r.non2xx, 0),
  };
}

async function runScenario(scenario: Scenario, targets: Target[]): Promise<Row> {
  console.log(`\n${scenario.name}`);
  const [sqlite] = targets;
  const { options } = scenario;
  const sample = await capture(`${sqlite!.servers[0]!.url}${scenario.path(sqlite!.ids)}`, { method: options.method ?? 'GET', headers: options.headers, body: options.body });
  if (sample.status >= 300) throw new Error(`${scenario.name}: ${sample.status} ${sample.body.toString().slice(0, 200)}`);
  const bare = await startBareServer(sample);
  try {
    const measured = targets.filter((target) => !scenario.sqliteOnly || target.configuration === 'SQLite, 1 process');
    const bareRun = (duration?: number) => measure(bare, () => load(`${bare.url}${scenario.path(sqlite!.ids)}`, { ...options, duration }));
    const contestants: Record<string, () => Promise<Measured>> = { bare: () => bareRun() };
    // Warm-up: JIT, connection pools, caches.
    const warmUp: Record<string, () => Promise<unknown>> = { bare: () => bareRun(1) };
    for (const target of measured) {
      contestants[target.configuration] = () => measureTarget(target, scenario);
      warmUp[target.configuration] = () => measureTarget(target, scenario, 1);
    }
    const best = await alternate(contestants, warmUp);
    const row: Row = { scenario, baseline: best.bare!, results: {} };
    report(`  bare node:http, ${sample.body.length} B`, row.baseline);
    for (const target of measured) {
      const result = best[target.configuration]!;
      row.results[target.configuration] = result;
      report(`  ${target.configuration}`, result, row.baseline, scenario.targets[target.configuration]);
    }
    const multiple = row.results['SQLite, 1 process']!.requestsPerSecond / scenario.drf.rps;
    const goal = `goal ${scenario.drf.goal}x ${multiple >= scenario.drf.goal ? 'met' : 'NOT met'}`;
    console.log(`${''.padEnd(40)} SQLite: ${fmt(multiple, 1)}x the book's DRF API (${scenario.drf.rps} req/s); ${goal}`);
    return row;
  } finally {
    await bare.stop();
  }
}

/** scenario × configuration: req/s, ratio to the bare server of the same row, server CPU per request. */
function printTable(rows: Row[], configurations: readonly Configuration[]): void {
  const NAME = 40;
  const CELL = 34;
  const cell = (result: Measured | undefined, bare: Measured) => {
    if (!result) return '—'.padStart(12).padEnd(CELL);
    const problems = result.errors || result.non2xx ? '!' : ' ';
    const text = `${fmt(result.requestsPerSecond).padStart(7)}  ${(result.requestsPerSecond / bare.requestsPerSecond).toFixed(2)}x  ${fmt(result.cpuMs, 3)} ms${problems}`;
    return text.padEnd(CELL);
  };
  console.log('\nreq/s, ratio to the bare server of the row (same run), server CPU per request');
  console.log(`${''.padEnd(NAME)} ${'bare node:http'.padEnd(CELL)}${configurations.map((c) => c.padEnd(CELL)).join('')}`.trimEnd());
  for (const row of rows) {
    const bare = `${fmt(row.baseline.requestsPerSecond).padStart(7)}         ${fmt(row.baseline.cpuMs, 3)} ms`.padEnd(CELL);
    console.log(`${row.scenario.name.padEnd(NAME)} ${bare}${configurations.map((c) => cell(row.results[c], row.baseline)).join('')}`.trimEnd());
  }
  if (rows.some((row) => Object.values(row.results).some((r) => r.errors || r.non2xx))) console.log('! errors or non-2xx answers: see above');
}

export async function run(): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'lightweight-bench-'));
  const databasePath = path.join(dir, 'board.sqlite3');
  const postgres = await benchPostgresDatabase();
  if (!postgres) console.log(`PostgreSQL is not configured: SQLite only. For both, ${ENABLE_SERVICES}.`);
  const servers: ChildServer[] = [];
  try {
    const targets: Target[] = [];
    const sqlite = await seed({ databasePath, databaseUrl: null });
    const sqliteServer = await appServer({ DATABASE_PATH: databasePath });
    servers.push(sqliteServer);
    targets.push({ configuration: 'SQLite, 1 process', servers: [sqliteServer], ids: sqlite });

    if (postgres) {
      const ids = await seed({ databasePath: '', databaseUrl: postgres.url });
      // Both serve throughout; the one-process figures use the first only.
      const pair = await Promise.all([appServer({ DATABASE_URL: postgres.url }), appServer({ DATABASE_URL: postgres.url })]);
      servers.push(...pair);
      targets.push({ configuration: 'PostgreSQL, 1 process', servers: [pair[0]], ids });
      targets.push({ configuration: 'PostgreSQL, 2 processes', servers: pair, ids });
    }

    const rows: Row[] = [];
    for (const scenario of scenarios()) rows.push(await runScenario(scenario, targets));
    printTable(rows, CONFIGURATIONS.filter((c) => targets.some((t) => t.configuration === c)));
  } finally {
    await Promise.all(servers.map((server) => server.stop()));
    await postgres?.drop();
    rmSync(dir, { recursive: true, force: true });
  }
}
