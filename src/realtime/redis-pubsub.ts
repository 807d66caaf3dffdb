// Fan-out through Redis publish/subscribe, so that a write made through any
// process reaches the boards of every process. Every message, this process's
// own included, comes back through the subscription: one path, so every
// process sees the same order. While Redis is unreachable the process keeps
// working on its own (its messages reach its own boards only) and reconnects
// forever; onRecovered tells the boards to catch up on what they missed.
import { Redis } from 'ioredis';
import { createOutageLog, type DependencyHealth } from '../health.ts';
import { quit, redisOptions, redisReason } from '../redis.ts';
import { addressOf } from '../settings.ts';
import type { PubSub } from './pubsub.ts';

export interface RedisPubSub extends PubSub {
  health(): DependencyHealth;
  /** `listener` runs whenever the subscription is back after an outage. Returns a function that removes it. */
  onRecovered(listener: () => void): () => void;
}

type Listener = (message: string) => void;

// Publishes awaiting Redis's reply; past this, Redis is too slow to wait for.
const MAX_IN_FLIGHT = 1000;
// A publish unanswered for this long means a Redis that hangs (paused, or the network cut without a reset).
const PUBLISH_TIMEOUT_MS = 2000;

function callEach<T extends unknown[]>(listeners: Iterable<(...args: T) => void>, ...args: T): void {
  for (const listener of listeners) {
    try {
      listener(...args);
    } catch {
      // One failing subscriber must not stop the others.
    }
  }
}

export function createRedisPubSub(url: string, log: (line: string) => void): RedisPubSub {
  const address = `Redis at ${addressOf(url)}`;
  // A connection in subscriber mode can do nothing else, hence two.
  const publisher = new Redis(url, { ...redisOptions(), commandTimeout: PUBLISH_TIMEOUT_MS });
  // Resubscribing is done below, on 'ready', so that it is known when it is complete.
  const subscriber = new Redis(url, { ...redisOptions(), autoResubscribe: false });
  const topics = new Map<string, Set<Listener>>();
  const recoveredListeners = new Set<() => void>();
  let inFlight = 0;
  /** The subscriber is connected and subscribed again to every topic it had before it lost its connection. */
  let subscriptionsRestored = false;
  const outage = createOutageLog(log, {
    lost: (why) => `${address} unreachable: ${why}; events reach this process's boards only until it is back`,
    back: `${address} is back: events reach every process again`,
  });
  let reason: string | null = null;
  let closed = false;

  const deliver = (topic: string, message: string) => callEach(topics.get(topic) ?? [], message);
  const subscribed = () => subscriber.status === 'ready' && subscriptionsRestored;
  const isUp = () => publisher.status === 'ready' && subscribed() && inFlight < MAX_IN_FLIGHT;

  const noteState = () => {
    if (closed) return;
    if (isUp()) {
      reason = null;
      if (outage.back()) callEach(recoveredListeners);
    } else if (reason !== null) {
      outage.lost(reason);
    }
  };

  for (const connection of [publisher, subscriber]) {
    // Every failed attempt is an 'error' followed by a 'close': the state is looked at on the latter.
    connection.on('error', (error: unknown) => {
      reason = redisReason(error, url);
    });
    connection.on('close', () => {
      if (connection === subscriber) subscriptionsRestored = false;
      reason ??= 'connection closed';
      noteState();
    });
  }
  publisher.on('ready', noteState);
  subscriber.on('ready', () => {
    const names = [...topics.keys()];
    (names.length ? subscriber.subscribe(...names) : Promise.resolve()).then(
      () => {
        subscriptionsRestored = subscriber.status === 'ready';
        noteState();
      },
      // The connection dropped again; its next 'ready' tries again.
      () => {},
    );
  });
  subscriber.on('message', deliver);

  return {
    publish(topic, message) {
      const viaRedis = publisher.status === 'ready' && inFlight < MAX_IN_FLIGHT;
      // Redis hands the message back to this process too, unless this process has no subscription to receive it.
      const local = !viaRedis || !subscribed();
      if (local) deliver(topic, message);
      if (!viaRedis) {
        if (inFlight >= MAX_IN_FLIGHT) {
          reason ??= `more than ${MAX_IN_FLIGHT} messages waiting for an answer`;
          noteState();
        }
        return;
      }
      inFlight++;
      publisher.publish(topic, message).then(
        () => {
          inFlight--;
          noteState();
        },
        (error: unknown) => {
          inFlight--;
          // Lost on the way: this process's boards at least still get it.
          if (!local) deliver(topic, message);
          if (error instanceof Error && /timed out/i.test(error.message) && publisher.status === 'ready') {
            reason = `no answer within ${PUBLISH_TIMEOUT_MS} ms`;
            // A new connection either works or shows the outage; the hung one would do neither.
            publisher.disconnect(true);
          }
          noteState();
        },
      );
    },

    subscribe(topic, listener) {
      let listeners = topics.get(topic);
      if (!listeners) {
        topics.set(topic, (listeners = new Set()));
        // While Redis is down this fails at once; the next 'ready' subscribes to every topic.
        if (subscriber.status === 'ready') subscriber.subscribe(topic).catch(() => {});
      }
      listeners.add(listener);
      const current = listeners;
      return () => {
        current.delete(listener);
        if (current.size > 0 || topics.get(topic) !== current) return;
        topics.delete(topic);
        if (subscriber.status === 'ready') subscriber.unsubscribe(topic).catch(() => {});
      };
    },

    health() {
      if (isUp()) return { state: 'up' };
      return { state: 'down', detail: outage.down && reason ? `${address} unreachable: ${reason}` : `connecting to ${address}` };
    },

    onRecovered(listener) {
      recoveredListeners.add(listener);
      return () => recoveredListeners.delete(listener);
    },

    async close() {
      closed = true;
      topics.clear();
      recoveredListeners.clear();
      await Promise.all([publisher, subscriber].map(quit));
    },
  };
}
