// `npm run bench -- history`: what task history costs the writes that
// record it, and how fast a burndown is computed from it.
//
// Writes: creating tasks (POST) and changing them (PATCH, a different order
// each time, so that every request records an entry) on a board of 1000
// tasks, measured with wrk against this code and, in the same run, against
// the code from just before history (the commit before "Task history and
// sprint burndown on both engines", taken with `git archive`; BENCH_BASELINE
// names another commit). Each gets a fresh SQLite database seeded by its own
// code. Both servers run throughout and are measured in turn, ROUNDS times,
// so that a busy moment of the machine falls on both alike; each figure is
// the median round. The goal: writes keep at least 85% of their throughput.
// Server CPU per request comes from /proc/<pid>/stat.
//
// Burndown: a sprint of 500 tasks with points and 20 changes each (10,000
// entries), GET /api/sprints/<id>/burndown/ one request at a time (latency),
// then under load with wrk: by tasks, by points, and the velocity of the last
// sprints, each beside a bare node:http server replaying the same response
// (the ratio says what the app's own work costs). Burndowns are cached per
// sprint until a commit touches that sprint; the goal is 1,000 requests/s
// under 32 connections. Then the burndown again while one more connection
// keeps changing the points of another sprint's tasks (a team working on its
// board next door): those writes must leave this sprint's burndown cached.
import { execFile, execFileSync, execSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { benchTask, capture, fmt, ROOT, startBareServer, startServer, type ChildServer } from './lib.ts';

const TASKS = 1000;
const CONNECTIONS = 32;
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const TOKEN = 'b'.repeat(40);
const SECRET_KEY = 'bench-secret-key-that-is-long-enough-to-pass';
const GOAL = 0.85;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const BURNDOWN = { tasks: 500, changes: 20, requests: 200, goal: 1000, neighbourTasks: 20 };
const HISTORY_COMMIT_SUBJECT = 'Task history and sprint burndown on both engines';

interface WrkResult {
  requestsPerSecond: number;
  p50: number;
  p99: number;
  requests: number;
  non2xx: number;
  errors: number;
  /** Server CPU (user + system) per request, in ms. */
  cpuPerRequest: number;
}

/** The commit before history: BENCH_BASELINE, or the parent of the commit that added it. */
function baselineCommit(): string {
  if (process.env.BENCH_BASELINE) return process.env.BENCH_BASELINE;
  const added = execFileSync('git', ['log', '--format=%H', '-1', '--fixed-strings', `--grep=${HISTORY_COMMIT_SUBJECT}`], { cwd: ROOT, encoding: 'utf8' }).trim();
  if (!added) throw new Error(`No commit "${HISTORY_COMMIT_SUBJECT}" in this repository's history: set BENCH_BASELINE to the commit to compare with.`);
  return `${added}^`;
}

/** That commit's tree in `dir`, using this checkout's node_modules. */
function extract(commit: string, dir: string): void {
  mkdirSync(dir, { recursive: true });
  execSync(`git archive ${commit} | tar -x -C ${JSON.stringify(dir)}`, { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
}

/** The bench user (fixed token) and TASKS tasks, written by the code in `root` (its own schema). */
async function seed(root: string, databasePath: string): Promise<{ taskIds: number[] }> {
  const { openStore } = (await import(pathToFileURL(path.join(root, 'src/board/store.ts')).href)) as typeof import('../src/board/store.ts');
  const { createUser } = (await import(pathToFileURL(path.join(root, 'src/board/users.ts')).href)) as typeof import('../src/board/users.ts');
  const store = await openStore({ databasePath, databaseUrl: null });
  try {
    await createUser(store, { username: 'bench', password: 'bench-password' });
    const user = (await store.get('user', 'username', 'bench'))!;
    return await store.transaction(async (tx) => {
      const sprint = await tx.insert('sprint', { name: 'Bench sprint', description: '', end: '2999-12-31' });
      const taskIds: number[] = [];
      for (let i = 0; i < TASKS; i++) {
        const task = await tx.insert('task', benchTask(i, sprint.id, user.id));
        taskIds.push(task.id);
      }
      await tx.tokenFor(user.id, () => TOKEN);
      return { taskIds };
    });
  } finally {
    await store.close();
  }
}

function appServer(root: string, databasePath: string): Promise<ChildServer> {
  return startServer(path.join(root, 'test/fixtures/app-process.ts'), {
    APP_PROCESS_LOG: 'discard',
    SERVICES: 'board',
    DEBUG: 'off',
    SECRET_KEY,
    DATABASE_PATH: databasePath,
    DATABASE_URL: '',
    REDIS_URL: '',
  });
}

/** User + system CPU time of a process so far, in ms. */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14 and 15 of stat)
  return (ticks * 1000) / Number(execSync('getconf CLK_TCK', { encoding: 'utf8' }));
}

const ms = (text: string): number => {
  const match = /([\d.]+)(us|ms|s)/.exec(text);
  if (!match) return Number.NaN;
  const value = Number(match[1]);
  return match[2] === 'us' ? value / 1000 : match[2] === 's' ? value * 1000 : value;
};

/** wrk for `seconds` against the server, with a Lua script choosing each request. */
function wrk(server: ChildServer, script: string, scriptDir: string, seconds = SECONDS): WrkResult {
  const before = cpuMs(server.child.pid!);
  const out = execFileSync('wrk', wrkArguments(server, script, scriptDir, seconds), { encoding: 'utf8' });
  return wrkResult(out, cpuMs(server.child.pid!) - before);
}

function wrkArguments(server: ChildServer, script: string, scriptDir: string, seconds: number, connections = CONNECTIONS): string[] {
  const file = path.join(scriptDir, `script-${Math.random().toString(36).slice(2)}.lua`);
  writeFileSync(file, script);
  return [`-t${Math.min(2, connections)}`, `-c${connections}`, `-d${seconds}s`, '--latency', '-s', file, server.url];
}

/**
 * Two wrk runs at once against one server (the load, and one connection
 * writing meanwhile); each one's figures, the server's CPU charged to the
 * load's requests.
 */
async function wrkWhileWriting(server: ChildServer, script: string, writer: string, scriptDir: string): Promise<{ load: WrkResult; writes: WrkResult }> {
  const before = cpuMs(server.child.pid!);
  const [load, writes] = await Promise.all([
    promisify(execFile)('wrk', wrkArguments(server, script, scriptDir, SECONDS), { encoding: 'utf8' }),
    promisify(execFile)('wrk', wrkArguments(server, writer, scriptDir, SECONDS, 1), { encoding: 'utf8' }),
  ]);
  const cpu = cpuMs(server.child.pid!) - before;
  return { load: wrkResult(load.stdout, cpu), writes: wrkResult(writes.stdout, Number.NaN) };
}

function wrkResult(out: string, cpu: number): WrkResult {
  const requests = Number(/(\d+) requests in/.exec(out)?.[1] ?? 0);
  const socketErrors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  return {
    requestsPerSecond: Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? 0),
    // The distribution's lines, not the "+/- Stdev" percentage of the summary.
    p50: ms(/\n\s+50%\s+(\S+)/.exec(out)?.[1] ?? ''),
    p99: ms(/\n\s+99%\s+(\S+)/.exec(out)?.[1] ?? ''),
    requests,
    non2xx: Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0),
    errors: socketErrors ? socketErrors.slice(1).reduce((sum, n) => sum + Number(n), 0) : 0,
    cpuPerRequest: requests ? cpu / requests : Number.NaN,
  };
}

