// The board's data module: the only place with SQL. Connection and pragmas,
// numbered migrations, parameterised queries behind prepared statements, and
// writes grouped into transactions. Everything above it speaks in models and
// logical column names, so a client/server database can replace SQLite here
// without touching the HTTP layer.
import { closeSync, fdatasync, mkdirSync, openSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';

export type ModelName = 'sprint' | 'task' | 'user';
export type SqlValue = string | number | null;
/** A stored object: logical column names to values, with the row's version counter. */
export type Row = { id: number; version: number } & Record<string, unknown>;

export interface Condition {
  column: string;
  op: '=' | '>=' | '<=' | 'is null' | 'is not null';
  value?: SqlValue;
}

export interface ListQuery {
  where: Condition[];
  /** Every word must occur (case-insensitively) in at least one of the columns. */
  search: { columns: string[]; words: string[] } | null;
  orderBy: Array<{ column: string; descending: boolean }>;
  limit: number;
  offset: number;
}

/** What password authentication needs; never leaves the board's auth code. */
export interface Credentials {
  id: number;
  username: string;
  password: string;
  is_active: number;
}

export interface TokenUser {
  id: number;
  username: string;
  is_active: number;
}

/** Schema changes, in order. Each runs once, in a transaction, and only ever adds: data is never dropped. */
export const MIGRATIONS: Array<{ name: string; sql: string }> = [
  {
    name: 'the board: users, sprints, tasks',
    sql: `
      CREATE TABLE users (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        username TEXT NOT NULL UNIQUE CHECK (length(username) BETWEEN 1 AND 150),
        full_name TEXT NOT NULL DEFAULT '',
        is_active INTEGER NOT NULL DEFAULT 1 CHECK (is_active IN (0, 1)),
        password TEXT NOT NULL,
        date_joined TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
        version INTEGER NOT NULL DEFAULT 1
      );
      CREATE TABLE sprints (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        name TEXT NOT NULL DEFAULT '' CHECK (length(name) <= 100),
        description TEXT NOT NULL DEFAULT '',
        "end" TEXT NOT NULL UNIQUE CHECK (date("end") IS "end"),
        version INTEGER NOT NULL DEFAULT 1
      );
      CREATE TABLE tasks (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
        description TEXT NOT NULL DEFAULT '',
        sprint_id INTEGER REFERENCES sprints (id),
        status INTEGER NOT NULL DEFAULT 1 CHECK (status BETWEEN 1 AND 4),
        "order" INTEGER NOT NULL DEFAULT 0 CHECK ("order" BETWEEN -32768 AND 32767),
        assigned_id INTEGER REFERENCES users (id),
        started TEXT CHECK (started IS NULL OR date(started) IS started),
        due TEXT CHECK (due IS NULL OR date(due) IS due),
        completed TEXT CHECK (completed IS NULL OR date(completed) IS completed),
        version INTEGER NOT NULL DEFAULT 1
      );
      CREATE INDEX tasks_sprint ON tasks (sprint_id);
      CREATE INDEX tasks_assigned ON tasks (assigned_id);
      CREATE INDEX tasks_order ON tasks ("order", id);
      -- The book's rules for deletions live in the schema, so no caller can forget them.
      CREATE TRIGGER sprint_delete_moves_tasks_to_backlog BEFORE DELETE ON sprints BEGIN
        UPDATE tasks SET sprint_id = NULL, status = 1, started = NULL, completed = NULL, version = version + 1
        WHERE sprint_id = OLD.id;
      END;
      CREATE TRIGGER user_delete_unassigns_tasks BEFORE DELETE ON users BEGIN
        UPDATE tasks SET assigned_id = NULL, version = version + 1 WHERE assigned_id = OLD.id;
      END;`,
  },
  {
    name: 'API tokens (one per user, as DRF authtoken)',
    sql: `
      CREATE TABLE tokens (
        key TEXT PRIMARY KEY CHECK (length(key) = 40),
        user_id INTEGER NOT NULL UNIQUE REFERENCES users (id) ON DELETE CASCADE,
        created TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
      );`,
  },
];

interface ModelTable {
  table: string;
  from: string;
  /** Logical column → SQL expression over `from`: what rows carry and queries may name. */
  columns: Record<string, string>;
  /** Logical column → column of `table` that writes may set. */
  writable: Record<string, string>;
  /** Rows of other models that deleting one of these changes (through the triggers above). */
  dependents: Array<{ model: ModelName; column: string }>;
}

const MODELS: Record<ModelName, ModelTable> = {
  sprint: {
    table: 'sprints',
    from: 'sprints',
    columns: { id: 'id', name: 'name', description: 'description', end: '"end"', version: 'version' },
    writable: { name: 'name', description: 'description', end: '"end"' },
    dependents: [{ model: 'task', column: 'sprint_id' }],
  },
  task: {
    table: 'tasks',
    from: 'tasks t LEFT JOIN users u ON u.id = t.assigned_id',
    columns: {
      id: 't.id',
      name: 't.name',
      description: 't.description',
      sprint: 't.sprint_id',
      status: 't.status',
      order: 't."order"',
      assigned: 't.assigned_id',
      assigned_username: 'u.username',
      started: 't.started',
      due: 't.due',
      completed: 't.completed',
      version: 't.version',
    },
    writable: {
      name: 'name',
      description: 'description',
      sprint: 'sprint_id',
      status: 'status',
      order: '"order"',
      assigned: 'assigned_id',
      started: 'started',
      due: 'due',
      completed: 'completed',
    },
    dependents: [],
  },
  user: {
    table: 'users',
    from: 'users',
    // Never the password: rows go to the HTTP layer.
    columns: { id: 'id', username: 'username', full_name: 'full_name', is_active: 'is_active', version: 'version' },
    writable: {},
    dependents: [{ model: 'task', column: 'assigned_id' }],
  },
};

const STATEMENT_CACHE_LIMIT = 500;

export class Store {
  readonly #db: Database.Database;
  readonly #walPath: string;
  #walFd: number | null = null;
  readonly #syncing = new Set<Promise<void>>();
  readonly #statements = new Map<string, Database.Statement>();
  readonly #dataVersion: Database.Statement;
  #lastDataVersion = -1;
  #checkedAt = -Infinity;
  #generation = 0;
  #queue: Array<{ work: () => unknown; resolve: (value: unknown) => void; reject: (err: unknown) => void }> = [];

  constructor(db: Database.Database, walPath: string) {
    this.#db = db;
    this.#walPath = walPath;
    this.#dataVersion = db.prepare('PRAGMA data_version').pluck();
  }

  /**
   * A number that changes whenever the data may have: after each of our
   * commits at once, and within a millisecond of another connection's (a
   * command in another process), as SQLite's data_version tells. Caches key on it.
   */
  generation(): number {
    const now = performance.now();
    if (now - this.#checkedAt >= 1) {
      this.#checkedAt = now;
      const dataVersion = this.#dataVersion.get() as number;
      if (dataVersion !== this.#lastDataVersion) {
        this.#lastDataVersion = dataVersion;
        this.#generation++;
      }
    }
    return this.#generation;
  }

  #statement(sql: string): Database.Statement {
    let statement = this.#statements.get(sql);
    if (!statement) {
      if (this.#statements.size >= STATEMENT_CACHE_LIMIT) this.#statements.clear();
      statement = this.#db.prepare(sql);
      this.#statements.set(sql, statement);
    }
    return statement;
  }

  #expression(model: ModelName, column: string): string {
    const expression = MODELS[model].columns[column];
    if (!expression) throw new Error(`${model} has no column "${column}"`);
    return expression;
  }

  #select(model: ModelName): string {
    const columns = Object.entries(MODELS[model].columns).map(([name, expression]) => `${expression} AS "${name}"`);
    return `SELECT ${columns.join(', ')} FROM ${MODELS[model].from}`;
  }

  #where(model: ModelName, query: Pick<ListQuery, 'where' | 'search'>): { sql: string; params: SqlValue[] } {
    const clauses: string[] = [];
    const params: SqlValue[] = [];
    for (const condition of query.where) {
      const expression = this.#expression(model, condition.column);
      if (condition.op === 'is null' || condition.op === 'is not null') {
        clauses.push(`${expression} ${condition.op === 'is null' ? 'IS NULL' : 'IS NOT NULL'}`);
      } else {
        clauses.push(`${expression} ${condition.op} ?`);
        params.push(condition.value ?? null);
      }
    }
    if (query.search) {
      const expressions = query.search.columns.map((column) => this.#expression(model, column));
      for (const word of query.search.words) {
        clauses.push(`(${expressions.map((e) => `icontains(${e}, ?)`).join(' OR ')})`);
        params.push(...expressions.map(() => word.toLowerCase()));
      }
    }
    return { sql: clauses.length ? ` WHERE ${clauses.join(' AND ')}` : '', params };
  }

  list(model: ModelName, query: ListQuery): Row[] {
    const where = this.#where(model, query);
    const order = [...query.orderBy, { column: 'id', descending: false }]
      .map(({ column, descending }) => `${this.#expression(model, column)}${descending ? ' DESC' : ''}`)
      .join(', ');
    const sql = `${this.#select(model)}${where.sql} ORDER BY ${order} LIMIT ? OFFSET ?`;
    return this.#statement(sql).all(...where.params, query.limit, query.offset) as Row[];
  }

  count(model: ModelName, query: Pick<ListQuery, 'where' | 'search'>): number {
    const where = this.#where(model, query);
    const sql = `SELECT count(*) AS n FROM ${MODELS[model].from}${where.sql}`;
    return (this.#statement(sql).get(...where.params) as { n: number }).n;
  }

  /** The one object whose `column` equals `value`, if any. */
  get(model: ModelName, column: string, value: SqlValue): Row | undefined {
    const sql = `${this.#select(model)} WHERE ${this.#expression(model, column)} = ?`;
    return this.#statement(sql).get(value) as Row | undefined;
  }

  #assignments(model: ModelName, values: Record<string, SqlValue>): Array<[string, SqlValue]> {
    return Object.entries(values).map(([column, value]) => {
      const target = MODELS[model].writable[column];
      if (!target) throw new Error(`${model}.${column} is not writable`);
      return [target, value];
    });
  }

  insert(model: ModelName, values: Record<string, SqlValue>): Row {
    const assignments = this.#assignments(model, values);
    const sql = assignments.length
      ? `INSERT INTO ${MODELS[model].table} (${assignments.map(([c]) => c).join(', ')}) VALUES (${assignments.map(() => '?').join(', ')})`
      : `INSERT INTO ${MODELS[model].table} DEFAULT VALUES`;
    const { lastInsertRowid } = this.#statement(sql).run(...assignments.map(([, v]) => v));
    return this.get(model, 'id', Number(lastInsertRowid))!;
  }

  /** Sets the values and bumps the row's version; the updated row, or undefined if it is gone. */
  update(model: ModelName, id: number, values: Record<string, SqlValue>): Row | undefined {
    const assignments = this.#assignments(model, values);
    const sets = [...assignments.map(([c]) => `${c} = ?`), 'version = version + 1'];
    const sql = `UPDATE ${MODELS[model].table} SET ${sets.join(', ')} WHERE id = ?`;
    this.#statement(sql).run(...assignments.map(([, v]) => v), id);
    return this.get(model, 'id', id);
  }

  /** Deletes the object; returns the other objects the deletion changed (tasks moved to the backlog, unassigned). */
  delete(model: ModelName, id: number): Array<{ model: ModelName; id: number }> {
    const changed = MODELS[model].dependents.flatMap((dependent) => {
      const sql = `SELECT id FROM ${MODELS[dependent.model].table} WHERE ${dependent.column} = ? ORDER BY id`;
      return (this.#statement(sql).all(id) as Array<{ id: number }>).map((row) => ({ model: dependent.model, id: row.id }));
    });
    this.#statement(`DELETE FROM ${MODELS[model].table} WHERE id = ?`).run(id);
    return changed;
  }

  /**
   * Run `work` (reads, checks and writes) in a transaction that is on disk
   * when the promise resolves. Writes queued in the same turn of the event
   * loop share one commit, each in its own savepoint: one failing rolls back
   * only itself. The commit is then made durable by an fdatasync of the WAL
   * on libuv's thread pool, so the event loop never waits for the disk and a
   * flood of creates costs one sync per burst rather than one per request.
   */
  write<T>(work: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      if (this.#queue.length === 0) setImmediate(() => this.#flush());
      this.#queue.push({ work, resolve: resolve as (value: unknown) => void, reject });
    });
  }

  #flush(): void {
    const batch = this.#queue;
    this.#queue = [];
    if (batch.length === 0) return;
    const outcomes: Array<{ ok: true; value: unknown } | { ok: false; error: unknown }> = [];
    try {
      this.#db.transaction(() => {
        for (const job of batch) {
          try {
            outcomes.push({ ok: true, value: this.#db.transaction(job.work)() });
          } catch (error) {
            outcomes.push({ ok: false, error });
          }
        }
      })();
    } catch (error) {
      for (const job of batch) job.reject(error);
      return;
    } finally {
      this.#generation++;
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
    this.#walFd ??= openSync(this.#walPath, 'r+');
    const fd = this.#walFd;
    return new Promise((resolve, reject) => fdatasync(fd, (error) => (error ? reject(error) : resolve())));
  }

  // Users and tokens: the authentication side, which the generic model API does not expose.

  countUsers(): number {
    return (this.#statement('SELECT count(*) AS n FROM users').get() as { n: number }).n;
  }

  createUser(user: { username: string; fullName: string; password: string }): Row {
    this.#statement('INSERT INTO users (username, full_name, password) VALUES (?, ?, ?)').run(user.username, user.fullName, user.password);
    return this.get('user', 'username', user.username)!;
  }

  /** Replaces the password hash and revokes the user's token; false if there is no such user. */
  setPassword(username: string, password: string): boolean {
    return this.#db.transaction(() => {
      const { changes } = this.#statement('UPDATE users SET password = ?, version = version + 1 WHERE username = ?').run(password, username);
      if (changes) this.#statement('DELETE FROM tokens WHERE user_id = (SELECT id FROM users WHERE username = ?)').run(username);
      return changes > 0;
    })();
  }

  deleteUser(username: string): Array<{ model: ModelName; id: number }> | null {
    return this.#db.transaction(() => {
      const user = this.get('user', 'username', username);
      return user ? this.delete('user', user.id) : null;
    })();
  }

  credentialsByUsername(username: string): Credentials | undefined {
    return this.#statement('SELECT id, username, password, is_active FROM users WHERE username = ?').get(username) as Credentials | undefined;
  }

  credentialsById(id: number): Credentials | undefined {
    return this.#statement('SELECT id, username, password, is_active FROM users WHERE id = ?').get(id) as Credentials | undefined;
  }

  userByToken(key: string): TokenUser | undefined {
    return this.#statement('SELECT u.id, u.username, u.is_active FROM tokens k JOIN users u ON u.id = k.user_id WHERE k.key = ?').get(key) as
      | TokenUser
      | undefined;
  }

  /** The user's token, created with `newKey()` if they have none. */
  tokenFor(userId: number, newKey: () => string): string {
    this.#statement('INSERT INTO tokens (key, user_id) VALUES (?, ?) ON CONFLICT (user_id) DO NOTHING').run(newKey(), userId);
    return (this.#statement('SELECT key FROM tokens WHERE user_id = ?').get(userId) as { key: string }).key;
  }

  deleteToken(userId: number): boolean {
    return this.#statement('DELETE FROM tokens WHERE user_id = ?').run(userId).changes > 0;
  }

  /** Finish queued writes and their syncs, then close the connection. */
  async close(): Promise<void> {
    this.#flush();
    await Promise.allSettled([...this.#syncing]);
    if (this.#walFd !== null) closeSync(this.#walFd);
    this.#walFd = null;
    if (this.#db.open) this.#db.close();
  }
}

function migrate(db: Database.Database, file: string): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > MIGRATIONS.length) {
    throw new Error(
      `${file} has schema version ${current}, newer than this code knows (${MIGRATIONS.length}). Run a newer version of the app, or point DATABASE_PATH elsewhere.`,
    );
  }
  MIGRATIONS.slice(current).forEach((migration, i) => {
    db.transaction(() => {
      db.exec(migration.sql);
      db.pragma(`user_version = ${current + i + 1}`);
    })();
  });
}

/** Open (creating file and folder if needed) and migrate the board's database. */
export function openStore(databasePath: string): Store {
  mkdirSync(path.dirname(databasePath), { recursive: true });
  const db = new Database(databasePath);
  db.pragma('journal_mode = WAL');
  // NORMAL: commits do not sync; Store.write syncs the WAL itself, off the
  // event loop, before anything is acknowledged. Checkpoints still sync.
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  // Scripts (createuser, changepassword) may write while the server runs.
  db.pragma('busy_timeout = 5000');
  // Unicode-aware, LIKE-free substring match: SQLite's own lower() and LIKE only fold ASCII.
  db.function('icontains', { deterministic: true }, (haystack: unknown, needle: unknown) =>
    typeof haystack === 'string' && typeof needle === 'string' && haystack.toLowerCase().includes(needle) ? 1 : 0,
  );
  migrate(db, databasePath);
  return new Store(db, `${databasePath}-wal`);
}
