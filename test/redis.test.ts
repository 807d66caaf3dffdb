// Event fan-out and login throttling through a real Redis, as several
// processes share them: each instance here stands for one process.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, describe, it, type TestContext } from 'node:test';
import { Redis } from 'ioredis';
import { createLocalFailureCounter, createRedisFailureCounter, type FailureCounter } from '../src/board/throttle.ts';
import { createRedisPubSub, type RedisPubSub } from '../src/realtime/redis-pubsub.ts';
import { until } from './helpers.ts';
import { REDIS_UNAVAILABLE, startRedisServer, type RedisServer } from './services.ts';

// No test may hang, whatever goes wrong.
const TEST_TIMEOUT_MS = 20_000;

// A server of our own, so that no other test file shares its channels; the fault tests start one each to stop.
const server = await startRedisServer();
after(() => server?.close());
const skip = server ? false : REDIS_UNAVAILABLE;

/** Fails after `ms` instead of waiting for `promise` forever. */
async function within<T>(ms: number, what: string, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} took over ${ms} ms`)), ms)));
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

const uniqueTopic = () => `test:${randomBytes(4).toString('hex')}`;

interface Instance {
  pubsub: RedisPubSub;
  logs: string[];
  /** Messages received per topic, in order. */
  received(topic: string): string[];
  listen(topic: string): () => void;
}

function instance(url: string): Instance {
  const logs: string[] = [];
  const pubsub = createRedisPubSub(url, (line) => logs.push(line));
  const received = new Map<string, string[]>();
  return {
    pubsub,
    logs,
    received: (topic) => received.get(topic) ?? [],
    listen(topic) {
      return pubsub.subscribe(topic, (message) => {
        if (!received.has(topic)) received.set(topic, []);
        received.get(topic)!.push(message);
      });
    },
  };
}

/** Redis itself confirms `count` subscriptions to `topic` (publishing earlier might reach fewer). */
async function subscribers(redisServer: RedisServer, topic: string, count: number): Promise<void> {
  const probe = new Redis(redisServer.url, { lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
  try {
    await until(`${count} subscribers of ${topic}`, async () => {
      const [, n] = (await probe.pubsub('NUMSUB', topic)) as [string, number];
      return n === count;
    });
  } finally {
    probe.disconnect();
  }
}

async function twoInstances(t: TestContext, redisServer: RedisServer): Promise<[Instance, Instance]> {
  const pair: [Instance, Instance] = [instance(redisServer.url), instance(redisServer.url)];
  t.after(() => Promise.all(pair.map(({ pubsub }) => pubsub.close())));
  await until('both instances up', () => pair.every(({ pubsub }) => pubsub.health().state === 'up'));
  return pair;
}

describe('Redis pub/sub', { skip, timeout: TEST_TIMEOUT_MS }, () => {
  it('carries every message to every instance, the publisher included, in one order', async (t) => {
    const [one, two] = await twoInstances(t, server!);
    const topic = uniqueTopic();
    one.listen(topic);
    two.listen(topic);
    await subscribers(server!, topic, 2);

    // Interleaved publishers: whatever order Redis settles on, both see the same.
    for (let i = 0; i < 20; i++) (i % 2 ? one : two).pubsub.publish(topic, `m${i}`);
    await until('20 messages on both', () => one.received(topic).length === 20 && two.received(topic).length === 20);
    assert.deepEqual(one.received(topic), two.received(topic));
    // One publisher's messages keep their order.
    assert.deepEqual(
      one.received(topic).filter((m) => Number(m.slice(1)) % 2),
      ['m1', 'm3', 'm5', 'm7', 'm9', 'm11', 'm13', 'm15', 'm17', 'm19'],
    );
    assert.deepEqual([one.logs, two.logs], [[], []]);
  });

  it('stops delivering to a listener that unsubscribed, and unsubscribes from Redis with the last one', async (t) => {
    const [one, two] = await twoInstances(t, server!);
    const topic = uniqueTopic();
    const stopOne = one.listen(topic);
    const stopOther = one.listen(topic);
    two.listen(topic);
    await subscribers(server!, topic, 2);
    two.pubsub.publish(topic, 'before');
    await until('"before" twice on one', () => one.received(topic).length === 2);

    stopOne();
    stopOne(); // twice is harmless
    two.pubsub.publish(topic, 'half');
    await until('"half" once on one', () => one.received(topic).length === 3);

    stopOther();
    await subscribers(server!, topic, 1);
    two.pubsub.publish(topic, 'after');
    await until('"after" on two', () => two.received(topic).includes('after'));
    assert.deepEqual(one.received(topic), ['before', 'before', 'half']);
  });

  it('keeps delivering to the other listeners when one throws', async (t) => {
    const [one, two] = await twoInstances(t, server!);
    const topic = uniqueTopic();
    one.pubsub.subscribe(topic, () => {
      throw new Error('a broken board');
    });
    one.listen(topic);
    two.listen(topic);
    await subscribers(server!, topic, 2);
    one.pubsub.publish(topic, 'still here');
    await until('the message on both', () => one.received(topic).length === 1 && two.received(topic).length === 1);
  });

  it('works on its own while Redis is down, and recovers without being recreated', async (t) => {
    const redisServer = (await startRedisServer())!;
    t.after(() => redisServer.close());
    const [one, two] = await twoInstances(t, redisServer);
    const recovered = [0, 0];
    one.pubsub.onRecovered(() => recovered[0]!++);
    two.pubsub.onRecovered(() => recovered[1]!++);
    const topic = uniqueTopic();
    one.listen(topic);
    two.listen(topic);
    await subscribers(redisServer, topic, 2);

    await redisServer.stop();
    await until('health down', () => one.pubsub.health().state === 'down' && two.pubsub.health().state === 'down');
    assert.match(one.pubsub.health().detail!, /^Redis at 127\.0\.0\.1:\d+ unreachable: /);
    for (let i = 0; i < 50; i++) assert.doesNotThrow(() => one.pubsub.publish(topic, `alone ${i}`));
    assert.equal(one.received(topic).length, 50, 'delivered to its own listeners at once');
    assert.deepEqual(two.received(topic), [], 'nothing can cross without Redis');
    // Let a few reconnection attempts fail: still one line per outage.
    await new Promise((resolve) => setTimeout(resolve, 600));
    assert.equal(one.logs.length, 1, one.logs.join('\n'));
    assert.match(one.logs[0]!, /^Redis at 127\.0\.0\.1:\d+ unreachable: .+; events reach this process's boards only until it is back$/);

    await redisServer.start();
    await until('both recovered', () => recovered[0] === 1 && recovered[1] === 1);
    assert.equal(one.pubsub.health().state, 'up');
    assert.deepEqual(one.logs.slice(1), [`Redis at 127.0.0.1:${redisServer.port} is back: events reach every process again`]);
    await subscribers(redisServer, topic, 2);
    two.pubsub.publish(topic, 'together again');
    await until('the message on both', () => one.received(topic).includes('together again') && two.received(topic).length === 1);
    assert.deepEqual(two.received(topic), ['together again']);
  });

  it('reports an unreachable Redis from the start, and closes without it', async () => {
    const redisServer = (await startRedisServer())!;
    await redisServer.close();
    const lonely = instance(redisServer.url.replace('redis://', 'redis://:hunter2@'));
    await until('the outage logged', () => lonely.logs.length > 0);
    assert.equal(lonely.pubsub.health().state, 'down');
    assert.doesNotMatch(lonely.logs.join('\n') + lonely.pubsub.health().detail, /hunter2/);
    const topic = uniqueTopic();
    lonely.listen(topic);
    lonely.pubsub.publish(topic, 'local');
    assert.deepEqual(lonely.received(topic), ['local']);
    await within(2000, 'close() with Redis down', lonely.pubsub.close());
  });
});

describe('login throttling through Redis', { skip, timeout: TEST_TIMEOUT_MS }, () => {
  const key = () => `user:${randomBytes(4).toString('hex')}`;

  function counter(t: TestContext, url: string, windowMs = 60_000): { counter: FailureCounter; logs: string[] } {
    const logs: string[] = [];
    const made = createRedisFailureCounter(url, windowMs, (line) => logs.push(line));
    t.after(() => made.close());
    return { counter: made, logs };
  }

  /** Counters only use Redis once connected; before that they count locally, which would prove nothing here. */
  const connected = (url: string) =>
    until('Redis answers', async () => {
      const probe = new Redis(url, { lazyConnect: true, retryStrategy: () => null });
      try {
        return (await probe.ping()) === 'PONG';
      } catch {
        return false;
      } finally {
        probe.disconnect();
      }
    }).then(() => new Promise((resolve) => setTimeout(resolve, 50)));

  it('shares the counts between processes', async (t) => {
    const a = counter(t, server!.url);
    const b = counter(t, server!.url);
    await connected(server!.url);
    const user = key();
    for (let i = 0; i < 4; i++) await a.counter.fail(user);
    assert.equal(await b.counter.wait(user, 5), 0, 'four failures are allowed');
    await a.counter.fail(user);
    const wait = await b.counter.wait(user, 5);
    assert.ok(wait > 55 && wait <= 60, `waits for the rest of the window (${wait} s)`);
    assert.equal(await b.counter.wait(user, 6), 0, 'a higher limit is not reached yet');
    assert.equal(await b.counter.wait(key(), 5), 0, 'other keys are not affected');

    await b.counter.clear(user);
    assert.equal(await a.counter.wait(user, 5), 0, 'cleared everywhere');
    assert.deepEqual([a.logs, b.logs], [[], []]);
  });

  it('forgets failures when the window ends, which starts at the first failure', async (t) => {
    const a = counter(t, server!.url, 300);
    const b = counter(t, server!.url, 300);
    await connected(server!.url);
    const user = key();
    await a.counter.fail(user);
    await new Promise((resolve) => setTimeout(resolve, 150));
    await b.counter.fail(user); // does not extend the window
    assert.equal(await b.counter.wait(user, 2), 1);
    await new Promise((resolve) => setTimeout(resolve, 250));
    assert.equal(await a.counter.wait(user, 2), 0);
    assert.equal(await b.counter.wait(user, 2), 0);
  });

  it('counts locally, without throwing or hanging, while Redis is down', async (t) => {
    const redisServer = (await startRedisServer())!;
    t.after(() => redisServer.close());
    const a = counter(t, redisServer.url);
    const b = counter(t, redisServer.url);
    await connected(redisServer.url);
    const user = key();

    await redisServer.stop();
    await until('the outage logged', () => a.logs.length > 0);
    const started = Date.now();
    for (let i = 0; i < 5; i++) await a.counter.fail(user);
    assert.ok((await a.counter.wait(user, 5)) > 0, 'this process still counts its own failures');
    assert.equal(await b.counter.wait(user, 5), 0, 'the other process cannot see them');
    await a.counter.clear(user);
    assert.equal(await a.counter.wait(user, 5), 0);
    assert.ok(Date.now() - started < 500, `answered at once (${Date.now() - started} ms)`);
    assert.equal(a.logs.length, 1, a.logs.join('\n'));
    assert.match(a.logs[0]!, /^Redis at 127\.0\.0\.1:\d+ unreachable: .+; login failures are counted per process until it is back$/);

    await redisServer.start();
    await until('both back', () => a.logs.length === 2 && b.logs.length === 2);
    assert.match(a.logs[1]!, /is back: login failures are counted across processes again$/);
    for (let i = 0; i < 5; i++) await b.counter.fail(user);
    assert.ok((await a.counter.wait(user, 5)) > 0, 'shared again');
  });
});

describe('login throttling in one process', { timeout: TEST_TIMEOUT_MS }, () => {
  it('counts failures per key in fixed windows from the first failure', async () => {
    let now = 1_000_000;
    const counter = createLocalFailureCounter(60_000, () => now);
    for (let i = 0; i < 4; i++) await counter.fail('user:ada');
    assert.equal(await counter.wait('user:ada', 5), 0);
    now += 30_000;
    await counter.fail('user:ada');
    assert.equal(await counter.wait('user:ada', 5), 30, 'the window ends 60 s after the first failure');
    assert.equal(await counter.wait('user:bob', 5), 0);
    now += 30_000;
    assert.equal(await counter.wait('user:ada', 5), 0, 'a new window');
    await counter.fail('user:ada');
    await counter.clear('user:ada');
    assert.equal(await counter.wait('user:ada', 1), 0);
  });

  it('stays bounded under a flood of distinct keys', async () => {
    const counter = createLocalFailureCounter(60_000, () => 1_000_000);
    const failures = [];
    for (let i = 0; i < 100_001; i++) failures.push(counter.fail(`client:${i}`));
    await Promise.all(failures);
    assert.equal(await counter.wait('client:100000', 1), 60, 'the newest keys are kept');
    assert.equal(await counter.wait('client:0', 1), 0, 'the oldest are forgotten');
  });
});
