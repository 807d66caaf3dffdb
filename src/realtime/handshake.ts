// Who may open a websocket. Upgrades bypass the Hono app and its middleware,
// so the Host check is repeated here, followed by the Origin check browsers
// need against cross-site websocket hijacking, and the signed channel.
import type { IncomingMessage } from 'node:http';
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { isAllowedHost } from '../http.ts';
import type { Settings } from '../settings.ts';
import { verifyChannel } from './channel.ts';

export const SOCKET_PATH = '/socket';

export type Admission = { sprintId: number } | { status: 400 | 403 | 404; detail: string };

const quoted = (value: string): string => JSON.stringify(value.slice(0, 100));

function originHost(origin: string): string {
  try {
    return new URL(origin).host;
  } catch {
    return ''; // "null" (sandboxed pages, file:) and junk: never an allowed host
  }
}

export function admit(request: IncomingMessage, settings: Pick<Settings, 'allowedHosts' | 'trustProxy' | 'secretKey'>): Admission {
  let url: URL;
  try {
    url = new URL(request.url ?? '/', 'http://upgrade.invalid');
  } catch {
    return { status: 400, detail: 'The request target is not a valid URL.' };
  }
  if (url.pathname !== SOCKET_PATH) return { status: 404, detail: `No websocket is served at ${url.pathname.slice(0, 100)}.` };

  const forwardedHeader = settings.trustProxy ? request.headers['x-forwarded-host'] : undefined;
  const forwarded = [forwardedHeader].flat()[0]?.split(',')[0]?.trim();
  const host = forwarded || request.headers.host || '';
  if (!isAllowedHost(host, settings.allowedHosts)) {
    return { status: 400, detail: `Invalid Host header ${quoted(host)}. Add it to ALLOWED_HOSTS to serve it.` };
  }
  // Browsers always send Origin; other clients (scripts, tests) may leave it out.
  const origin = request.headers.origin;
  if (origin !== undefined && !isAllowedHost(originHost(origin), settings.allowedHosts)) {
    return { status: 403, detail: `Origin ${quoted(origin)} may not open the board's websocket; its host must be in ALLOWED_HOSTS.` };
  }

  const channel = url.searchParams.get('channel');
  if (!channel) {
    return { status: 400, detail: 'The channel parameter is missing: connect to the links.channel URL of a sprint from the API.' };
  }
  const sprintId = verifyChannel(settings.secretKey, channel);
  if (sprintId === null) {
    return { status: 403, detail: 'The channel is forged or older than 30 minutes: fetch the sprint again from the API for a fresh one.' };
  }
  return { sprintId };
}

/** Answer a refused upgrade with a plain HTTP error and hang up; the socket never becomes a websocket. */
export function refuse(socket: Duplex, status: number, detail: string, headers: Record<string, string> = {}): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const body = JSON.stringify({ detail });
  const lines = [
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}`,
    'Connection: close',
    'Cache-Control: no-store',
    'Content-Type: application/json',
    `Content-Length: ${Buffer.byteLength(body)}`,
    ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`),
  ];
  socket.on('error', () => socket.destroy());
  socket.once('finish', () => socket.destroy());
  socket.end(`${lines.join('\r\n')}\r\n\r\n${body}`);
}
