// Counting failed logins per key (a username, a client address) in fixed
// windows, so that guessing passwords gets slow. In one process a Map does;
// across processes the counts live in Redis, or every process would grant
// its own allowance. A login never fails or waits long because Redis is
// down: each process then counts on its own until Redis is back.
import { Redis } from 'ioredis';
import { createOutageLog } from '../health.ts';
import { quit, redisOptions, redisReason } from '../redis.ts';
import { addressOf } from '../settings.ts';

export interface FailureCounter {
  /** Seconds until `key` may try again (0 if it may now), given at most `limit` failures per window. */
  wait(key: string, limit: number): Promise<number>;
  fail(key: string): Promise<void>;
  clear(key: string): Promise<void>;
  close(): Promise<void>;
}

const MAX_LOCAL_KEYS = 100_000;
const REDIS_PREFIX = 'lightweight:throttle:';
// Longer than a Redis round trip should ever take, short enough that nobody notices waiting for it.
const REDIS_TIMEOUT_MS = 200;

/** Counts in this process's memory: a window per key from its first failure, at most MAX_LOCAL_KEYS of them. `now` is the clock (tests move it). */
export function createLocalFailureCounter(windowMs: number, now: () => number = Date.now): FailureCounter {
  const windows = new Map<string, { count: number; resetAt: number }>();

  const sweep = (time: number) => {
    for (const [key, window] of windows) if (window.resetAt <= time) windows.delete(key);
    // Still full of live windows (a flood of distinct keys): forget the oldest half rather than grow without bound.
    let excess = windows.size - MAX_LOCAL_KEYS / 2;
    for (const key of windows.keys()) if (excess-- > 0) windows.delete(key);
  };

  return {
    async wait(key, limit) {
      const time = now();
      const window = windows.get(key);
      if (!window || window.resetAt <= time) return 0;
      return window.count >= limit ? Math.ceil((window.resetAt - time) / 1000) : 0;
    },
    async fail(key) {
      const time = now();
      const window = windows.get(key);
      if (window && window.resetAt > time) window.count++;
      else {
        if (windows.size >= MAX_LOCAL_KEYS) sweep(time);
        windows.set(key, { count: 1, resetAt: time + windowMs });
      }
    },
    async clear(key) {
      windows.delete(key);
    },
    async close() {
      windows.clear();
    },
  };
}

// Counts a failure; the window starts at the first one (the expiry is set only on a key without one).
const FAIL_SCRIPT = `
local count = redis.call('INCR', KEYS[1])
if redis.call('PTTL', KEYS[1]) < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return count`;

/**
 * Counts shared by every process using this Redis (a client, which stays
 * the caller's, or a URL, whose connection is closed with the counter).
 * While Redis is unreachable each process counts on its own (failures
 * counted then are forgotten when it is back); outages are logged once when
 * they start and once when they end.
 */
export function createRedisFailureCounter(redis: Redis | string, windowMs: number, log: (line: string) => void): FailureCounter {
  const ownConnection = typeof redis === 'string';
  const client = ownConnection ? new Redis(redis, { ...redisOptions(), commandTimeout: REDIS_TIMEOUT_MS }) : redis;
  const url = ownConnection ? redis : `redis://${client.options.host ?? 'localhost'}:${client.options.port ?? 6379}`;
  const address = `Redis at ${addressOf(url)}`;
  const local = createLocalFailureCounter(windowMs);
  const outage = createOutageLog(log, {
    lost: (reason) => `${address} unreachable: ${reason}; login failures are counted per process until it is back`,
    back: `${address} is back: login failures are counted across processes again`,
  });
  let lastError: unknown = null;

  const down = (error: unknown) => outage.lost(redisReason(error, url));
  const up = () => void outage.back();
  const onError = (error: unknown) => {
    lastError = error;
  };
  const onClose = () => down(lastError ?? 'connection closed');
  const onReady = () => {
    lastError = null;
    up();
  };
  client.on('error', onError);
  client.on('close', onClose);
  client.on('ready', onReady);

  /** The command's answer, or undefined (and the outage noted) when Redis cannot give it in time. */
  const ask = async <T>(command: () => Promise<T>): Promise<T | undefined> => {
    // A connection that is not ready would only queue the command (or refuse it): skip straight to the local count.
    if (client.status !== 'ready') return undefined;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${REDIS_TIMEOUT_MS} ms`)), REDIS_TIMEOUT_MS);
    });
    try {
      const answer = await Promise.race([command(), timeout]);
      up();
      return answer;
    } catch (error) {
      down(error);
      return undefined;
    } finally {
      clearTimeout(timer);
    }
  };

  return {
    async wait(key, limit) {
      const shared = await ask(() => client.multi().get(REDIS_PREFIX + key).pttl(REDIS_PREFIX + key).exec());
      if (!shared) return local.wait(key, limit);
      const count = Number(shared[0]?.[1] ?? 0);
      const ttl = Number(shared[1]?.[1] ?? 0);
      return count >= limit && ttl > 0 ? Math.ceil(ttl / 1000) : 0;
    },
    async fail(key) {
      const counted = await ask(() => client.eval(FAIL_SCRIPT, 1, REDIS_PREFIX + key, windowMs));
      if (counted === undefined) await local.fail(key);
    },
    async clear(key) {
      await Promise.all([ask(() => client.del(REDIS_PREFIX + key)), local.clear(key)]);
    },
    async close() {
      client.off('error', onError);
      client.off('close', onClose);
      client.off('ready', onReady);
      await local.close();
      if (ownConnection) await quit(client);
    },
  };
}