const AUTH_HEADERS = `wrk.headers["Authorization"] = "Token ${TOKEN}"
wrk.headers["Accept"] = "application/json"
wrk.headers["Content-Type"] = "application/json"`;

const createScript = `${AUTH_HEADERS}
wrk.method = "POST"
wrk.path = "/api/tasks/"
wrk.body = '{"name": "Benchmarked task", "description": "created under load", "order": 1}'`;

/** Each PATCH a different task and order, so every one changes something (and records an entry). */
const updateScript = (taskIds: number[]) => `${AUTH_HEADERS}
local ids = { ${taskIds.join(', ')} }
local n = 0
request = function()
  n = n + 1
  local id = ids[math.random(#ids)]
  return wrk.format("PATCH", "/api/tasks/" .. id .. "/", nil, '{"order": ' .. (n % 30000) .. '}')
end`;

function line(name: string, result: WrkResult, baseline?: WrkResult): void {
  const ratio = baseline ? `  ${(result.requestsPerSecond / baseline.requestsPerSecond).toFixed(2)}x before` : '';
  const problems = result.errors || result.non2xx ? `  (${result.errors} socket errors, ${result.non2xx} non-2xx)` : '';
  console.log(
    `${name.padEnd(40)} ${fmt(result.requestsPerSecond).padStart(7)} req/s  p50 ${fmt(result.p50, 1)} ms  p99 ${fmt(result.p99, 1)} ms  CPU ${fmt(result.cpuPerRequest, 2)} ms/req${ratio}${problems}`,
  );
}

