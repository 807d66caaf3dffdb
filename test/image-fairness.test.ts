// Fair image work: small placeholders never wait behind large renders, large
// renders take turns by client, a flooding client is turned away beyond its
// share, and large renders get 503 with Retry-After above the memory bound.
// The queue on its own (tasks that finish when the test says), then the app
// over real HTTP from several loopback addresses.
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import { BYTES_PER_PIXEL, QueueFullError, RenderQueue, SMALL_IMAGE_PIXELS, WAITING_PER_CLIENT } from '../src/render-queue.ts';
import { startApp, type Running } from './helpers.ts';

const LARGE = 1999 * 1999;

/** A task that finishes when `finish()` is called, and says whether it has started. */
function gate(log?: string[], name?: string) {
  let finish!: () => void;
  const done = new Promise<void>((resolve) => (finish = resolve));
  const task = { started: false, finish, run: async () => ((task.started = true), log?.push(name!), await done, name) };
  return task;
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('the render queue', () => {
  const queue = (options: Partial<ConstructorParameters<typeof RenderQueue>[0]> = {}) =>
    new RenderQueue({ concurrency: 1, memoryBudget: Infinity, memoryCeiling: Infinity, residentMemory: () => 0, ...options });

  it('draws a small image at once while large renders hold every slot and more wait', async () => {
    const q = queue();
    const large = [gate(), gate(), gate()];
    const running = large.map((task) => q.run({ pixels: LARGE, client: 'a' }, task.run));
    await settle();
    assert.deepEqual(large.map((task) => task.started), [true, false, false]);
    assert.equal(await q.run({ pixels: SMALL_IMAGE_PIXELS, client: 'a' }, async () => 'small'), 'small');
    assert.equal(q.queued, 2, 'the large ones still wait');
    for (const task of large) task.finish();
    await Promise.all(running);
  });

  it('gives a freed slot to the next client in turn, not to the flooding one', async () => {
    const q = queue();
    const order: string[] = [];
    const flood = Array.from({ length: 5 }, (_, i) => gate(order, `a${i}`));
    const other = gate(order, 'b0');
    const floodRuns = flood.map((task) => q.run({ pixels: LARGE, client: 'a' }, task.run));
    await settle();
    const otherRun = q.run({ pixels: LARGE, client: 'b' }, other.run);
    flood[0]!.finish();
    await settle();
    assert.deepEqual(order, ['a0', 'b0'], 'b goes before the rest of a');
    other.finish();
    for (const task of flood) task.finish();
    await Promise.all([...floodRuns, otherRun]);
    assert.deepEqual(order, ['a0', 'b0', 'a1', 'a2', 'a3', 'a4']);
  });

  it('lets a client alone fill the line, but turns its excess away once others wait, never them', async () => {
    const q = queue();
    const tasks: Array<ReturnType<typeof gate>> = [];
    const runs: Array<Promise<unknown>> = [];
    const submit = (client: string) => {
      const task = gate();
      tasks.push(task);
      const run = q.run({ pixels: LARGE, client }, task.run);
      runs.push(run.catch((error: unknown) => error));
      return run;
    };
    for (let i = 0; i < 10; i++) void submit('a');
    await settle();
    assert.equal(q.queued, 9, 'alone, a may keep more than its share waiting');
    void submit('b');
    await assert.rejects(submit('a'), QueueFullError, 'with b waiting, a is over its share');
    for (let i = 1; i < WAITING_PER_CLIENT; i++) void submit('b');
    await settle();
    await assert.rejects(submit('b'), QueueFullError, 'b too, once it has its share waiting');
    const queued = q.queued;
    void submit('c');
    await settle();
    assert.equal(q.queued, queued + 1, 'a newcomer still gets in');
    for (const task of tasks) task.finish();
    await Promise.all(runs);
  });

  it('starts large renders only within the memory budget, and refuses them above the memory ceiling', async () => {
    const budget = queue({ concurrency: 4, memoryBudget: LARGE * BYTES_PER_PIXEL * 1.5 });
    const [first, second] = [gate(), gate()];
    const runs = [budget.run({ pixels: LARGE, client: 'a' }, first.run), budget.run({ pixels: LARGE, client: 'b' }, second.run)];
    await settle();
    assert.deepEqual([first.started, second.started], [true, false], 'two would exceed the budget, though slots are free');
    first.finish();
    await settle();
    assert.equal(second.started, true);
    second.finish();
    await Promise.all(runs);

    let resident = 0;
    const ceiling = queue({ memoryCeiling: 100, residentMemory: () => resident });
    assert.equal(await ceiling.run({ pixels: LARGE, client: 'a' }, async () => 'drawn'), 'drawn');
    resident = 101;
    await assert.rejects(ceiling.run({ pixels: LARGE, client: 'a' }, async () => 'drawn'), QueueFullError);
    assert.equal(await ceiling.run({ pixels: 10 * 10, client: 'a' }, async () => 'small'), 'small', 'small images are still drawn');
  });
});

/** GET from a given loopback address (Linux routes all of 127/8 to lo). */
function getFrom(app: Running, address: string, path: string): Promise<{ status: number; retryAfter?: string; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const request = http.get(`${app.url}${path}`, { localAddress: address, headers: { Accept: 'application/json' }, agent: false }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode!, retryAfter: response.headers['retry-after'], body: Buffer.concat(chunks) }));
    });
    request.on('error', reject);
  });
}

