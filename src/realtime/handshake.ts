// Who may open a websocket. Upgrades bypass the Hono app and its middleware,
// so the Host check is repeated here, followed by the Origin check browsers
// need against cross-site websocket hijacking, and the signed channel.
import type { IncomingMessage } from 'node:http';
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { forgeryReason, originCheck, originOf } from '../csrf.ts';
import { isAllowedHost, requestHost } from '../http.ts';
import type { Settings } from '../settings.ts';
import { verifyChannel } from './channel.ts';

export const SOCKET_PATH = '/socket';

export type Admission = { sprintId: number } | { status: 400 | 403 | 404; detail: string };

const quoted = (value: string): string => JSON.stringify(value.slice(0, 100));

export function admit(request: IncomingMessage, settings: Pick<Settings, 'allowedHosts' | 'trustProxy' | 'secretKey' | 'csrfTrustedOrigins'>): Admission {
  let url: URL;
  try {
    url = new URL(request.url ?? '/', 'http://upgrade.invalid');
  } catch {
    return { status: 400, detail: 'The request target is not a valid URL.' };
  }
  if (url.pathname !== SOCKET_PATH) return { status: 404, detail: `No websocket is served at ${url.pathname.slice(0, 100)}.` };

  const header = (name: string) => [request.headers[name]].flat()[0];
  const host = requestHost(settings, request.url ?? '', header);
  if (!isAllowedHost(host, settings.allowedHosts)) {
    return { status: 400, detail: `Invalid Host header ${quoted(host)}. Add it to ALLOWED_HOSTS to serve it.` };
  }
  // The page's origin must be the one it connects to (or trusted): a websocket is not bound by the same-origin policy.
  const forwardedProto = settings.trustProxy ? header('x-forwarded-proto')?.split(',')[0]?.trim() : undefined;
  const encrypted = (request.socket as { encrypted?: boolean }).encrypted === true;
  const scheme = forwardedProto === 'https' || forwardedProto === 'http' ? forwardedProto : encrypted ? 'https' : 'http';
  const own = originOf(`${scheme}://${host}`) ?? '';
  const refused = forgeryReason(own, header, originCheck(settings.csrfTrustedOrigins));
  if (refused) return { status: 403, detail: `This page may not open the board's websocket: ${refused}.` };

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
