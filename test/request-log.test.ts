// The request log: every line written once and in order, at once when the
// server is quiet, in a few large writes when it is busy.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { createLog } from '../src/http.ts';
import { ROOT } from '../src/settings.ts';

function recorder(): { stream: Writable; writes: string[] } {
  const writes: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      writes.push(chunk.toString());
      done();
    },
  });
  return { stream, writes };
}

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('request log', () => {
  it('writes a line of a quiet server on the next turn of the event loop', async () => {
    const { stream, writes } = recorder();
    const log = createLog(stream);
    await new Promise((resolve) => setTimeout(resolve, 5));
    log('GET /image/300x200/ 200 0.1ms');
    assert.deepEqual(writes, [], 'not in the middle of the request');
    await nextTurn();
    assert.deepEqual(writes, ['GET /image/300x200/ 200 0.1ms\n']);
  });

  it('writes a busy server\'s lines in far fewer writes than turns of the loop, each line once and in order', async () => {
    const { stream, writes } = recorder();
    const log = createLog(stream);
    const turns = 2000;
    const started = performance.now();
    for (let turn = 0; turn < turns; turn++) {
      for (let i = 0; i < 3; i++) log(`line ${turn * 3 + i}`);
      await nextTurn();
    }
    const elapsedMs = performance.now() - started;
    await new Promise((resolve) => setTimeout(resolve, 10));
    const lines = writes.join('').split('\n').slice(0, -1);
    assert.deepEqual(lines, Array.from({ length: turns * 3 }, (_, i) => `line ${i}`));
    // At most one write per millisecond (plus the first, at once).
    assert.ok(writes.length <= Math.ceil(elapsedMs) + 2, `${writes.length} writes in ${elapsedMs.toFixed(0)} ms`);
    assert.ok(writes.length < turns / 2, `${writes.length} writes for ${turns} turns`);
  });

  it('adds no exit listener per log (one app per test made one each), yet writes a waiting batch when the process exits', () => {
    const listeners = process.listenerCount('exit');
    for (let i = 0; i < 20; i++) createLog(recorder().stream)('a line');
    assert.equal(process.listenerCount('exit'), listeners);
    const script = "const { createLog } = await import('./src/http.ts'); createLog()('GET / 200 1ms'); process.exit(0);";
    const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
    assert.equal(out, 'GET / 200 1ms\n');
  });
});
