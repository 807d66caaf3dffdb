// The build's writer threads (src/publish/writer.ts): real threads writing
// real files, compressed, into a staging folder.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
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
