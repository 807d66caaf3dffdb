// The board on PostgreSQL (node-postgres), for several app processes sharing
// one database. A pool of connections serves queries and transactions; one
// more connection LISTENs for the commits of every process, so that each
// process's caches forget what another one changed. Losing the server is
// logged once, reported by health(), answered with 503, and recovered from
// on its own.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { createOutageLog, type DependencyHealth, type OutageLog } from '../health.ts';
import { addressOf } from '../settings.ts';
import { ChartVersions, decodeChanges, encodeChanges, PendingChanges, type ChartChanges } from './chart-versions.ts';
import { localDate } from './clock.ts';
import { MIGRATIONS, migrationSql, tooNew } from './migrations.ts';
import { columnOf, DatabaseUnavailable, ID_TABLES, MissingReference, Queries, StoreOpenError, UniqueViolation, type Dialect, type Executor, type SqlValue, type Store } from './store.ts';

/**
 * The channel every committed write notifies. The payload names the store
 * that wrote (which moved its own counters at commit and ignores the echo),
 * then the sprints whose charts it touched (chart-versions.ts), followed by
 * " credentials" when the write changed tokens, passwords or users.
 */
const CHANNEL = 'lightweight_board';
const CREDENTIALS = ' credentials';
/** Any constant: the advisory lock that lets one starting process migrate while the others wait. */
const MIGRATION_LOCK = 7_262_022;
const RETRYABLE = new Set(['40001', '40P01']); // serialization failure, deadlock
const ATTEMPTS = 3;
const INT8 = 20;
const DATE = 1082;

// Ids as numbers (they are far below 2^53), dates as the YYYY-MM-DD text the API shows.
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') => {
    if (oid === INT8) return (value: string) => Number(value);
    if (oid === DATE) return (value: string) => value;
    return pg.types.getTypeParser(oid, format);
  }) as typeof pg.types.getTypeParser,
};

/**
 * Our SQL as a named prepared statement, with PostgreSQL's `$1, $2, ...` for
 * `?` (our SQL has no `?` of its own): each connection parses and plans a
 * query once, then only binds values. Clients can vary list queries without
 * end (orderings, filters, search words), and a connection keeps what it
 * prepared, so only the first few hundred texts get a name.
 */
const MAX_PREPARED = 300;
const prepared = new Map<string, { name?: string; text: string }>();
function statement(sql: string): { name?: string; text: string } {
  let found = prepared.get(sql);
  if (found === undefined) {
    let n = 0;
    const text = sql.replace(/\?/g, () => `$${++n}`);
    if (prepared.size >= MAX_PREPARED) return { text };
    found = { name: `lw${prepared.size}`, text };
    prepared.set(sql, found);
  }
  return found;
}

const CONNECTION_ERRORS = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

/** Why the server cannot be used right now, or null if the error is about the query. */
function unavailability(error: unknown): string | null {
  const e = error as { code?: string; message?: string };
  if (e.code && (CONNECTION_ERRORS.has(e.code) || e.code.startsWith('08') || e.code.startsWith('57P') || e.code === '53300')) {
    return e.code === '53300' ? 'too many connections' : 'connection lost';
  }
  if (/Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Connection refused/i.test(e.message ?? '')) {
    return 'cannot connect';
  }
  return null;
}

/** PostgreSQL's refusals as the store's typed errors. */
function translate(error: unknown): unknown {
  const e = error as { code?: string; table?: string; constraint?: string };
  if (e.code === '23505' && e.table && e.constraint) {
    // Constraints are named <table>_<column>_unique by the migrations.
    const column = e.constraint.slice(e.table.length + 1).replace(/_unique$/, '');
    const known = columnOf(e.table, column);
    if (known) return new UniqueViolation(known.model, known.column);
  }
  if (e.code === '23503' && e.table && e.constraint) {
    const column = e.constraint.slice(e.table.length + 1).replace(/_fkey$/, '');
    return new MissingReference(columnOf(e.table, column)?.column ?? null);
  }
  const reason = unavailability(error);
  return reason ? new DatabaseUnavailable(reason) : error;
}