async function writes(dir: string): Promise<void> {
  const commit = baselineCommit();
  const beforeRoot = path.join(dir, 'before');
  extract(commit, beforeRoot);
  console.log(`Writes on SQLite, ${TASKS} tasks, ${CONNECTIONS} connections, ${SECONDS} s each; "before" is ${execFileSync('git', ['rev-parse', '--short', commit], { cwd: ROOT, encoding: 'utf8' }).trim()}`);
  const trees = [
    { name: 'before history', root: beforeRoot },
    { name: 'with history', root: ROOT },
  ];
  const servers: Array<{ name: string; server: ChildServer; scripts: Record<string, string> }> = [];
  const rounds: Record<string, Record<string, WrkResult[]>> = {};
  try {
    for (const tree of trees) {
      const databasePath = path.join(dir, `${tree.name.replaceAll(' ', '-')}.sqlite3`);
      const { taskIds } = await seed(tree.root, databasePath);
      const server = await appServer(tree.root, databasePath);
      servers.push({ name: tree.name, server, scripts: { 'PATCH /api/tasks/<id>/': updateScript(taskIds), 'POST /api/tasks/': createScript } });
      rounds[tree.name] = { 'PATCH /api/tasks/<id>/': [], 'POST /api/tasks/': [] };
      for (const script of Object.values(servers.at(-1)!.scripts)) wrk(server, script, dir, 1); // warm-up: JIT, statement caches
    }
    for (let round = 0; round < ROUNDS; round++) {
      for (const scenario of ['PATCH /api/tasks/<id>/', 'POST /api/tasks/']) {
        // Each round the other one goes first.
        const order = round % 2 ? [...servers].reverse() : servers;
        for (const { name, server, scripts } of order) rounds[name]![scenario]!.push(wrk(server, scripts[scenario]!, dir));
      }
    }
  } finally {
    await Promise.all(servers.map(({ server }) => server.stop()));
  }
  const median = (results: WrkResult[]) => [...results].sort((a, b) => a.requestsPerSecond - b.requestsPerSecond)[Math.floor(results.length / 2)]!;
  for (const scenario of ['POST /api/tasks/', 'PATCH /api/tasks/<id>/']) {
    console.log(`\n${scenario} (median of ${ROUNDS} rounds; each round's req/s: before ${rounds['before history']![scenario]!.map((r) => fmt(r.requestsPerSecond)).join(', ')}; with ${rounds['with history']![scenario]!.map((r) => fmt(r.requestsPerSecond)).join(', ')})`);
    const before = median(rounds['before history']![scenario]!);
    const after = median(rounds['with history']![scenario]!);
    line('  before history', before);
    line('  with history', after, before);
    const kept = after.requestsPerSecond / before.requestsPerSecond;
    console.log(`${''.padEnd(40)} keeps ${(kept * 100).toFixed(0)}% of its throughput; goal ${GOAL * 100}% ${kept >= GOAL ? 'met' : 'NOT met'}`);
  }
}

