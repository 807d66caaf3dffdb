// How this app talks to Redis, wherever it does (event fan-out, shared login
// throttling): reconnect forever with a capped delay, never queue commands
// while offline (a stale command is worse than a failed one), and never show
// the URL's password in a message.
import { Redis, type RedisOptions } from 'ioredis';

const MAX_RETRY_DELAY_MS = 2000;
const QUIT_TIMEOUT_MS = 1000;

/** Connection options shared by everything that talks to Redis: reconnect forever, never queue while offline. */
export function redisOptions(): RedisOptions {
  return {
    retryStrategy: (attempt) => Math.min(attempt * 100, MAX_RETRY_DELAY_MS),
    enableOfflineQueue: false,
    // Commands in flight when the connection drops fail at once rather than being replayed, late, after it is back.
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    connectTimeout: 5000,
    // How long a closing connection may take to say goodbye; a dead one would otherwise keep the process up for 2 s.
    disconnectTimeout: 200,
  };
}

/** An error's message without the URL's password, in case a library ever echoes it. */
export function redisReason(error: unknown, url: string): string {
  let reason = error instanceof Error ? error.message : String(error);
  try {
    const password = decodeURIComponent(new URL(url).password);
    if (password) reason = reason.replaceAll(password, '***');
  } catch {
    // Not a URL: nothing of it can be in the message either.
  }
  return reason || 'connection lost';
}

/** QUIT when connected (so Redis sees a clean goodbye), and stop reconnecting either way. */
export async function quit(connection: Redis): Promise<void> {
  if (connection.status === 'ready') {
    const ended = new Promise<void>((resolve) => connection.once('end', resolve));
    connection.quit().catch(() => connection.disconnect());
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([ended, new Promise<void>((resolve) => (timer = setTimeout(resolve, QUIT_TIMEOUT_MS)))]);
    clearTimeout(timer);
  }
  if (connection.status !== 'end') connection.disconnect();
}
