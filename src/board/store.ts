// The board's storage: the only place with SQL (with migrations.ts). One set
// of parameterised queries over two engines: SQLite, embedded and the
// default (sqlite.ts), and PostgreSQL when DATABASE_URL is set (postgres.ts).
// Everything above it speaks in models and logical column names. Races
// (two sprints with one end date, a task added to a sprint being deleted,
// two updates of one task) are decided by the database: constraints, row
// locks and transactions, reported here as typed errors.
import type { DependencyHealth } from '../health.ts';
import { localDate, systemClock, type Clock } from './clock.ts';
import { HttpError } from '../http.ts';
import { idList } from './fields.ts';
import type { ChartChanges } from './chart-versions.ts';
import type { Settings } from '../settings.ts';

export type ModelName = 'sprint' | 'task' | 'user' | 'label' | 'comment';
export type SqlValue = string | number | null;
/** A stored object: logical column names to values, with the row's version counter. */
export type Row = { id: number; version: number } & Record<string, unknown>;

export interface Condition {
  column: string;
  /** `has`: a list column (a task's labels) holds the id `value`. */
  op: '=' | '>=' | '<=' | 'is null' | 'is not null' | 'has';
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

/**
 * The board's whole data, as `npm run export` writes it and `npm run import`
 * reads it. Version 1 (before task history) has no `task_history` and no
 * sprint `created`: importing one records each task's `add` and takes today
 * as its sprints' day. Version 2 (before points, labels, comments and WIP
 * limits) has none of them: its tasks have no points, its sprints no limits.
 */
export interface BoardData {
  format: 'lightweight-board';
  version: 1 | 2 | 3;
  users: Record<string, unknown>[];
  sprints: Record<string, unknown>[];
  labels?: Record<string, unknown>[];
  tasks: Record<string, unknown>[];
  task_labels?: Record<string, unknown>[];
  comments?: Record<string, unknown>[];
  tokens: Record<string, unknown>[];
  /** Oldest first; `changes` as the JSON text the database holds. */
  task_history?: Record<string, unknown>[];
  /** The id each table would give its next row: deleted rows' ids are never handed out again, after a move too. */
  next_ids: Partial<Record<IdTable, number>>;
}

export type IdTable = 'users' | 'sprints' | 'tasks' | 'labels' | 'comments';
export const ID_TABLES: IdTable[] = ['users', 'sprints', 'tasks', 'labels', 'comments'];

/** Tables in the order an import fills them (references first), with their columns. */
export const TABLES = ['users', 'sprints', 'labels', 'tasks', 'task_labels', 'comments', 'tokens', 'task_history'] as const;
export type Table = (typeof TABLES)[number];
export const EXPORT_VERSION = 3;
/** The tables that exports of each version have, and the tables whose next id they give. */
export const EXPORT_TABLES: Record<1 | 2 | 3, { tables: Table[]; ids: IdTable[] }> = {
  1: { tables: ['users', 'sprints', 'tasks', 'tokens'], ids: ['users', 'sprints', 'tasks'] },
  2: { tables: ['users', 'sprints', 'tasks', 'tokens', 'task_history'], ids: ['users', 'sprints', 'tasks'] },
  3: { tables: [...TABLES], ids: ID_TABLES },
};
const TABLE_COLUMNS: Record<Table, string[]> = {
  users: ['id', 'username', 'full_name', 'is_active', 'password', 'date_joined', 'version'],
  sprints: ['id', 'name', 'description', 'end', 'created', 'wip_limits', 'version'],
  labels: ['id', 'name', 'colour', 'version'],
  tasks: ['id', 'name', 'description', 'sprint_id', 'status', 'order', 'assigned_id', 'started', 'due', 'completed', 'points', 'version'],
  task_labels: ['task_id', 'label_id'],
  comments: ['id', 'task_id', 'author_id', 'body', 'created', 'edited', 'version'],
  tokens: ['key', 'user_id', 'created'],
  // task_sprints is not exported: an import derives it from the history.
  task_history: ['task_id', 'version', 'sprint_id', 'status', 'points', 'at', 'username', 'action', 'changes', 'restored_from'],
};
/** How each table is exported: the same order on both engines. */
const EXPORT_ORDER: Partial<Record<Table, string>> = {
  tokens: 'user_id',
  task_labels: 'task_id, label_id',
  task_history: 'task_id, at, version NULLS FIRST',
};

/** `comment`: a comment added, edited or deleted (its changes: `comment` [old id, new id] and `body`), which changes no task. */
export type HistoryAction = 'add' | 'update' | 'remove' | 'comment';

/** One recorded write to a task: each changed field's [old, new] value, as the API names and shows them. */
export interface HistoryEntry {
  task: number;
  /** UTC, ISO 8601 with milliseconds. */
  at: string;
  /** Who wrote it; null for a command (an import, deleteuser). */
  user: string | null;
  action: HistoryAction;
  changes: Record<string, [unknown, unknown]>;
  /** On the `add` of a task brought back after its deletion: the deleted task's id. */
  restored_from: number | null;
}

/** An object that a deletion changed (as it is now) or removed with it (as it was). */
export interface ChangedRow {
  model: ModelName;
  id: number;
  action: 'update' | 'remove';
  row: Row;
}

/** Where a write left a task (a removal: where it was when removed). */
export interface Placement {
  task: number;
  at: string;
  removed: boolean;
  sprint: number | null;
  status: number;
  points: number | null;
}

/** Whose history: one task's, or that of every task that is or ever was in a sprint. */
export type HistoryScope = { task: number } | { sprint: number };

/** Who makes a write, for the history it records. */
export interface WriteOptions {
  by: string | null;
  /** An add that brings back this deleted task. */
  restores?: number;
}

/** The range a task's `order` holds (the book's SmallIntegerField). */
export const ORDER_MIN = -32768;
export const ORDER_MAX = 32767;
/** Room left between neighbours when a column is renumbered: that many halvings before the next renumbering. */
export const SPARSE_GAP = 1024;

/** Place a task just before or just after this one. */
export interface Neighbour {
  id: number;
  side: 'before' | 'after';
}

const HISTORY_INSERT =
  'INSERT INTO task_history (task_id, version, sprint_id, status, points, at, username, action, changes, restored_from) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)';

/** Notes that a task is in a sprint (for the sprint's history), once. */
const TASK_ENTERS_SPRINT = 'INSERT INTO task_sprints (sprint_id, task_id) VALUES (?, ?) ON CONFLICT DO NOTHING';

/** Writes by a command (an import, deleteuser): by nobody. */
const COMMAND: WriteOptions = { by: null };

/** The database cannot be opened: unreachable, or migrated by a newer version of the app. The message says what to do. */
export class StoreOpenError extends Error {
  override name = 'StoreOpenError';
}

/** A write the database refused because another row already holds the value. */
export class UniqueViolation extends Error {
  override name = 'UniqueViolation';
  readonly model: ModelName;
  readonly column: string;
  constructor(
    model: ModelName,
    column: string,
  ) {
    super(`another ${model} has this ${column}`);
    this.model = model;
    this.column = column;
  }
}

/** A write naming a row that is gone (deleted meanwhile, perhaps by another process). */
export class MissingReference extends Error {
  override name = 'MissingReference';
  readonly column: string | null;
  constructor(column: string | null) {
    super(`the row ${column ?? 'a reference'} names does not exist`);
    this.column = column;
  }
}

/** The database cannot be reached or is busy: the request may succeed if tried again. */
export class DatabaseUnavailable extends HttpError {
  constructor(reason: string) {
    super(503, `The board's database is unavailable right now (${reason}). Try again in a moment.`, { 'Retry-After': '5' });
  }
}

/**
 * A logical column holding a list of ids kept in a table of their own (a
 * task's labels in task_labels): read as the canonical text "1,4,7" (see
 * ManyRelatedField), written by replacing the object's rows.
 */
interface ListColumn {
  table: string;
  /** Its column naming the object. */
  owner: string;
  /** Its column naming each listed id. */
  item: string;
}

interface ModelTable {
  table: string;
  /** What rows are read from, given the source of this model's own rows (its table, or the rows a write returns). */
  from(source: string): string;
  /** What `FOR UPDATE OF` names to lock this model's row (PostgreSQL). */
  lockTarget: string;
  /** Logical column → SQL expression over `from`: what rows carry and queries may name. */
  columns: Record<string, string>;
  /** Logical column → column of `table` that writes may set. */
  writable: Record<string, string>;
  /** Logical columns kept in tables of their own; their expression in `columns` is replaced by the dialect's list of ids. */
  lists?: Record<string, ListColumn>;
  /**
   * Rows of other models that deleting one of these changes (through the
   * schema's triggers), by their logical column naming it (`has`: a list
   * column); `removed`: rows the deletion takes with it (ON DELETE CASCADE).
   */
  dependents: Array<{ model: ModelName; column: string; op?: '=' | 'has'; removed?: true }>;
  /** Writes record history: the fields an entry holds (the API's names), each read from this logical column. */
  history?: Record<string, string>;
  /** Writes record a `comment` entry in the history of the task this logical column names, holding these fields. */
  commentOn?: { task: string; fields: Record<string, string> };
  /** A logical column that an insert sets to today's date (when the write does not). */
  createdDay?: string;
  /** Logical columns an insert (`created`) and an update (`edited`) set to the time, ISO 8601 UTC. */
  stamps?: { created: string; edited: string };
  /**
   * Sprint charts (burndowns, velocity) read these rows: an insert or a
   * deletion touches the `sprints` of its row, an update those of the row
   * before and after when one of `columns` changed (any column when absent).
   */
  charts?: { columns?: string[]; sprints(row: Pick<Row, 'id'> & Record<string, unknown>): number[] };
}

const MODELS: Record<ModelName, ModelTable> = {
  sprint: {
    table: 'sprints',
    from: (source) => `${source} sprints`,
    lockTarget: 'sprints',
    columns: { id: 'id', name: 'name', description: 'description', end: '"end"', created: 'created', wip_limits: 'wip_limits', version: 'version' },
    writable: { name: 'name', description: 'description', end: '"end"', created: 'created', wip_limits: 'wip_limits' },
    dependents: [{ model: 'task', column: 'sprint' }],
    createdDay: 'created',
    // Any column: the velocity shows a sprint's name too.
    charts: { sprints: (row) => [row.id] },
  },
  task: {
    table: 'tasks',
    from: (source) => `${source} t LEFT JOIN users u ON u.id = t.assigned_id`,
    lockTarget: 't',
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
      points: 't.points',
      labels: '',
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
      points: 'points',
    },
    lists: { labels: { table: 'task_labels', owner: 'task_id', item: 'label_id' } },
    // Its comments go with it; its history stays (their entries included).
    dependents: [{ model: 'comment', column: 'task', removed: true }],
    charts: { columns: ['sprint', 'status', 'points'], sprints: (row) => (row.sprint === null || row.sprint === undefined ? [] : [Number(row.sprint)]) },
    history: {
      name: 'name',
      description: 'description',
      sprint: 'sprint',
      status: 'status',
      order: 'order',
      assigned: 'assigned_username',
      started: 'started',
      due: 'due',
      completed: 'completed',
      points: 'points',
      labels: 'labels',
    },
  },
  label: {
    table: 'labels',
    from: (source) => `${source} labels`,
    lockTarget: 'labels',
    columns: { id: 'id', name: 'name', colour: 'colour', version: 'version' },
    writable: { name: 'name', colour: 'colour' },
    dependents: [{ model: 'task', column: 'labels', op: 'has' }],
  },
  comment: {
    table: 'comments',
    from: (source) => `${source} c LEFT JOIN users u ON u.id = c.author_id`,
    lockTarget: 'c',
    columns: {
      id: 'c.id',
      task: 'c.task_id',
      author: 'c.author_id',
      author_username: 'u.username',
      body: 'c.body',
      created: 'c.created',
      edited: 'c.edited',
      version: 'c.version',
    },
    writable: { task: 'task_id', author: 'author_id', body: 'body', created: 'created', edited: 'edited' },
    dependents: [],
    commentOn: { task: 'task', fields: { body: 'body' } },
    stamps: { created: 'created', edited: 'edited' },
  },
  user: {
    table: 'users',
    from: (source) => `${source} users`,
    lockTarget: 'users',
    // Never the password: rows go to the HTTP layer.
    columns: { id: 'id', username: 'username', full_name: 'full_name', is_active: 'is_active', version: 'version' },
    writable: {},
    dependents: [
      { model: 'task', column: 'assigned' },
      { model: 'comment', column: 'author' },
    ],
  },
};