describe('fair image work over HTTP', () => {
  let app: Running;
  before(async () => {
    app = await startApp({ SERVICES: 'placeholder', PLACEHOLDER_CONCURRENCY: '1' });
  });
  after(() => app.close());

  it('answers small placeholders and another client\'s large image while one client floods distinct large sizes', { timeout: 120_000 }, async () => {
    const finished: string[] = [];
    const flood = Array.from({ length: 12 }, (_, i) =>
      getFrom(app, '127.0.0.2', `/image/1200x${1100 + i}.webp`).then((response) => (finished.push(`flood ${response.status}`), response)),
    );
    // Let the flood reach the queue first.
    await new Promise((resolve) => setTimeout(resolve, 200));
    const small = await getFrom(app, '127.0.0.3', '/image/10x10.webp');
    finished.push('small');
    assert.equal(small.status, 200);
    assert.equal((await sharp(small.body).metadata()).width, 10);
    const otherLarge = await getFrom(app, '127.0.0.3', '/image/1200x1000.webp');
    finished.push('other large');
    assert.equal(otherLarge.status, 200);
    const results = await Promise.all(flood);

    const served = results.filter((r) => r.status === 200).length;
    const refused = results.filter((r) => r.status === 503);
    assert.ok(finished.indexOf('small') <= 1, `the small one waited for at most the render running: ${finished.join(', ')}`);
    assert.ok(finished.indexOf('other large') <= 3, `the other client's large one came in turn: ${finished.join(', ')}`);
    assert.ok(served >= 1 + WAITING_PER_CLIENT, `the flood's share was drawn (${served})`);
    for (const r of refused) {
      assert.equal(r.retryAfter, '1');
      assert.match(JSON.parse(r.body.toString()).detail, /try again/);
    }
  });

  it('refuses large renders with 503 and Retry-After above IMAGE_MEMORY_MB, and still draws small ones', async () => {
    const tight = await startApp({ SERVICES: 'placeholder', IMAGE_MEMORY_MB: '64' });
    try {
      const large = await getFrom(tight, '127.0.0.1', '/image/1200x900.avif');
      assert.equal(large.status, 503);
      assert.equal(large.retryAfter, '1');
      assert.equal((await getFrom(tight, '127.0.0.1', '/image/500x500.avif')).status, 200);
    } finally {
      await tight.close();
    }
  });
});