class PostgresExecutor implements Executor {
  readonly client: pg.Pool | pg.PoolClient;
  constructor(client: pg.Pool | pg.PoolClient) {
    this.client = client;
  }

  async all(sql: string, params: SqlValue[]): Promise<Array<Record<string, unknown>>> {
    try {
      return (await this.client.query({ ...statement(sql), values: params })).rows;
    } catch (error) {
      throw translate(error);
    }
  }

  async run(sql: string, params: SqlValue[]): Promise<number> {
    try {
      return (await this.client.query({ ...statement(sql), values: params })).rowCount ?? 0;
    } catch (error) {
      throw translate(error);
    }
  }
}

/**
 * A value as an SQL literal, for a statement sent in the simple protocol:
 * quoted like an untyped parameter (so PostgreSQL infers its type the same
 * way), escaped by node-postgres. Null when it cannot be sent so (a NUL
 * character, which the simple protocol cannot carry; as a parameter it is refused as before).
 */
function literal(value: SqlValue): string | null {
  if (value === null) return 'NULL';
  const text = String(value);
  return text.includes('\0') ? null : pg.escapeLiteral(text);
}

/** `sql` with its `?`s replaced by the values as literals; null if one cannot be. */
function inlined(sql: string, params: SqlValue[]): string | null {
  const literals = params.map(literal);
  if (literals.includes(null)) return null;
  let i = 0;
  return sql.replace(/\?/g, () => literals[i++]!);
}

/**
 * One transaction's statements on its connection. Writes whose outcome
 * nobody reads (Executor.later) wait: the next statement sends them first;
 * the commit sends them in its own round trip, with the notification.
 */
class TransactionExecutor extends PostgresExecutor {
  #later: Array<{ sql: string; params: SqlValue[] }> = [];

  override readonly client: pg.PoolClient;
  constructor(client: pg.PoolClient) {
    super(client);
    this.client = client;
  }

  later(sql: string, params: SqlValue[]): void {
    this.#later.push({ sql, params });
  }

  override async all(sql: string, params: SqlValue[]): Promise<Array<Record<string, unknown>>> {
    await this.#sendLater();
    return super.all(sql, params);
  }

  override async run(sql: string, params: SqlValue[]): Promise<number> {
    await this.#sendLater();
    return super.run(sql, params);
  }

  async #sendLater(): Promise<void> {
    const waiting = this.#later;
    this.#later = [];
    for (const { sql, params } of waiting) await super.run(sql, params);
  }

  /** Commits (sending the waiting writes first) with `finish`, SQL that ends the transaction. */
  async commit(finish: string): Promise<void> {
    const texts = this.#later.map(({ sql, params }) => inlined(sql, params));
    if (texts.includes(null)) await this.#sendLater();
    else this.#later = [];
    // Errors as they come: the transaction translates them, after deciding whether to retry.
    await this.client.query([...texts.filter((text) => text !== null), finish].join('; '));
  }
}

const DIALECT: Dialect = {
  lock: (target) => ` FOR UPDATE OF ${target}`,
  writesInWith: true,
  nextIds: `SELECT t.name, coalesce(pg_sequence_last_value(pg_get_serial_sequence(t.name, 'id')::regclass) + 1, 1) AS next
    FROM (VALUES ${ID_TABLES.map((table) => `('${table}')`).join(', ')}) AS t (name)`,
  idList: (table, owner, item, id) => `coalesce((SELECT string_agg(${item}::text, ',' ORDER BY ${item}) FROM ${table} WHERE ${owner} = ${id}), '')`,
  setNextId: (table) => [`SELECT setval(pg_get_serial_sequence('${table}', 'id'), ?, false)`],
};

/** The queries of one transaction, noting whether it changed credentials and which sprints' charts it touched (its commit then says so to every process). */
class TransactionQueries extends Queries {
  changedCredentials = false;
  readonly chartsTouched = new PendingChanges();
  protected override credentialsChanged(): void {
    this.changedCredentials = true;
  }
  protected override chartsChanged(changes: ChartChanges): void {
    this.chartsTouched.add(changes);
  }
}

