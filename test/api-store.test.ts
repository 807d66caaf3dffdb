// The board's data module: numbered migrations that keep data, WAL, the
// deletion rules in the schema, grouped writes that fail one by one, and
// SQL kept in that one module.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { MIGRATIONS, openStore } from '../src/board/db.ts';
import { ROOT } from '../src/settings.ts';
import { tempDir } from './helpers.ts';

describe('migrations', () => {
  it('creates the database, its folder and the whole schema at start-up, in WAL mode', async () => {
    const file = path.join(tempDir(), 'nested', 'folder', 'board.sqlite3');
    const store = openStore(file);
    await store.close();
    const db = new Database(file, { readonly: true });
    assert.equal(db.pragma('user_version', { simple: true }), MIGRATIONS.length);
    assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
    const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").all() as Array<{ name: string }>).map((t) => t.name);
    assert.deepEqual(tables, ['sprints', 'tasks', 'tokens', 'users']);
    db.close();
  });

  it('upgrades an older database without losing its data', async () => {
    const file = path.join(tempDir(), 'board.sqlite3');
    const old = new Database(file);
    old.exec(MIGRATIONS[0]!.sql);
    old.pragma('user_version = 1');
    old.prepare("INSERT INTO users (username, password) VALUES ('olduser', 'x')").run();
    old.prepare("INSERT INTO sprints (name, \"end\") VALUES ('Old sprint', '2030-01-01')").run();
    old.prepare("INSERT INTO tasks (name, sprint_id, assigned_id) VALUES ('Old task', 1, 1)").run();
    old.close();

    const store = openStore(file);
    assert.equal(store.get('task', 'id', 1)?.name, 'Old task');
    assert.equal(store.get('task', 'id', 1)?.assigned_username, 'olduser');
    assert.equal(store.get('sprint', 'id', 1)?.end, '2030-01-01');
    assert.match(await store.write(() => store.tokenFor(1, () => 'a'.repeat(40))), /^a{40}$/, 'the new tokens table works');
    await store.close();
    const reopened = new Database(file, { readonly: true });
    assert.equal(reopened.pragma('user_version', { simple: true }), MIGRATIONS.length);
    reopened.close();
  });

  it('refuses a database from a newer version of the app', () => {
    const file = path.join(tempDir(), 'board.sqlite3');
    const db = new Database(file);
    db.pragma(`user_version = ${MIGRATIONS.length + 1}`);
    db.close();
    assert.throws(() => openStore(file), /newer than this code knows/);
  });
});

describe('the store', () => {
  it('applies the book\'s deletion rules in the schema', async () => {
    const store = openStore(path.join(tempDir(), 'board.sqlite3'));
    const { sprint, task } = await store.write(() => {
      const user = store.createUser({ username: 'u', fullName: '', password: 'x' });
      const sprint = store.insert('sprint', { name: 's', description: '', end: '2031-01-01' });
      const task = store.insert('task', { name: 't', description: '', sprint: sprint.id, status: 4, order: 0, assigned: user.id, started: '2030-12-01', due: '2030-12-24', completed: '2030-12-20' });
      return { sprint, task };
    });
    assert.deepEqual(await store.write(() => store.delete('sprint', sprint.id)), [{ model: 'task', id: task.id }]);
    const moved = store.get('task', 'id', task.id)!;
    assert.deepEqual([moved.sprint, moved.status, moved.started, moved.completed, moved.due], [null, 1, null, null, '2030-12-24']);
    assert.equal(moved.version, task.version + 1, 'the moved task has a new version, so its ETag changes');
    await store.write(() => store.deleteUser('u'));
    assert.equal(store.get('task', 'id', task.id)!.assigned, null);
    await store.close();
  });

  it('commits writes queued together, each failing alone', async () => {
    const store = openStore(path.join(tempDir(), 'board.sqlite3'));
    const results = await Promise.allSettled([
      store.write(() => store.insert('sprint', { name: 'a', description: '', end: '2031-01-01' })),
      store.write(() => {
        store.insert('sprint', { name: 'half done', description: '', end: '2031-01-02' });
        throw new Error('changed my mind');
      }),
      store.write(() => store.insert('sprint', { name: 'c', description: '', end: '2031-01-03' })),
    ]);
    assert.deepEqual(results.map((r) => r.status), ['fulfilled', 'rejected', 'fulfilled']);
    const names = store.list('sprint', { where: [], search: null, orderBy: [{ column: 'end', descending: false }], limit: 10, offset: 0 }).map((s) => s.name);
    assert.deepEqual(names, ['a', 'c']);
    await store.close();
  });

  it('is the only module with SQL', () => {
    const dir = path.join(ROOT, 'src', 'board');
    const offenders = readdirSync(dir, { recursive: true, encoding: 'utf8' })
      .filter((file) => file.endsWith('.ts') && file !== 'db.ts' && !file.startsWith('client'))
      .filter((file) => /better-sqlite3|\.prepare\(|\b(SELECT|INSERT INTO|UPDATE \w+ SET|DELETE FROM)\b/.test(readFileSync(path.join(dir, file), 'utf8')));
    assert.deepEqual(offenders, []);
  });
});
