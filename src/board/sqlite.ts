// The board on SQLite (better-sqlite3): the embedded default. One connection,
// WAL, prepared statements, and transactions grouped into one commit per burst.
import { closeSync, fdatasync, mkdirSync, openSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { DependencyHealth } from '../health.ts';
import { ChartVersions, PendingChanges, type ChartChanges } from './chart-versions.ts';
import { localDate } from './clock.ts';
import { MIGRATIONS, migrationSql, tooNew } from './migrations.ts';
import { columnOf, DatabaseUnavailable, StoreOpenError, MissingReference, Queries, UniqueViolation, type Executor, type SqlValue, type Store } from './store.ts';

const STATEMENT_CACHE_LIMIT = 500;

/** SQLite's refusals as the store's typed errors. */
function translate(error: unknown): unknown {
  if (!(error instanceof Database.SqliteError)) return error;
  if (error.code === 'SQLITE_CONSTRAINT_UNIQUE' || error.code === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
    // "UNIQUE constraint failed: sprints.end"
    const [table, column] = error.message.split(': ')[1]?.split(', ')[0]?.split('.') ?? [];
    const known = table && column ? columnOf(table, column) : null;
    if (known) return new UniqueViolation(known.model, known.column);
  }
  if (error.code === 'SQLITE_CONSTRAINT_FOREIGNKEY') return new MissingReference(null);
  if (error.code === 'SQLITE_BUSY' || error.code === 'SQLITE_LOCKED') return new DatabaseUnavailable('another process holds a lock on the file');
  return error;
}

class SqliteExecutor implements Executor {
  readonly #statements = new Map<string, Database.Statement>();
  readonly db: Database.Database;
  constructor(db: Database.Database) {
    this.db = db;
  }

  statement(sql: string): Database.Statement {
    let statement = this.#statements.get(sql);
    if (!statement) {
      if (this.#statements.size >= STATEMENT_CACHE_LIMIT) this.#statements.clear();
      statement = this.db.prepare(sql);
      this.#statements.set(sql, statement);
    }
    return statement;
  }

  async all(sql: string, params: SqlValue[]): Promise<Array<Record<string, unknown>>> {
    try {
      return this.statement(sql).all(...params) as Array<Record<string, unknown>>;
    } catch (error) {
      throw translate(error);
    }
  }

  async run(sql: string, params: SqlValue[]): Promise<number> {
    try {
      return this.statement(sql).run(...params).changes;
    } catch (error) {
      throw translate(error);
    }
  }
}

type Job = { work: (tx: Queries) => Promise<unknown>; resolve: (value: unknown) => void; reject: (err: unknown) => void };

class SqliteStore extends Queries implements Store {
  readonly engine = 'sqlite' as const;
  readonly location: string;
  readonly #db: Database.Database;
  #walFd: number | null = null;
  readonly #syncing = new Set<Promise<void>>();
  readonly #dataVersion: Database.Statement;
  /** The statements around every batch and job, prepared once: exec() would parse them on every write. */
  readonly #control: Record<'begin' | 'savepoint' | 'release' | 'rollbackTo' | 'commit', Database.Statement>;
  #lastDataVersion = -1;
  #checkedAt = -Infinity;
  #generation = 0;
  #credentials = 0;
  /** A job of the transaction being run changed credentials. */
  #credentialsTouched = false;
  readonly #charts = new ChartVersions();
  /** What the transaction being run touched, moved again at its commit (or rollback). */
  readonly #chartsTouched = new PendingChanges();
  #queue: Job[] = [];
  #flushing = false;

  constructor(db: Database.Database, file: string) {
    super(new SqliteExecutor(db), {
      lock: () => '', // one connection, one writer: a transaction's rows are its own
      writesInWith: false,
      nextIds: 'SELECT name, seq + 1 AS next FROM sqlite_sequence',
      idList: (table, owner, item, id) => `coalesce((SELECT group_concat(${item}, ',') FROM (SELECT ${item} FROM ${table} WHERE ${owner} = ${id} ORDER BY ${item})), '')`,
      setNextId: (table) => [`DELETE FROM sqlite_sequence WHERE name = '${table}'`, `INSERT INTO sqlite_sequence (name, seq) VALUES ('${table}', ? - 1)`],
    });
    this.#db = db;
    this.location = file;
    this.#dataVersion = db.prepare('PRAGMA data_version').pluck();
    this.#control = {
      begin: db.prepare('BEGIN IMMEDIATE'),
      savepoint: db.prepare('SAVEPOINT job'),
      release: db.prepare('RELEASE job'),
      rollbackTo: db.prepare('ROLLBACK TO job'),
      commit: db.prepare('COMMIT'),
    };
  }

  /** Ours at once; another process's (a command) within a millisecond, as SQLite's data_version tells. */
  generation(): number {
    this.#checkOtherConnections();
    return this.#generation;
  }

  /** Ours at once; another process's commit of any kind (what it changed is not known) within a millisecond. */
  credentialsVersion(): number {
    this.#checkOtherConnections();
    return this.#credentials;
  }

  /** Our reads run on the connection the open transaction writes on, so they see its writes before they commit (or roll back): moved again after. */
  protected override credentialsChanged(): void {
    this.#credentials++;
    this.#credentialsTouched = true;
  }

  /** Ours at once (and again at the commit, as credentials); another process's commit touches every sprint, as SQLite cannot say which. */
  chartsStamp(of: number | 'any'): string {
    this.#checkOtherConnections();
    return this.#charts.stamp(of);
  }

  protected override chartsChanged(changes: ChartChanges): void {
    this.#charts.moved(changes);
    this.#chartsTouched.add(changes);
  }

  #checkOtherConnections(): void {
    const now = performance.now();
    if (now - this.#checkedAt < 1) return;
    this.#checkedAt = now;
    const dataVersion = this.#dataVersion.get() as number;
    if (dataVersion !== this.#lastDataVersion) {
      this.#lastDataVersion = dataVersion;
      this.#generation++;
      this.#credentials++;
      this.#charts.moved('all');
    }
  }

  /**
   * Transactions queued in the same turn of the event loop share one commit,
   * each in its own savepoint: one failing rolls back only itself. The commit
   * is then made durable by an fdatasync of the WAL on libuv's thread pool, so
   * the event loop never waits for the disk and a flood of creates costs one
   * sync per burst rather than one per request.
   */
  transaction<T>(work: (tx: Queries) => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      if (this.#queue.length === 0 && !this.#flushing) setImmediate(() => void this.#flush());
      this.#queue.push({ work, resolve: resolve as (value: unknown) => void, reject });
    });
  }

  async #flush(): Promise<void> {
    const batch = this.#queue;
    this.#queue = [];
    if (batch.length === 0) return;
    this.#flushing = true;
    const outcomes: Array<{ ok: true; value: unknown } | { ok: false; error: unknown }> = [];
    try {
      const control = this.#control;
      control.begin.run();
      for (const job of batch) {
        control.savepoint.run();
        try {
          outcomes.push({ ok: true, value: await job.work(this) });
          control.release.run();
        } catch (error) {
          control.rollbackTo.run();
          control.release.run();
          outcomes.push({ ok: false, error });
        }
      }
      control.commit.run();
    } catch (error) {
      if (this.#db.inTransaction) this.#db.exec('ROLLBACK');
      for (const job of batch) job.reject(translate(error));
      return;
    } finally {
      this.#generation++;
      this.#charts.moved(this.#chartsTouched.take());
      if (this.#credentialsTouched) this.#credentials++;
      this.#credentialsTouched = false;
      this.#flushing = false;
      if (this.#queue.length) setImmediate(() => void this.#flush());
    }
    const settle = () =>
      batch.forEach((job, i) => {
        const outcome = outcomes[i]!;
        if (outcome.ok) job.resolve(outcome.value);
        else job.reject(outcome.error);
      });
    if (outcomes.every((outcome) => !outcome.ok)) return settle();
    const synced = this.#syncWal().then(settle, (error: unknown) => batch.forEach((job) => job.reject(error)));
    this.#syncing.add(synced);
    void synced.finally(() => this.#syncing.delete(synced));
  }

  /** Flush what SQLite wrote to the WAL (synchronous = NORMAL leaves that to us) to the disk. */
  #syncWal(): Promise<void> {
    this.#walFd ??= openSync(`${this.location}-wal`, 'r+');
    const fd = this.#walFd;
    return new Promise((resolve, reject) => fdatasync(fd, (error) => (error ? reject(error) : resolve())));
  }

  async health(): Promise<DependencyHealth> {
    try {
      this.#db.prepare('SELECT 1').get();
      return { state: 'up' };
    } catch (error) {
      return { state: 'down', detail: (error as Error).message };
    }
  }

  /** Finish queued transactions and their syncs, then close the connection. */
  async close(): Promise<void> {
    while (this.#queue.length || this.#flushing) await new Promise((resolve) => setImmediate(resolve));
    await Promise.allSettled([...this.#syncing]);
    if (this.#walFd !== null) closeSync(this.#walFd);
    this.#walFd = null;
    if (this.#db.open) this.#db.close();
  }
}

/** Applies what is missing, one migration per transaction; the version is read under the write lock, so concurrent starters never apply one twice. */
function migrate(db: Database.Database, file: string): void {
  const step = db.transaction((): boolean => {
    const current = db.pragma('user_version', { simple: true }) as number;
    if (current > MIGRATIONS.length) throw new StoreOpenError(tooNew(file, current));
    if (current === MIGRATIONS.length) return false;
    db.exec(migrationSql(MIGRATIONS[current]!.sqlite, localDate(new Date())));
    db.pragma(`user_version = ${current + 1}`);
    return true;
  });
  while (step.immediate());
}

/** Open (creating file and folder if needed) and migrate the board's SQLite database. */
export function openSqliteStore(file: string): Store {
  mkdirSync(path.dirname(file), { recursive: true });
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  // NORMAL: commits do not sync; transaction() syncs the WAL itself, off the
  // event loop, before anything is acknowledged. Checkpoints still sync.
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  // Commands (createuser, changepassword) may write while the server runs.
  db.pragma('busy_timeout = 5000');
  // Unicode-aware, LIKE-free substring match: SQLite's own lower() and LIKE only fold ASCII.
  db.function('icontains', { deterministic: true }, (haystack: unknown, needle: unknown) =>
    typeof haystack === 'string' && typeof needle === 'string' && haystack.toLowerCase().includes(needle) ? 1 : 0,
  );
  try {
    migrate(db, file);
  } catch (error) {
    db.close();
    throw error;
  }
  return new SqliteStore(db, file);
}
