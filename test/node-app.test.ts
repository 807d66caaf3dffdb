// `node app.ts` on the newest LTS in .ci/node-versions: Node strips the
// types itself, no tsx anywhere, and every part answers. Skipped, saying why,
// where that Node is not at hand (an error in CI, whose .ci/run fetches it).
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ROOT } from '../src/settings.ts';
import { pinnedNode, pinnedNodes } from './node-versions.ts';
import { POSTGRES_UNAVAILABLE, postgresDatabase, unavailable } from './services.ts';
import { tempDir } from './temp-dir.ts';

const newest = pinnedNodes().at(-1)!;
const node = pinnedNode(newest);
const NOT_AT_HAND = `Node ${newest} is not at hand: \`bash .ci/node.sh ${newest}\` fetches it`;
if (!node) unavailable(NOT_AT_HAND);

/**
 * The board's database: SQLite when this install's better-sqlite3 was built
 * for that Node's ABI (CI's run on it), else PostgreSQL, which needs no addon
 * (CI's runs on the older lines); null when neither can be had.
 */
async function boardOn(node: string): Promise<Record<string, string> | null> {
  const sqlite = spawnSync(node, ['-e', "new (require('better-sqlite3'))(':memory:')"], { cwd: ROOT, stdio: 'ignore' });
  if (sqlite.status === 0) return { DATABASE_PATH: path.join(tempDir(), 'board.sqlite3') };
  const url = await postgresDatabase();
  return url ? { DATABASE_URL: url } : null;
}

const board = node ? await boardOn(node) : null;
const skip = !node ? NOT_AT_HAND : !board ? `better-sqlite3 here is built for Node ${process.versions.node}, and ${POSTGRES_UNAVAILABLE}` : false;

describe(`node app.ts on Node ${newest} (type stripping, no tsx)`, { skip }, () => {
  let url = '';
  let output = '';
  let exited: Promise<number | null>;
  let stop = () => {};

  before(async () => {
    const { NODE_OPTIONS: _, ...env } = process.env;
    const child = spawn(node!, ['app.ts'], {
      cwd: ROOT,
      env: { ...env, ...board, PORT: '0', HOST: '127.0.0.1', DEBUG: 'off', SECRET_KEY: 'type-stripping-test-secret-key-0123456789' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    stop = () => child.kill('SIGTERM');
    exited = new Promise((resolve) => child.on('exit', (code) => resolve(code)));
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`node app.ts did not serve within 30 s:\n${output}`)), 30_000);
      child.stdout.on('data', () => {
        const port = / at http:\/\/localhost:(\d+)\//.exec(output)?.[1];
        if (port) {
          clearTimeout(timer);
          resolve(`http://127.0.0.1:${port}`);
        }
      });
      void exited.then((code) => reject(new Error(`node app.ts exited with ${code} before serving:\n${output}`)));
    });
  });
  after(() => stop());

  for (const [route, type] of [
    ['/', 'text/html'],
    ['/image/300x200/', 'image/'],
    ['/api/', 'application/json'],
    ['/board/', 'text/html'],
  ] as const) {
    it(`answers ${route}`, async () => {
      const response = await fetch(url + route, { headers: { accept: type === 'image/' ? 'image/png' : type } });
      assert.equal(response.status, 200, `${route}: ${await response.clone().text()}`);
      assert.match(response.headers.get('content-type') ?? '', new RegExp(`^${type}`));
      assert.ok((await response.arrayBuffer()).byteLength > 0);
    });
  }

  it('stops on SIGTERM with exit code 0, having said nothing about tsx or an error', async () => {
    stop();
    assert.equal(await exited, 0, output);
    assert.doesNotMatch(output, /tsx|ExperimentalWarning|Error/, output);
  });
});