/** Columns holding ids: a value that is not a safe whole number names no row (and would make PostgreSQL refuse the query). */
const ID_COLUMNS = new Set(['id', 'sprint', 'assigned', 'task', 'author', 'labels']);

/** The model and logical column behind a table's column, for reporting constraint violations. */
export function columnOf(table: string, column: string): { model: ModelName; column: string } | null {
  for (const [model, spec] of Object.entries(MODELS) as Array<[ModelName, ModelTable]>) {
    if (spec.table !== table) continue;
    if (column === 'username' && model === 'user') return { model, column };
    for (const [logical, physical] of Object.entries(spec.writable)) if (physical.replaceAll('"', '') === column) return { model, column: logical };
  }
  return null;
}

/** How a transaction or connection runs SQL written with `?` placeholders. */
export interface Executor {
  all(sql: string, params: SqlValue[]): Promise<Array<Record<string, unknown>>>;
  /** Rows changed. */
  run(sql: string, params: SqlValue[]): Promise<number>;
  /**
   * A write whose outcome nobody reads (a history entry): run before the
   * transaction's next statement, at the latest with its commit, and any
   * error fails the transaction as `run` would. A transaction on
   * PostgreSQL sends it with the commit: a round trip saved per write.
   * Without it, Queries runs the write at once.
   */
  later?(sql: string, params: SqlValue[]): void;
}