class PostgresStore extends Queries implements Store {
  readonly engine = 'postgresql' as const;
  readonly location: string;
  readonly #pool: pg.Pool;
  readonly #url: string;
  #listener: pg.Client | null = null;
  #listening = false;
  #generation = 0;
  #credentials = 0;
  readonly #charts = new ChartVersions();
  /** Names this store in its notifications. */
  readonly #id = randomBytes(8).toString('hex');
  #retryMs = 250;
  #retryTimer: NodeJS.Timeout | null = null;
  readonly #outage: OutageLog;
  #closed = false;

  constructor(pool: pg.Pool, url: string, log: (line: string) => void) {
    super(new PostgresExecutor(pool), DIALECT);
    this.#pool = pool;
    this.#url = url;
    this.location = addressOf(url);
    this.#outage = createOutageLog(log, {
      lost: (reason) => `PostgreSQL at ${this.location} unreachable: ${reason}. Board requests answer 503 until it is back.`,
      back: `PostgreSQL at ${this.location} is back.`,
    });
    // An idle connection that breaks must not crash the process; the pool replaces it on demand.
    pool.on('error', (error) => this.#lost(error));
  }

  /**
   * Our commits move it at once; other processes' through their NOTIFY. While
   * the LISTEN connection is down, other processes' writes would go unseen,
   * so it moves on every call and caches keep nothing.
   */
  generation(): number {
    return this.#listening ? this.#generation : ++this.#generation;
  }

  /** Ours at once (after the commit); other processes' when their notification arrives; null while we cannot hear them. */
  credentialsVersion(): number | null {
    return this.#listening ? this.#credentials : null;
  }

  /** Ours at once (after the commit); other processes' when their notification arrives; never the same twice while we cannot hear them. */
  chartsStamp(of: number | 'any'): string {
    return this.#listening ? this.#charts.stamp(of) : `unheard ${this.generation()}`;
  }

  /** Credentials written outside a transaction (each statement its own commit): tell every process, after the fact. */
  protected override credentialsChanged(): void {
    this.#credentials++;
    this.#notify(`${this.#id}${encodeChanges(new Set())}${CREDENTIALS}`);
  }

  /** Charts touched outside a transaction: likewise. */
  protected override chartsChanged(changes: ChartChanges): void {
    this.#charts.moved(changes);
    this.#notify(`${this.#id}${encodeChanges(changes)}`);
  }

  #notify(payload: string): void {
    this.#pool.query(`SELECT pg_notify('${CHANNEL}', $1)`, [payload]).catch((error: unknown) => this.#lost(error));
  }

  async transaction<T>(work: (tx: Queries) => Promise<T>, { readOnly = false } = {}): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      let client: pg.PoolClient;
      try {
        client = await this.#pool.connect();
      } catch (error) {
        this.#lost(error);
        throw translate(error);
      }
      let broken: unknown = undefined;
      try {
        await client.query(readOnly ? 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY' : 'BEGIN');
        const executor = new TransactionExecutor(client);
        const tx = new TransactionQueries(executor, DIALECT, this.clock);
        const result = await work(tx);
        if (readOnly) {
          await executor.commit('COMMIT');
          return result;
        }
        // One round trip: the notification is delivered when (and only if) the commit succeeds.
        const charts = tx.chartsTouched.take();
        const payload = `${this.#id}${encodeChanges(charts)}${tx.changedCredentials ? CREDENTIALS : ''}`;
        await executor.commit(`SELECT pg_notify('${CHANNEL}', '${payload}'); COMMIT`);
        this.#generation++;
        this.#charts.moved(charts);
        if (tx.changedCredentials) this.#credentials++;
        this.#outage.back();
        return result;
      } catch (error) {
        if (unavailability(error) || error instanceof DatabaseUnavailable) {
          broken = error;
          this.#lost(error);
        } else {
          await client.query('ROLLBACK').catch((rollbackError: unknown) => (broken = rollbackError));
        }
        const code = (error as { code?: string }).code;
        if (!broken && code && RETRYABLE.has(code) && attempt < ATTEMPTS) continue;
        throw translate(error);
      } finally {
        client.release(broken === undefined ? undefined : true);
      }
    }
  }

  async health(): Promise<DependencyHealth> {
    try {
      await this.#pool.query('SELECT 1');
      this.#outage.back();
      return this.#listening ? { state: 'up' } : { state: 'up', detail: 'reconnecting to hear other processes\' writes' };
    } catch (error) {
      this.#lost(error);
      return { state: 'down', detail: `${this.location}: ${(error as Error).message}` };
    }
  }

  /** Noted once per outage; a closing store's connections end on purpose. */
  #lost(error: unknown): void {
    if (!this.#closed) this.#outage.lost((error as Error).message);
  }

  async listen(): Promise<void> {
    if (this.#closed) return;
    const client = new pg.Client({ connectionString: this.#url, connectionTimeoutMillis: 3000, application_name: 'lightweight listener', keepAlive: true });
    const retry = (error: unknown) => {
      if (this.#listener !== client) return;
      this.#listener = null;
      this.#listening = false;
      this.#lost(error);
      client.removeAllListeners();
      client.on('error', () => {});
      void client.end().catch(() => {});
      if (this.#closed) return;
      this.#retryTimer = setTimeout(() => void this.listen(), this.#retryMs);
      this.#retryTimer.unref();
      this.#retryMs = Math.min(this.#retryMs * 2, 5000);
    };
    this.#listener = client;
    client.on('error', retry);
    client.on('end', () => retry(new Error('connection ended')));
    client.on('notification', ({ payload = '' }) => {
      if (payload.startsWith(this.#id)) return;
      this.#generation++;
      this.#charts.moved(decodeChanges(payload));
      // An empty payload comes from a process of an older version, which does not say what it changed.
      if (payload === '' || payload.endsWith(CREDENTIALS)) this.#credentials++;
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${CHANNEL}`);
      if (this.#listener !== client) return;
      this.#listening = true;
      // What changed while we were not listening.
      this.#generation++;
      this.#credentials++;
      this.#charts.moved('all');
      this.#retryMs = 250;
      this.#outage.back();
    } catch (error) {
      retry(error);
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
    if (this.#retryTimer) clearTimeout(this.#retryTimer);
    const listener = this.#listener;
    this.#listener = null;
    this.#listening = false;
    await listener?.end().catch(() => {});
    await this.#pool.end().catch(() => {});
  }
}

/** Apply missing migrations, holding an advisory lock: processes starting together take turns, and only the first has work. */
async function migrate(pool: pg.Pool, location: string): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version integer PRIMARY KEY,
      name text NOT NULL,
      applied text NOT NULL DEFAULT to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'))`);
    const { rows } = await client.query('SELECT coalesce(max(version), 0)::integer AS version FROM schema_migrations');
    const current = rows[0].version as number;
    if (current > MIGRATIONS.length) throw new StoreOpenError(tooNew(location, current));
    for (const [i, migration] of MIGRATIONS.entries()) {
      if (i < current) continue;
      await client.query('BEGIN');
      try {
        await client.query(migrationSql(migration.postgresql, localDate(new Date())));
        await client.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [i + 1, migration.name]);
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK');
        throw error;
      }
    }
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => {});
    client.release();
  }
}

/** Connect to the board's PostgreSQL database and migrate it; a clear error if it cannot be reached. */
export async function openPostgresStore(url: string, log: (line: string) => void): Promise<Store> {
  const pool = new pg.Pool({ connectionString: url, types, max: 10, connectionTimeoutMillis: 3000, idleTimeoutMillis: 30_000, application_name: 'lightweight' });
  pool.on('error', () => {}); // until the store takes over: a failed start must not crash on a stray event
  const location = addressOf(url);
  try {
    await migrate(pool, location);
  } catch (error) {
    await pool.end().catch(() => {});
    const reason = unavailability(error);
    if (reason) throw new StoreOpenError(`Cannot reach PostgreSQL at ${location} (${(error as Error).message}). Check DATABASE_URL and that the server is running.`);
    throw error;
  }
  const store = new PostgresStore(pool, url, log);
  await store.listen();
  return store;
}
