// Signed websocket channel values, as the sprint's `links.channel` carries:
// `<sprint id>:<unix seconds>:<HMAC-SHA256 hex>`, valid for 30 minutes.
import { createHmac, timingSafeEqual } from 'node:crypto';

export const CHANNEL_MAX_AGE_SECONDS = 30 * 60;

const signature = (secret: string, sprintId: number, timestamp: number): string =>
  createHmac('sha256', secret).update(`sprint-channel:${sprintId}:${timestamp}`).digest('hex');

export function signChannel(secret: string, sprintId: number, now = Date.now()): string {
  const timestamp = Math.floor(now / 1000);
  return `${sprintId}:${timestamp}:${signature(secret, sprintId, timestamp)}`;
}

/** The sprint id of a genuine, fresh channel value; null for missing, forged, tampered or expired. */
export function verifyChannel(secret: string, value: string | null | undefined, now = Date.now()): number | null {
  const match = /^(\d{1,15}):(\d{1,12}):([0-9a-f]{64})$/.exec(value ?? '');
  if (!match) return null;
  const sprintId = Number(match[1]);
  const timestamp = Number(match[2]);
  const age = Math.floor(now / 1000) - timestamp;
  if (age < -60 || age > CHANNEL_MAX_AGE_SECONDS) return null;
  const expected = Buffer.from(signature(secret, sprintId, timestamp), 'hex');
  const given = Buffer.from(match[3]!, 'hex');
  return timingSafeEqual(expected, given) ? sprintId : null;
}
