// The board's storage on both engines: numbered migrations that keep data
// (and that several processes may start at once), the deletion rules in the
// schema, transactions that fail one by one, races decided by the database,
// and SQL kept in the storage modules.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { MIGRATIONS } from '../src/board/migrations.ts';
import { openStore, UniqueViolation, type Store } from '../src/board/store.ts';
import { ROOT } from '../src/settings.ts';
import { tempDir } from './helpers.ts';
import { POSTGRES_UNAVAILABLE, postgresDatabase } from './services.ts';

const sqliteFile = (file = path.join(tempDir(), 'board.sqlite3')) => ({ databasePath: file, databaseUrl: null });

describe('migrations', () => {
  it('creates the database, its folder and the whole schema at start-up, in WAL mode', async () => {
    const file = path.join(tempDir(), 'nested', 'folder', 'board.sqlite3');
    const store = await openStore(sqliteFile(file));
    await store.close();
    const db = new Database(file, { readonly: true });
    assert.equal(db.pragma('user_version', { simple: true }), MIGRATIONS.length);
    assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
    const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").all() as Array<{ name: string }>).map((t) => t.name);
    assert.deepEqual(tables, ['comments', 'labels', 'sprints', 'task_history', 'task_labels', 'task_sprints', 'tasks', 'tokens', 'users']);
    db.close();
  });

  it('upgrades an older database without losing its data', async () => {
    const file = path.join(tempDir(), 'board.sqlite3');
    const old = new Database(file);
    old.exec(MIGRATIONS[0]!.sqlite as string);
    old.pragma('user_version = 1');
    old.prepare("INSERT INTO users (username, password) VALUES ('olduser', 'x')").run();
    old.prepare("INSERT INTO sprints (name, \"end\") VALUES ('Old sprint', '2030-01-01')").run();
    old.prepare("INSERT INTO tasks (name, sprint_id, assigned_id) VALUES ('Old task', 1, 1)").run();
    old.close();

    const store = await openStore(sqliteFile(file));
    assert.equal((await store.get('task', 'id', 1))?.name, 'Old task');
    assert.equal((await store.get('task', 'id', 1))?.assigned_username, 'olduser');
    assert.equal((await store.get('sprint', 'id', 1))?.end, '2030-01-01');
    assert.match(await store.transaction((tx) => tx.tokenFor(1, () => 'a'.repeat(40))), /^a{40}$/, 'the new tokens table works');
    assert.equal((await store.get('sprint', 'id', 1))?.created, store.today(), 'a sprint from before the migration takes its day');
    const [entry, ...more] = await store.history({ task: 1 });
    assert.equal(more.length, 0);
    assert.deepEqual({ ...entry, at: typeof entry!.at }, {
      task: 1,
      at: 'string',
      user: null,
      action: 'add',
      changes: {
        name: [null, 'Old task'],
        description: [null, ''],
        sprint: [null, 1],
        status: [null, 1],
        order: [null, 0],
        assigned: [null, 'olduser'],
        started: [null, null],
        due: [null, null],
        completed: [null, null],
      },
      restored_from: null,
    }, 'a task from before history begins it with what it is');
    assert.deepEqual([(await store.get('task', 'id', 1))?.points, (await store.get('task', 'id', 1))?.labels], [null, ''], 'a task from before points has none, and no labels');
    assert.deepEqual((await store.placements(1)).map((p) => [p.task, p.status, p.points]), [[1, 1, null]], 'its history survives the rebuild of the history table');
    await store.close();
    const reopened = new Database(file, { readonly: true });
    assert.equal(reopened.pragma('user_version', { simple: true }), MIGRATIONS.length);
    reopened.close();
  });

  it('refuses a database from a newer version of the app', async () => {
    const file = path.join(tempDir(), 'board.sqlite3');
    const db = new Database(file);
    db.pragma(`user_version = ${MIGRATIONS.length + 1}`);
    db.close();
    await assert.rejects(openStore(sqliteFile(file)), /newer than this code knows/);
  });
});

const engines: Array<{ engine: string; open: () => Promise<Store | null> }> = [
  { engine: 'SQLite', open: () => openStore(sqliteFile()) },
  {
    engine: 'PostgreSQL',
    open: async () => {
      const url = await postgresDatabase();
      return url ? openStore({ databasePath: '', databaseUrl: url }) : null;
    },
  },
];