export interface Dialect {
  /** Appended to a single-row select that the transaction will change (`target` names the row's table in it): the row stays ours until commit. */
  lock(target: string): string;
  /** Rows of (name, next): the id each table of ID_TABLES would give its next row. */
  nextIds: string;
  /** Statements that make `table` give `?` (the one parameter) as its next id. */
  setNextId(table: IdTable): string[];
  /** Whether INSERT/UPDATE ... RETURNING may stand in a WITH clause (PostgreSQL; not SQLite). */
  writesInWith: boolean;
  /** The expression of a list column: `item` of the rows of `table` whose `owner` is `id`, ascending, as text "1,4,7" ('' for none). */
  idList(table: string, owner: string, item: string, id: string): string;
}

/** Each model's SELECT, by dialect and then by model and source (see Queries.#select). */
const SELECTS = new WeakMap<Dialect, Map<string, string>>();

/** The board's queries, the same for both engines. */
export class Queries {
  protected readonly db: Executor;
  protected readonly dialect: Dialect;
  readonly clock: Clock;
  constructor(
    db: Executor,
    dialect: Dialect,
    /** Stamps history entries and says what day it is; shared by the store and its transactions. */
    clock: Clock = systemClock(),
  ) {
    this.db = db;
    this.dialect = dialect;
    this.clock = clock;
  }

  /**
   * Called after every write that may change who a token or a password
   * belongs to, or whether a user is active: the store makes sure every
   * process's credentialsVersion() moves (see Store.credentialsVersion).
   */
  protected credentialsChanged(): void {}

  /**
   * Called after every write that may change sprint charts, with the sprints
   * it touched: the store moves their stamps (see Store.chartsStamp) at once
   * and, on commit, in every process.
   */
  protected chartsChanged(_changes: ChartChanges): void {}

