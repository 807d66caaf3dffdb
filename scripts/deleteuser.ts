// npm run deleteuser -- <username>
// Removes a user; their tasks stay on the board, unassigned, and their
// comments stay, without an author. With REDIS_URL, the boards open in every
// process hear of each task and comment changed, as after a write through
// the API (their links on SITE_URL, or else on HOST and PORT).
import { Redis } from 'ioredis';
import { changedEvents } from '../src/board/resource-routes.ts';
import { MODEL_EVENTS_TOPIC } from '../src/realtime/pubsub.ts';
import { quit, redisOptions, redisReason } from '../src/redis.ts';
import { loadSettings } from '../src/settings.ts';
import { CommandError, runCommand } from './command.ts';

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

await runCommand('Usage: npm run deleteuser -- <username>', {}, async ({ username }, store) => {
  const changed = await store.transaction((tx) => tx.deleteUser(username));
  if (changed === null) throw new CommandError(`user '${username}' does not exist`);
  const count = (model: string) => changed.filter((row) => row.model === model).length;
  console.log(`User "${username}" deleted; ${plural(count('task'), 'task')} unassigned, ${plural(count('comment'), 'comment')} kept without their author.`);
  const settings = loadSettings(process.env);
  if (!changed.length) return;
  if (!settings.redisUrl) {
    console.log('Open boards show this when they next load (without REDIS_URL, a command cannot reach them).');
    return;
  }
  const origin = settings.siteUrl ?? `http://${settings.host}:${settings.port}`;
  const redis = new Redis(settings.redisUrl, { ...redisOptions(), lazyConnect: true, retryStrategy: () => null });
  redis.on('error', () => {}); // reported below, once
  try {
    await redis.connect();
    const urls = { api: `${origin}/api`, ws: origin.replace(/^http/, 'ws'), secretKey: settings.secretKey };
    for (const event of changedEvents(changed, urls)) await redis.publish(MODEL_EVENTS_TOPIC, JSON.stringify(event));
  } catch (error) {
    throw new CommandError(`the user is deleted, but open boards could not be told (Redis: ${redisReason(error, settings.redisUrl)}); they show it when they next load.`);
  } finally {
    await quit(redis);
  }
});