async function burndown(dir: string): Promise<void> {
  const { openStore } = await import('../src/board/store.ts');
  const { createUser } = await import('../src/board/users.ts');
  const databasePath = path.join(dir, 'burndown.sqlite3');
  const store = await openStore({ databasePath, databaseUrl: null });
  let sprintId: number;
  let neighbourTasks: number[];
  try {
    await createUser(store, { username: 'bench', password: 'bench-password' });
    const user = (await store.get('user', 'username', 'bench'))!;
    const end = new Date(Date.now() + 13 * 86_400_000);
    // The changes spread over the sprint's days so far: the store's clock stands at each one's time.
    const start = Date.now() - 6 * 86_400_000;
    sprintId = await store.transaction(async (tx) => {
      store.clock.now = () => new Date(start);
      const sprint = await tx.insert('sprint', { name: 'Burndown', description: '', end: `${end.getFullYear()}-${String(end.getMonth() + 1).padStart(2, '0')}-${String(end.getDate()).padStart(2, '0')}` });
      for (let i = 0; i < BURNDOWN.tasks; i++) {
        store.clock.now = () => new Date(start + i * 1000);
        const task = await tx.insert('task', { name: `Task ${i}`, description: '', sprint: sprint.id, points: [1, 2, 3, 5, 8][i % 5]! }, { by: 'bench' });
        for (let change = 1; change < BURNDOWN.changes; change++) {
          store.clock.now = () => new Date(start + (change * 6 * 86_400_000) / BURNDOWN.changes + i * 1000);
          const status = change === BURNDOWN.changes - 1 && i % 3 === 0 ? 4 : 1 + (change % 3);
          await tx.update('task', task.id, { status, order: change, started: status === 1 ? null : '2024-01-01', completed: status === 4 ? '2024-01-02' : null }, { by: 'bench' });
        }
      }
      await tx.tokenFor(user.id, () => TOKEN);
      return sprint.id;
    });
    store.clock.now = () => new Date();
    neighbourTasks = await store.transaction(async (tx) => {
      const next = await tx.insert('sprint', { name: 'Next door', description: '', end: '2999-12-31' });
      const ids: number[] = [];
      for (let i = 0; i < BURNDOWN.neighbourTasks; i++) ids.push((await tx.insert('task', { name: `Neighbour ${i}`, description: '', sprint: next.id, points: 1 }, { by: 'bench' })).id);
      return ids;
    });
    const entries = await store.countHistory({ sprint: sprintId });
    console.log(`\nBurndown of a sprint of ${BURNDOWN.tasks} tasks with ${BURNDOWN.changes} changes each (${fmt(entries)} history entries), SQLite`);
  } finally {
    await store.close();
  }
  const server = await appServer(ROOT, databasePath);
  try {
    const url = `${server.url}/api/sprints/${sprintId}/burndown/`;
    const headers = { Authorization: `Token ${TOKEN}`, Accept: 'application/json' };
    const first = await fetch(url, { headers });
    if (!first.ok) throw new Error(`burndown: ${first.status} ${await first.text()}`);
    const days = ((await first.json()) as { days: unknown[] }).days.length;
    const times: number[] = [];
    for (let i = 0; i < BURNDOWN.requests; i++) {
      const started = performance.now();
      const reply = await fetch(url, { headers });
      await reply.arrayBuffer();
      times.push(performance.now() - started);
    }
    times.sort((a, b) => a - b);
    const at = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))]!;
    console.log(`  one at a time (${BURNDOWN.requests} requests, ${days} days): p50 ${fmt(at(0.5), 1)} ms  p99 ${fmt(at(0.99), 1)} ms  max ${fmt(times.at(-1)!, 1)} ms`);
    for (const [name, target] of [
      ['burndown', `/api/sprints/${sprintId}/burndown/`],
      ['burndown ?by=points', `/api/sprints/${sprintId}/burndown/?by=points`],
      ['velocity', '/api/sprints/velocity/'],
    ]) {
      const bare = await startBareServer(await capture(`${server.url}${target}`, { headers }));
      try {
        const script = `${AUTH_HEADERS}\nwrk.path = "${target}"`;
        wrk(server, script, dir, 1);
        wrk(bare, script, dir, 1);
        // Alternating, best of each kept: a busy moment of the machine falls on both alike.
        const results = { app: [] as WrkResult[], bare: [] as WrkResult[] };
        for (let round = 0; round < 2; round++) {
          for (const which of round % 2 ? (['bare', 'app'] as const) : (['app', 'bare'] as const)) results[which].push(wrk(which === 'app' ? server : bare, script, dir));
        }
        const best = (list: WrkResult[]) => list.reduce((a, b) => (b.requestsPerSecond > a.requestsPerSecond ? b : a));
        const app = best(results.app);
        console.log(`  ${name}, under load (${CONNECTIONS} connections):`);
        line('    bare node:http', best(results.bare));
        line('    app', app);
        const ratio = app.requestsPerSecond / best(results.bare).requestsPerSecond;
        console.log(`${''.padEnd(42)}${(ratio * 100).toFixed(0)}% of bare; goal ${fmt(BURNDOWN.goal)} req/s ${app.requestsPerSecond >= BURNDOWN.goal ? 'met' : 'NOT met'}`);
      } finally {
        await bare.stop();
      }
    }
    const target = `/api/sprints/${sprintId}/burndown/`;
    // Each PATCH a different number of points, so every one is a write that changes the other sprint's burndown.
    const writer = `${AUTH_HEADERS}
local ids = { ${neighbourTasks.join(', ')} }
local n = 0
request = function()
  n = n + 1
  return wrk.format("PATCH", "/api/tasks/" .. ids[math.random(#ids)] .. "/", nil, '{"points": ' .. (n % 13) .. '}')
end`;
    const runs = [];
    for (let round = 0; round < 2; round++) runs.push(await wrkWhileWriting(server, `${AUTH_HEADERS}\nwrk.path = "${target}"`, writer, dir));
    const best = runs.reduce((a, b) => (b.load.requestsPerSecond > a.load.requestsPerSecond ? b : a));
    console.log(`  burndown, under load (${CONNECTIONS} connections) while 1 more connection changes the points of another sprint's tasks (best of ${runs.length}):`);
    line('    burndown', best.load);
    line('    writes to the other sprint', best.writes);
    console.log(`${''.padEnd(42)}goal ${fmt(BURNDOWN.goal)} req/s ${best.load.requestsPerSecond >= BURNDOWN.goal ? 'met' : 'NOT met'}`);
  } finally {
    await server.stop();
  }
}

export async function run(): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'lightweight-bench-history-'));
  try {
    // BENCH_HISTORY=burndown measures only the burndown and velocity.
    if (process.env.BENCH_HISTORY !== 'burndown') await writes(dir);
    await burndown(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