for (const { engine, open } of engines) {
  describe(`the store on ${engine}`, () => {
    let store: Store | null;
    before(async () => {
      store = await open();
    });
    after(() => store?.close());
    const on = (name: string, fn: (store: Store) => Promise<void>) =>
      it(name, async (t) => {
        if (!store) return t.skip(POSTGRES_UNAVAILABLE);
        await fn(store);
      });

    on("applies the book's deletion rules in the schema", async (store) => {
      const { sprint, task } = await store.transaction(async (tx) => {
        const user = await tx.createUser({ username: 'u', fullName: '', password: 'x' });
        const sprint = await tx.insert('sprint', { name: 's', description: '', end: '2031-01-01' });
        const task = await tx.insert('task', { name: 't', description: '', sprint: sprint.id, status: 4, order: 0, assigned: user.id, started: '2030-12-01', due: '2030-12-24', completed: '2030-12-20' });
        return { sprint, task };
      });
      assert.deepEqual((await store.transaction((tx) => tx.delete('sprint', sprint.id))).map(({ model, id }) => ({ model, id })), [{ model: 'task', id: task.id }]);
      const moved = (await store.get('task', 'id', task.id))!;
      assert.deepEqual([moved.sprint, moved.status, moved.started, moved.completed, moved.due], [null, 1, null, null, '2030-12-24']);
      assert.equal(moved.version, task.version + 1, 'the moved task has a new version, so its ETag changes');
      await store.transaction((tx) => tx.deleteUser('u'));
      assert.equal((await store.get('task', 'id', task.id))!.assigned, null);
    });

    on('rolls back a failed transaction alone, among others running at the same time', async (store) => {
      const results = await Promise.allSettled([
        store.transaction((tx) => tx.insert('sprint', { name: 'a', description: '', end: '2032-01-01' })),
        store.transaction(async (tx) => {
          await tx.insert('sprint', { name: 'half done', description: '', end: '2032-01-02' });
          throw new Error('changed my mind');
        }),
        store.transaction((tx) => tx.insert('sprint', { name: 'c', description: '', end: '2032-01-03' })),
      ]);
      assert.deepEqual(results.map((r) => r.status), ['fulfilled', 'rejected', 'fulfilled']);
      const rows = await store.list('sprint', { where: [{ column: 'end', op: '>=', value: '2032-01-01' }], search: null, orderBy: [{ column: 'end', descending: false }], limit: 10, offset: 0 });
      assert.deepEqual(rows.map((s) => s.name), ['a', 'c']);
    });

    on('lets the unique constraint decide between concurrent writers of one end date', async (store) => {
      const results = await Promise.allSettled(
        Array.from({ length: 8 }, (_, i) => store.transaction((tx) => tx.insert('sprint', { name: `racer ${i}`, description: '', end: '2033-03-03' }))),
      );
      assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
      for (const result of results.filter((r) => r.status === 'rejected')) {
        const error = (result as PromiseRejectedResult).reason;
        assert.ok(error instanceof UniqueViolation, String(error));
        assert.deepEqual([error.model, error.column], ['sprint', 'end']);
      }
    });

    on('serialises concurrent read-modify-write transactions on one row (no lost update)', async (store) => {
      const sprint = await store.transaction((tx) => tx.insert('sprint', { name: '0', description: '', end: '2034-04-04' }));
      await Promise.all(
        Array.from({ length: 10 }, () =>
          store.transaction(async (tx) => {
            const row = (await tx.get('sprint', 'id', sprint.id, { lock: true }))!;
            await new Promise((resolve) => setImmediate(resolve)); // let the others try meanwhile
            await tx.update('sprint', sprint.id, { name: String(Number(row.name) + 1) });
          }),
        ),
      );
      const final = (await store.get('sprint', 'id', sprint.id))!;
      assert.equal(final.name, '10');
      assert.equal(final.version, 11);
    });

    on('finds nothing, rather than failing, for ids no row can have', async (store) => {
      for (const id of [2 ** 63, 1e20, -1, 1.5, Number.NaN]) assert.equal(await store.get('task', 'id', id), undefined);
      assert.deepEqual(await store.list('task', { where: [{ column: 'sprint', op: '=', value: 999_999_999_999_999 }], search: null, orderBy: [], limit: 5, offset: 0 }), []);
    });

    on('searches case-insensitively beyond ASCII, and sorts text by code point with nulls first', async (store) => {
      const names = ['Érable', 'zèbre', 'Zebra', 'apple', 'ÉCOLE'];
      const first = await store.transaction(async (tx) => {
        const ids = [];
        for (const [i, name] of names.entries()) ids.push((await tx.insert('task', { name, description: '', due: i % 2 ? null : `2035-01-0${i + 1}` })).id);
        return ids[0]!;
      });
      const list = (query: Partial<Parameters<Store['list']>[1]>) =>
        store
          .list('task', { where: [{ column: 'id', op: '>=', value: first }], search: null, orderBy: [], limit: 50, offset: 0, ...query })
          .then((rows) => rows.map((row) => row.name));
      assert.deepEqual(await list({ search: { columns: ['name'], words: ['éc'] } }), ['ÉCOLE']);
      assert.deepEqual(await list({ search: { columns: ['name'], words: ['ZÈ'] } }), ['zèbre']);
      assert.deepEqual(await list({ orderBy: [{ column: 'name', descending: false }] }), [...names].sort(), 'code point order, as JavaScript sorts');
      assert.deepEqual((await list({ orderBy: [{ column: 'due', descending: false }] })).slice(0, 2), ['zèbre', 'apple'], 'no due date first');
      assert.deepEqual((await list({ orderBy: [{ column: 'due', descending: true }] })).slice(-2), ['zèbre', 'apple'], 'and last when descending');
    });

    on('exports everything it holds and imports it into an empty board', async (store) => {
      const data = await store.exportAll();
      assert.equal(data.format, 'lightweight-board');
      assert.ok(data.sprints.length > 0 && data.tasks.length > 0);
      const copy = await openStore(sqliteFile());
      try {
        await copy.transaction((tx) => tx.importAll(data));
        assert.deepEqual(await copy.exportAll(), data);
      } finally {
        await copy.close();
      }
    });
  });
}

it('keeps SQL in the storage modules', () => {
  const dir = path.join(ROOT, 'src', 'board');
  const storage = ['store.ts', 'sqlite.ts', 'postgres.ts', 'migrations.ts'];
  const offenders = readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.ts') && !storage.includes(file) && !file.startsWith('client'))
    .filter((file) => /better-sqlite3|from 'pg'|\.prepare\(|\b(SELECT|INSERT INTO|UPDATE \w+ SET|DELETE FROM)\b/.test(readFileSync(path.join(dir, file), 'utf8')));
  assert.deepEqual(offenders, []);
});