  /** Notes the sprints whose charts a write of `model` (`before` and `after` it; either absent for an insert or a deletion) may change. */
  #touchCharts(model: ModelName, before: (Pick<Row, 'id'> & Record<string, unknown>) | undefined, after: Row | undefined): void {
    const charts = MODELS[model].charts;
    if (!charts) return;
    if (before && after && charts.columns && !charts.columns.some((column) => before[column] !== after[column])) return;
    const sprints = new Set([...(before ? charts.sprints(before) : []), ...(after ? charts.sprints(after) : [])]);
    if (sprints.size) this.chartsChanged(sprints);
  }

  /** Today in the server's time zone, by the store's clock. */
  today(): string {
    return localDate(this.clock.now());
  }

  #expression(model: ModelName, column: string): string {
    const list = MODELS[model].lists?.[column];
    if (list) return this.dialect.idList(list.table, list.owner, list.item, MODELS[model].columns.id!);
    const expression = MODELS[model].columns[column];
    if (!expression) throw new Error(`${model} has no column "${column}"`);
    return expression;
  }

  /** Every read starts with it: built once per dialect, model and source. */
  #select(model: ModelName, source: string = MODELS[model].table): string {
    let selects = SELECTS.get(this.dialect);
    if (!selects) SELECTS.set(this.dialect, (selects = new Map()));
    const key = `${model} ${source}`;
    let sql = selects.get(key);
    if (sql === undefined) {
      const columns = Object.keys(MODELS[model].columns).map((name) => `${this.#expression(model, name)} AS "${name}"`);
      selects.set(key, (sql = `SELECT ${columns.join(', ')} FROM ${MODELS[model].from(source)}`));
    }
    return sql;
  }

  /**
   * The row a write (an INSERT or an UPDATE, without RETURNING) produced, as
   * `get` gives it: in the same statement where the engine can (PostgreSQL,
   * a round trip saved), or read back by the id it returns (only the id: the
   * rest would be read twice).
   */
  async #written(model: ModelName, write: string, params: SqlValue[]): Promise<Row | undefined> {
    if (this.dialect.writesInWith) return (await this.db.all(`WITH written AS (${write} RETURNING *) ${this.#select(model, 'written')}`, params))[0] as Row | undefined;
    const [row] = await this.db.all(`${write} RETURNING id`, params);
    return row ? this.get(model, 'id', Number(row.id)) : undefined;
  }

  /**
   * False for a value no row can hold: an id that is not a safe whole
   * number; text with a NUL character, which PostgreSQL cannot even compare
   * (and the API never stores).
   */
  #comparable(column: string, value: SqlValue | undefined): boolean {
    if (typeof value === 'string' && value.includes('\0')) return false;
    if (!ID_COLUMNS.has(column) || value === null || value === undefined) return true;
    return Number.isSafeInteger(Number(value));
  }

  #where(model: ModelName, query: Pick<ListQuery, 'where' | 'search'>): { sql: string; params: SqlValue[] } | null {
    const clauses: string[] = [];
    const params: SqlValue[] = [];
    for (const condition of query.where) {
      const expression = this.#expression(model, condition.column);
      if (condition.op === 'is null' || condition.op === 'is not null') {
        clauses.push(`${expression} ${condition.op === 'is null' ? 'IS NULL' : 'IS NOT NULL'}`);
      } else if (condition.op === 'has') {
        const list = MODELS[model].lists?.[condition.column];
        if (!list) throw new Error(`${model}.${condition.column} is not a list`);
        if (!this.#comparable(condition.column, condition.value)) return null;
        clauses.push(`EXISTS (SELECT 1 FROM ${list.table} WHERE ${list.owner} = ${this.#expression(model, 'id')} AND ${list.item} = ?)`);
        params.push(condition.value ?? null);
      } else {
        if (!this.#comparable(condition.column, condition.value)) return null;
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

  async list(model: ModelName, query: ListQuery): Promise<Row[]> {
    const where = this.#where(model, query);
    if (!where) return [];
    // Spelled out so both engines agree: SQLite's own default puts nulls first, PostgreSQL's last.
    const order = [...query.orderBy, { column: 'id', descending: false }]
      .map(({ column, descending }) => `${this.#expression(model, column)}${descending ? ' DESC NULLS LAST' : ' NULLS FIRST'}`)
      .join(', ');
    const sql = `${this.#select(model)}${where.sql} ORDER BY ${order} LIMIT ? OFFSET ?`;
    return (await this.db.all(sql, [...where.params, query.limit, query.offset])) as Row[];
  }

  async count(model: ModelName, query: Pick<ListQuery, 'where' | 'search'>): Promise<number> {
    const where = this.#where(model, query);
    if (!where) return 0;
    const rows = await this.db.all(`SELECT count(*) AS n FROM ${MODELS[model].from(MODELS[model].table)}${where.sql}`, where.params);
    return Number(rows[0]!.n);
  }

  /** The one object whose `column` equals `value`, if any; `lock` keeps it from changing until the transaction ends. */
  async get(model: ModelName, column: string, value: SqlValue, options: { lock?: boolean } = {}): Promise<Row | undefined> {
    if (!this.#comparable(column, value)) return undefined;
    const sql = `${this.#select(model)} WHERE ${this.#expression(model, column)} = ?${options.lock ? this.dialect.lock(MODELS[model].lockTarget) : ''}`;
    return (await this.db.all(sql, [value]))[0] as Row | undefined;
  }

  #assignments(model: ModelName, values: Record<string, SqlValue>): Array<[string, SqlValue]> {
    return Object.entries(values)
      .filter(([column]) => !MODELS[model].lists?.[column])
      .map(([column, value]) => {
        const target = MODELS[model].writable[column];
        if (!target) throw new Error(`${model}.${column} is not writable`);
        return [target, value];
      });
  }

  /** Writes the list columns among `values` (replacing the object's rows); the row read again if any was written. */
  async #writeLists(model: ModelName, row: Row, values: Record<string, SqlValue>): Promise<Row> {
    const lists = Object.entries(MODELS[model].lists ?? {}).filter(([column]) => Object.hasOwn(values, column) && values[column] !== row[column]);
    if (lists.length === 0) return row;
    for (const [column, list] of lists) {
      await this.db.run(`DELETE FROM ${list.table} WHERE ${list.owner} = ?`, [row.id]);
      for (const id of String(values[column] ?? '').split(',').filter(Boolean)) {
        await this.db.run(`INSERT INTO ${list.table} (${list.owner}, ${list.item}) VALUES (?, ?)`, [row.id, Number(id)]);
      }
    }
    return (await this.get(model, 'id', row.id))!;
  }

  /** Inserts the object (with its history entry, for tasks); call within a transaction. */
  async insert(model: ModelName, values: Record<string, SqlValue>, options: WriteOptions = COMMAND): Promise<Row> {
    const { createdDay, stamps } = MODELS[model];
    if (createdDay && !Object.hasOwn(values, createdDay)) values = { ...values, [createdDay]: this.today() };
    if (stamps && !Object.hasOwn(values, stamps.created)) values = { ...values, [stamps.created]: this.clock.now().toISOString() };
    const assignments = this.#assignments(model, values);
    const sql = assignments.length
      ? `INSERT INTO ${MODELS[model].table} (${assignments.map(([c]) => c).join(', ')}) VALUES (${assignments.map(() => '?').join(', ')})`
      : `INSERT INTO ${MODELS[model].table} DEFAULT VALUES`;
    const row = await this.#writeLists(model, (await this.#written(model, sql, assignments.map(([, v]) => v)))!, values);
    this.#touchCharts(model, undefined, row);
    await this.#record(model, 'add', undefined, row, options);
    return row;
  }

  /**
   * Sets the values and bumps the row's version (recording what changed, for
   * tasks); the updated row, or undefined if it is gone. `before` is the row
   * as the transaction read it (locked), if the caller has it: one read saved.
   * Call within a transaction.
   */
  async update(model: ModelName, id: number, values: Record<string, SqlValue>, options: WriteOptions = COMMAND, before?: Row): Promise<Row | undefined> {
    if (MODELS[model].history || MODELS[model].commentOn) before ??= await this.get(model, 'id', id, { lock: true });
    const stamps = MODELS[model].stamps;
    if (stamps && !Object.hasOwn(values, stamps.edited)) values = { ...values, [stamps.edited]: this.clock.now().toISOString() };
    const assignments = this.#assignments(model, values);
    const sets = [...assignments.map(([c]) => `${c} = ?`), 'version = version + 1'];
    let row = await this.#written(model, `UPDATE ${MODELS[model].table} SET ${sets.join(', ')} WHERE id = ?`, [...assignments.map(([, v]) => v), id]);
    if (row) row = await this.#writeLists(model, row, values);
    if (row) this.#touchCharts(model, before, row);
    if (row) await this.#record(model, 'update', before, row, options);
    return row;
  }

  /**
   * Deletes the object; returns the other objects the deletion changed (tasks
   * moved to the backlog or unassigned, comments left without their author)
   * as they are now, and those it removed with it (a task's comments) as they
   * were. Tasks' history records the removal and those changes. Call within
   * a transaction.
   */
  async delete(model: ModelName, id: number, options: WriteOptions = COMMAND, before?: Row): Promise<ChangedRow[]> {
    if (MODELS[model].history || MODELS[model].commentOn) before ??= await this.get(model, 'id', id, { lock: true });
    const dependents: Row[][] = [];
    for (const dependent of MODELS[model].dependents) {
      const where = this.#where(dependent.model, { where: [{ column: dependent.column, op: dependent.op ?? '=', value: id }], search: null })!;
      const idColumn = this.#expression(dependent.model, 'id');
      dependents.push((await this.db.all(`${this.#select(dependent.model)}${where.sql} ORDER BY ${idColumn}`, where.params)) as Row[]);
    }
    await this.db.run(`DELETE FROM ${MODELS[model].table} WHERE id = ?`, [id]);
    this.#touchCharts(model, before ?? { id }, undefined);
    if (model === 'user') this.credentialsChanged();
    if (before) await this.#record(model, 'remove', before, undefined, options);
    const changed: ChangedRow[] = [];
    for (const [i, dependent] of MODELS[model].dependents.entries()) {
      for (const old of dependents[i]!) {
        if (dependent.removed) {
          changed.push({ model: dependent.model, id: old.id, action: 'remove', row: old });
          continue;
        }
        const row = (await this.get(dependent.model, 'id', old.id))!;
        this.#touchCharts(dependent.model, old, row);
        await this.#record(dependent.model, 'update', old, row, options);
        changed.push({ model: dependent.model, id: old.id, action: 'update', row });
      }
    }
    return changed;
  }

  /**
   * Where task `id` (null for one being created) lands when placed just
   * before or after task `neighbour` in the column `values` put it in (the
   * backlog, or one status of one sprint): `values.order` if it already sorts
   * there, or else the orders of the whole column spread out again (SPARSE_GAP
   * apart where they fit), every other task's new order written at once. A
   * renumbering is no one's action: it bumps versions (representations
   * change) but records no history. A neighbour not in that column (moved
   * meanwhile) leaves `values.order` as it is. Call within a transaction.
   */
  async makeRoom(id: number | null, values: Record<string, SqlValue>, neighbour: Neighbour): Promise<{ order: number; renumbered: Row[] }> {
    const order = Number(values.order ?? 0);
    const sprint = values.sprint ?? null;
    const where = sprint === null ? 'sprint_id IS NULL' : 'sprint_id = ? AND status = ?';
    const params: SqlValue[] = sprint === null ? [] : [sprint, values.status ?? null];
    const others = (await this.db.all(`SELECT id, "order" FROM tasks WHERE ${where} AND id <> ? ORDER BY "order", id${this.dialect.lock('tasks')}`, [...params, id ?? 0])).map(
      (row) => ({ id: Number(row.id), order: Number(row.order) }),
    );
    const at = others.findIndex((task) => task.id === neighbour.id);
    if (at === -1) return { order, renumbered: [] };
    const index = neighbour.side === 'before' ? at : at + 1;
    const previous = others[index - 1]?.order ?? ORDER_MIN - 1;
    const next = others[index]?.order ?? ORDER_MAX + 1;
    if (previous < order && order < next) return { order, renumbered: [] };
    const gap = Math.min(SPARSE_GAP, Math.floor(ORDER_MAX / (others.length + 2)));
    if (gap < 1) throw new HttpError(409, `The column holds ${others.length} tasks: too many to place one between two others.`);
    const renumbered: Row[] = [];
    for (const [i, task] of others.entries()) {
      const spread = gap * (i < index ? i + 1 : i + 2);
      if (spread === task.order) continue;
      await this.db.run('UPDATE tasks SET "order" = ?, version = version + 1 WHERE id = ?', [spread, task.id]);
      renumbered.push((await this.get('task', 'id', task.id))!);
    }
    return { order: gap * (index + 1), renumbered };
  }

  // History: one entry per write to a task, in the write's transaction.

  /** Records the write of a model with history: every field for an add or a remove, the changed ones for an update (nothing if none changed). */
  async #record(model: ModelName, action: HistoryAction, before: Row | undefined, after: Row | undefined, options: WriteOptions): Promise<void> {
    if (MODELS[model].commentOn) return this.#recordComment(model, before, after, options);
    const fields = MODELS[model].history;
    if (!fields) return;
    const lists = MODELS[model].lists ?? {};
    const changes: Record<string, [unknown, unknown]> = {};
    for (const [field, column] of Object.entries(fields)) {
      const old = before ? (before[column] ?? null) : null;
      const now = after ? (after[column] ?? null) : null;
      if (action === 'update' && old === now) continue;
      // A list as the API shows it: [] for none (or for the other side of an add or a remove).
      changes[field] = lists[column] ? [idList(old), idList(now)] : [old, now];
    }
    if (action === 'update' && Object.keys(changes).length === 0) return;
    const row = (after ?? before)!;
    const sprint = (row.sprint as number | null) ?? null;
    await this.#writeLater(HISTORY_INSERT, [
      row.id,
      // The version the write left the task at; a removal's is one past its last.
      after ? after.version : before!.version + 1,
      sprint,
      row.status as number,
      (row.points as number | null) ?? null,
      this.clock.now().toISOString(),
      options.by,
      action,
      JSON.stringify(changes),
      action === 'add' ? (options.restores ?? null) : null,
    ]);
    if (sprint !== null && (action === 'add' || changes.sprint)) await this.#writeLater(TASK_ENTERS_SPRINT, [sprint, row.id]);
  }

  /** A comment's write as a `comment` entry of its task's history: no version, sprint or status (it changes none of them). */
  async #recordComment(model: ModelName, before: Row | undefined, after: Row | undefined, options: WriteOptions): Promise<void> {
    const spec = MODELS[model].commentOn!;
    const changes: Record<string, [unknown, unknown]> = { comment: [before?.id ?? null, after?.id ?? null] };
    for (const [field, column] of Object.entries(spec.fields)) {
      const old = before ? (before[column] ?? null) : null;
      const now = after ? (after[column] ?? null) : null;
      if (!before || !after || old !== now) changes[field] = [old, now];
    }
    // Only its author gone (a user deleted): the comment says nothing new.
    if (before && after && Object.keys(changes).length === 1) return;
    const row = (after ?? before)!;
    await this.#writeLater(HISTORY_INSERT, [row[spec.task] as number, null, null, null, null, this.clock.now().toISOString(), options.by, 'comment', JSON.stringify(changes), null]);
  }

  /** See Executor.later. */
  async #writeLater(sql: string, params: SqlValue[]): Promise<void> {
    if (this.db.later) this.db.later(sql, params);
    else await this.db.run(sql, params);
  }

  #historyWhere(scope: HistoryScope): { sql: string; value: number } | null {
    const value = 'task' in scope ? scope.task : scope.sprint;
    if (!this.#comparable('id', value)) return null;
    const sql = 'task' in scope ? 'task_id = ?' : 'task_id IN (SELECT task_id FROM task_sprints WHERE sprint_id = ?)';
    return { sql, value };
  }

  /** Entries newest first, a page of them if `page` is given. */
  async history(scope: HistoryScope, options: { page?: { limit: number; offset: number } } = {}): Promise<HistoryEntry[]> {
    const where = this.#historyWhere(scope);
    if (!where) return [];
    const params: SqlValue[] = [where.value];
    let sql = `SELECT task_id, at, username, action, changes, restored_from FROM task_history WHERE ${where.sql} ORDER BY at DESC, task_id DESC, version DESC`;
    if (options.page) {
      sql += ' LIMIT ? OFFSET ?';
      params.push(options.page.limit, options.page.offset);
    }
    return (await this.db.all(sql, params)).map((row) => ({
      task: Number(row.task_id),
      at: String(row.at),
      user: (row.username as string | null) ?? null,
      action: row.action as HistoryAction,
      changes: JSON.parse(String(row.changes)) as HistoryEntry['changes'],
      restored_from: row.restored_from === null ? null : Number(row.restored_from),
    }));
  }

  /**
   * Where each task that is or was in the sprint stood after each of its
   * writes, oldest first (a removal: where it was): what a burndown replays.
   */
  async placements(sprint: number): Promise<Placement[]> {
    const where = this.#historyWhere({ sprint });
    if (!where) return [];
    const sql = `SELECT task_id, at, action, sprint_id, status, points FROM task_history WHERE ${where.sql} AND action <> 'comment' ORDER BY at, task_id, version`;
    return (await this.db.all(sql, [where.value])).map((row) => ({
      task: Number(row.task_id),
      at: String(row.at),
      removed: row.action === 'remove',
      sprint: row.sprint_id === null ? null : Number(row.sprint_id),
      status: Number(row.status),
      points: row.points === null ? null : Number(row.points),
    }));
  }

  async countHistory(scope: HistoryScope): Promise<number> {
    const where = this.#historyWhere(scope);
    if (!where) return 0;
    return Number((await this.db.all(`SELECT count(*) AS n FROM task_history WHERE ${where.sql}`, [where.value]))[0]!.n);
  }

  // Users and tokens: the authentication side, which the generic model API does not expose.

  async countUsers(): Promise<number> {
    return Number((await this.db.all('SELECT count(*) AS n FROM users', []))[0]!.n);
  }

  /** Throws UniqueViolation when the username is taken. */
  async createUser(user: { username: string; fullName: string; password: string }): Promise<Row> {
    await this.db.run('INSERT INTO users (username, full_name, password) VALUES (?, ?, ?)', [user.username, user.fullName, user.password]);
    this.credentialsChanged();
    return (await this.get('user', 'username', user.username))!;
  }

  /** Replaces the password hash and revokes the user's token; false if there is no such user. Call within a transaction. */
  async setPassword(username: string, password: string): Promise<boolean> {
    const changes = await this.db.run('UPDATE users SET password = ?, version = version + 1 WHERE username = ?', [password, username]);
    if (changes) await this.db.run('DELETE FROM tokens WHERE user_id = (SELECT id FROM users WHERE username = ?)', [username]);
    if (changes) this.credentialsChanged();
    return changes > 0;
  }

  /** The rows the deletion changed, or null if there is no such user. Call within a transaction. */
  async deleteUser(username: string, options: WriteOptions = COMMAND): Promise<ChangedRow[] | null> {
    const user = await this.get('user', 'username', username, { lock: true });
    return user ? this.delete('user', user.id, options) : null;
  }

  async credentialsByUsername(username: string): Promise<Credentials | undefined> {
    if (username.includes('\0')) return undefined;
    return (await this.db.all('SELECT id, username, password, is_active FROM users WHERE username = ?', [username]))[0] as Credentials | undefined;
  }

  async credentialsById(id: number): Promise<Credentials | undefined> {
    return (await this.db.all('SELECT id, username, password, is_active FROM users WHERE id = ?', [id]))[0] as Credentials | undefined;
  }

  async userByToken(key: string): Promise<TokenUser | undefined> {
    const sql = 'SELECT u.id, u.username, u.is_active FROM tokens k JOIN users u ON u.id = k.user_id WHERE k.key = ?';
    return (await this.db.all(sql, [key]))[0] as TokenUser | undefined;
  }

  /** The user's token, created with `newKey()` if they have none. */
  async tokenFor(userId: number, newKey: () => string): Promise<string> {
    if (await this.db.run('INSERT INTO tokens (key, user_id) VALUES (?, ?) ON CONFLICT (user_id) DO NOTHING', [newKey(), userId])) this.credentialsChanged();
    return String((await this.db.all('SELECT key FROM tokens WHERE user_id = ?', [userId]))[0]!.key);
  }

  async deleteToken(userId: number): Promise<boolean> {
    const deleted = (await this.db.run('DELETE FROM tokens WHERE user_id = ?', [userId])) > 0;
    if (deleted) this.credentialsChanged();
    return deleted;
  }

  // The whole board, for `npm run export` and `npm run import`.

  async exportAll(): Promise<BoardData> {
    const data: BoardData = {
      format: 'lightweight-board',
      version: EXPORT_VERSION,
      users: [],
      sprints: [],
      labels: [],
      tasks: [],
      task_labels: [],
      comments: [],
      tokens: [],
      task_history: [],
      next_ids: { users: 1, sprints: 1, tasks: 1, labels: 1, comments: 1 },
    };
    for (const table of TABLES) {
      const columns = TABLE_COLUMNS[table].map((c) => `"${c}"`).join(', ');
      data[table] = await this.db.all(`SELECT ${columns} FROM ${table} ORDER BY ${EXPORT_ORDER[table] ?? 'id'}`, []);
    }
    for (const row of await this.db.all(this.dialect.nextIds, [])) {
      if (ID_TABLES.includes(row.name as IdTable)) data.next_ids[row.name as IdTable] = Number(row.next);
    }
    return data;
  }

  /** How many rows each table holds. */
  async tableCounts(): Promise<Record<Table, number>> {
    const counts = {} as Record<Table, number>;
    for (const table of TABLES) counts[table] = Number((await this.db.all(`SELECT count(*) AS n FROM ${table}`, []))[0]!.n);
    return counts;
  }

  /**
   * Inserts every row as it is, ids included. Call within a transaction, on
   * an empty board. A version 1 export has no history: each task's `add` is
   * recorded, by nobody, and its sprints take today as their day.
   */
  async importAll(data: BoardData): Promise<void> {
    this.credentialsChanged();
    this.chartsChanged('all');
    const today = this.today();
    for (const table of TABLES) {
      const rows: Record<string, unknown>[] = table === 'sprints' && data.version === 1 ? data.sprints.map((row) => ({ created: today, ...row })) : (data[table] ?? []);
      for (const row of rows) {
        const columns = Object.keys(row);
        const unknown = columns.find((c) => !TABLE_COLUMNS[table].includes(c));
        if (unknown !== undefined) throw new Error(`${table} has no column "${unknown.slice(0, 40)}"`);
        const sql = `INSERT INTO ${table} (${columns.map((c) => `"${c}"`).join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`;
        await this.db.run(sql, columns.map((c) => row[c] as SqlValue));
      }
    }
    if (data.version === 1) {
      for (const task of data.tasks) await this.#record('task', 'add', undefined, (await this.get('task', 'id', Number(task.id)))!, { by: null });
    } else {
      await this.db.run('INSERT INTO task_sprints (sprint_id, task_id) SELECT DISTINCT sprint_id, task_id FROM task_history WHERE sprint_id IS NOT NULL', []);
    }
    for (const table of ID_TABLES) {
      const largest = Math.max(0, ...(data[table] ?? []).map((row) => Number(row.id)));
      const next = Math.max(largest + 1, Number(data.next_ids?.[table]) || 1);
      for (const sql of this.dialect.setNextId(table)) await this.db.run(sql, sql.includes('?') ? [next] : []);
    }
  }
}

