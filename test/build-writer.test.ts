// The build's writer threads (src/publish/writer.ts): real threads writing
// real files, compressed, into a staging folder.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import zlib from 'node:zlib';
import { startWriter } from '../src/publish/writer.ts';
import { tempDir } from './temp-dir.ts';

const page = (i: number) => Buffer.from(`<!doctype html><title>Page ${i}</title>${'<p>Lorem ipsum dolor sit amet.</p>'.repeat(60)}`);

test('a build writing a few files starts one writer thread; one writing many starts the second once files wait', async () => {
  const few = tempDir('lightweight-writer-few-');
  const writer = startWriter(few, { live: null, threads: 2, cache: null });
  for (let i = 0; i < 3; i++) await writer.write(`p${i}/index.html`, page(i), { brotliQuality: 5, cached: false });
  await writer.settle();
  assert.equal(writer.threads(), 1);
  await writer.close();
  assert.equal(readFileSync(path.join(few, 'p2/index.html'), 'utf8'), page(2).toString());
  assert.equal(zlib.brotliDecompressSync(readFileSync(path.join(few, 'p2/index.html.br'))).toString(), page(2).toString());

  const many = tempDir('lightweight-writer-many-');
  const busy = startWriter(many, { live: null, threads: 2, cache: null });
  await Promise.all(Array.from({ length: 200 }, (_, i) => busy.write(`p${i}/index.html`, page(i), { brotliQuality: 5, cached: false })));
  await busy.settle();
  assert.equal(busy.threads(), 2);
  assert.equal(busy.stats.files, 200);
  await busy.close();
  assert.equal(zlib.gunzipSync(readFileSync(path.join(many, 'p199/index.html.gz'))).toString(), page(199).toString());
});

test('a build of a few files writes them on its own thread, compressed and kept in the cache as a thread would', async () => {
  const dir = tempDir('lightweight-writer-here-');
  const cacheDir = tempDir('lightweight-writer-cache-');
  const writer = startWriter(dir, { live: null, threads: 0, cache: { dir: cacheDir, version: 'test' } });
  await writer.write('a/index.html', page(1), { brotliQuality: 5, cached: true });
  await writer.write('robots.txt', Buffer.from('User-agent: *\n'), null);
  await writer.settle();
  assert.equal(writer.threads(), 0);
  assert.deepEqual([...writer.changed], [['a/index.html', true], ['robots.txt', false]]);
  assert.equal(zlib.brotliDecompressSync(readFileSync(path.join(dir, 'a/index.html.br'))).toString(), page(1).toString());
  assert.equal(readFileSync(path.join(dir, 'robots.txt'), 'utf8'), 'User-agent: *\n');
  await writer.close();
  assert.ok((readdirSync(cacheDir, { recursive: true }) as string[]).some((file) => file.startsWith('compressed')), 'the .gz and .br kept in the cache');

  // A thread writes the same siblings from that cache.
  const again = tempDir('lightweight-writer-again-');
  const threaded = startWriter(again, { live: null, threads: 1, cache: { dir: cacheDir, version: 'test' } });
  await threaded.write('a/index.html', page(1), { brotliQuality: 5, cached: true });
  await threaded.settle();
  await threaded.close();
  assert.deepEqual(readFileSync(path.join(again, 'a/index.html.gz')), readFileSync(path.join(dir, 'a/index.html.gz')));
});


test('a writer thread and the main thread never name a temporary file alike, though each counts from 0', async () => {
  const { temporaryBeside } = await import('../src/publish/write-whole.mjs');
  const module = new URL('../src/publish/write-whole.mjs', import.meta.url).href;
  const source = `import { parentPort } from 'node:worker_threads';
    const { temporaryBeside } = await import(${JSON.stringify(module)});
    parentPort.postMessage(temporaryBeside('/cache/entry'));`;
  const { Worker } = await import('node:worker_threads');
  const worker = new Worker(new URL(`data:text/javascript,${encodeURIComponent(source)}`), { execArgv: [] });
  const inThread = await new Promise<string>((resolve, reject) => worker.once('message', resolve).once('error', reject));
  await worker.terminate();
  assert.notEqual(temporaryBeside('/cache/entry'), inThread);
});
