// Tokens are looked up once and then served from memory, on both engines,
// and a revocation still takes effect at once on the process (here: the
// store) that made it and within 100 ms on every other process sharing the
// database (SQLite: another connection to the file; PostgreSQL: another
// pool with its own LISTEN connection). A store that has lost its channel
// to the other processes reads the token on every request until it is back.
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import pg from 'pg';
import { TokenCache } from '../src/board/auth.ts';
import { openStore, type Store } from '../src/board/store.ts';
import { createUser } from '../src/board/users.ts';
import { tempDir, until } from './helpers.ts';
import { POSTGRES_UNAVAILABLE, postgresDatabase } from './services.ts';

const OTHER_PROCESS_MS = 100;

/** The store, with a count of the token reads that reached it. */
function counting(store: Store): { store: Store; reads: () => number } {
  let reads = 0;
  const counted = new Proxy(store, {
    get(target, name) {
      if (name === 'userByToken') {
        return (key: string) => {
          reads++;
          return target.userByToken(key);
        };
      }
      const value = Reflect.get(target, name, target) as unknown;
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return { store: counted, reads: () => reads };
}

let users = 0;
/** A new user with a token of its own; its id and token. */
async function userWithToken(store: Store): Promise<{ id: number; token: string }> {
  const username = `user${++users}`;
  await createUser(store, { username, password: 'a long enough password' });
  const { id } = (await store.get('user', 'username', username))!;
  const token = await store.transaction((tx) => tx.tokenFor(id, () => `${String(users).padStart(2, '0')}`.repeat(20)));
  return { id, token };
}

/** Milliseconds until `cache` no longer knows `token`; fails past `ms`. */
async function forgottenWithin(cache: TokenCache, token: string, ms: number): Promise<number> {
  const started = performance.now();
  while ((await cache.user(token)) !== undefined) {
    const elapsed = performance.now() - started;
    if (elapsed > ms) assert.fail(`the token still worked ${elapsed.toFixed(0)} ms after it was revoked elsewhere`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  return performance.now() - started;
}

function suite(engine: string, open: () => Promise<Store>): void {
  describe(`token cache on ${engine}`, () => {
    const stores: Store[] = [];
    const opened = async () => {
      const store = await open();
      stores.push(store);
      return store;
    };
    after(() => Promise.all(stores.map((store) => store.close())));

    it('reads a token once, and not again while only tasks and sprints are written', async () => {
      const { store, reads } = counting(await opened());
      const cache = new TokenCache(store);
      const { token } = await userWithToken(store);
      assert.equal((await cache.user(token))?.username, `user${users}`);
      assert.equal((await cache.user(token))?.username, `user${users}`);
      assert.equal(reads(), 1);
      await store.transaction((tx) => tx.insert('task', { name: 'Unrelated', description: '', order: 0, status: 1 }));
      assert.equal((await cache.user(token))?.username, `user${users}`);
      assert.equal(reads(), 1, 'a task write leaves credentials alone');
      assert.equal(await cache.user('f'.repeat(40)), undefined);
      assert.equal(await cache.user('f'.repeat(40)), undefined);
      assert.equal(reads(), 2, 'an unknown token is remembered as unknown too');
    });

    it('forgets a token revoked through the same store at once, and knows a new one at once', async () => {
      const store = await opened();
      const cache = new TokenCache(store);
      const { id, token } = await userWithToken(store);
      assert.ok(await cache.user(token));
      await store.transaction((tx) => tx.deleteToken(id));
      assert.equal(await cache.user(token), undefined, 'revoked');
      await store.transaction((tx) => tx.tokenFor(id, () => token));
      assert.ok(await cache.user(token), 'issued again');
    });

    it(`forgets, within ${OTHER_PROCESS_MS} ms, a token revoked or a user deleted by another process`, async () => {
      const [here, there] = [await opened(), await opened()];
      const cache = new TokenCache(here);
      for (let i = 0; i < 10; i++) {
        const { id, token } = await userWithToken(there);
        assert.ok(await cache.user(token), 'known, and cached');
        await there.transaction((tx) => tx.deleteToken(id));
        await forgottenWithin(cache, token, OTHER_PROCESS_MS);
      }
      const { token } = await userWithToken(there);
      assert.ok(await cache.user(token));
      await there.transaction((tx) => tx.deleteUser(`user${users}`));
      await forgottenWithin(cache, token, OTHER_PROCESS_MS);
    });
  });
}

const sqliteFile = path.join(tempDir(), 'board.sqlite3');
suite('SQLite', () => openStore({ databasePath: sqliteFile, databaseUrl: null }));

const databaseUrl = await postgresDatabase();
if (databaseUrl) {
  suite('PostgreSQL', () => openStore({ databasePath: '', databaseUrl }));

  describe('token cache on PostgreSQL without its LISTEN connection', () => {
    const stores: Store[] = [];
    // On the server's own database: a database's connections cannot be disallowed from within it.
    const admin = new pg.Client({ connectionString: process.env.TEST_POSTGRES_URL });
    const database = new URL(databaseUrl).pathname.slice(1);
    after(async () => {
      await admin.query(`ALTER DATABASE ${database} ALLOW_CONNECTIONS true`).catch(() => {});
      await admin.end();
      await Promise.all(stores.map((store) => store.close()));
    });

    it('reads the token on every request until the channel is back, then caches again', async () => {
      await admin.connect();
      const open = async () => {
        const store = await openStore({ databasePath: '', databaseUrl });
        stores.push(store);
        return store;
      };
      const [here, there] = [await open(), await open()];
      const { store, reads } = counting(here);
      const cache = new TokenCache(store);
      const first = await userWithToken(there);
      const second = await userWithToken(there);
      // Connections made now (a pool's first) stay open while the listeners are cut off and cannot come back.
      await Promise.all([here.health(), there.health()]);
      assert.ok(await cache.user(first.token));

      await admin.query(`ALTER DATABASE ${database} ALLOW_CONNECTIONS false`);
      await admin.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND application_name = 'lightweight listener'", [database]);
      await until('the store to notice it lost its channel', () => here.credentialsVersion() === null);
      const before = reads();
      assert.ok(await cache.user(second.token));
      assert.ok(await cache.user(second.token));
      assert.equal(reads() - before, 2, 'read on every request');
      await there.transaction((tx) => tx.deleteToken(second.id));
      assert.equal(await cache.user(second.token), undefined, 'the revocation, unheard, takes effect at once');
      assert.ok(await cache.user(first.token));

      await admin.query(`ALTER DATABASE ${database} ALLOW_CONNECTIONS true`);
      await until('the channel to be back', () => here.credentialsVersion() !== null && there.credentialsVersion() !== null, 15_000);
      assert.ok(await cache.user(first.token));
      const back = reads();
      assert.ok(await cache.user(first.token));
      assert.equal(reads(), back, 'cached again');
      await there.transaction((tx) => tx.deleteToken(first.id));
      await forgottenWithin(cache, first.token, OTHER_PROCESS_MS);
    });
  });
} else {
  describe('token cache on PostgreSQL', () => it('runs against PostgreSQL', (t) => t.skip(POSTGRES_UNAVAILABLE)));
}