/** What the app holds: the queries, plus transactions, a change counter for caches, health and shutdown. */
export interface Store extends Queries {
  readonly engine: 'sqlite' | 'postgresql';
  /** Where the data lives, for messages (never with a password). */
  readonly location: string;
  /**
   * A number that changes whenever the data may have: at once after our own
   * commits, and soon after another process's. Caches key on it.
   */
  generation(): number;
  /**
   * A number that moves whenever a token, a password or a user's active
   * state may have changed: at once for this process's own commits, within
   * milliseconds for another process's (SQLite's data_version; PostgreSQL's
   * NOTIFY, which a commit that changes credentials sends). Caches of
   * credentials key on it, so that a revocation takes effect at once here
   * and within 100 ms everywhere else; unlike generation() it stays put
   * while tasks and sprints are written. Null while this process cannot
   * hear other processes' commits (PostgreSQL's LISTEN connection is down):
   * credentials must then be read on every request until it is back.
   */
  credentialsVersion(): number | null;
  /**
   * A value that changes whenever the charts of sprint `of` may have (a
   * commit touching it, see Queries.chartsChanged; for `any`, any sprint's):
   * at once for our commits, as soon as heard of for another process's, and
   * on every call while they cannot be heard. Chart caches key on it, so a
   * write to one sprint leaves the others' burndowns cached.
   */
  chartsStamp(of: number | 'any'): string;
  /**
   * Run `work` in a transaction, committed (and durable) when the promise
   * resolves; any error rolls it back. `work` must use the `tx` it is given.
   * `readOnly` work sees one consistent snapshot throughout (an export
   * while others write) and may not write.
   */
  transaction<T>(work: (tx: Queries) => Promise<T>, options?: { readOnly?: boolean }): Promise<T>;
  health(): Promise<DependencyHealth>;
  close(): Promise<void>;
}

/** The board's store as the settings choose: PostgreSQL with DATABASE_URL, else the SQLite file. Migrated before it is returned. */
export async function openStore(settings: Pick<Settings, 'databaseUrl' | 'databasePath'>, log: (line: string) => void = () => {}): Promise<Store> {
  if (settings.databaseUrl) {
    const { openPostgresStore } = await import('./postgres.ts');
    return openPostgresStore(settings.databaseUrl, log);
  }
  const { openSqliteStore } = await import('./sqlite.ts');
  return openSqliteStore(settings.databasePath);
}
