// Cross-cutting HTTP behaviour shared by every part: middleware, content
// negotiation for errors, and the error pages themselves.
import type { createServer, IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import zlib from 'node:zlib';
import type { Context, ErrorHandler, MiddlewareHandler, NotFoundHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { Settings } from './settings.ts';
import { contentSecurityPolicy, resourcePolicy, SECURITY_HEADERS, STRICT_TRANSPORT_SECURITY } from './security-policy.ts';

/** An error a client caused, with a message meant for a person. */
export class HttpError extends HTTPException {
  readonly headers: Record<string, string>;
  constructor(status: ContentfulStatusCode, detail: string, headers: Record<string, string> = {}) {
    super(status, { message: detail });
    this.headers = headers;
  }
}

export const escapeHtml = (s: string): string =>
  s.replace(/[&<>"']/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch]!);

/** Browsers ask for text/html first; scripts ask for JSON or anything. */
export function prefersHtml(c: Context): boolean {
  const accept = c.req.header('accept') ?? '';
  if (!accept.includes('text/html')) return false;
  const json = accept.indexOf('application/json');
  return json === -1 || accept.indexOf('text/html') < json;
}

const REASONS: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  406: 'Not Acceptable',
  412: 'Precondition Failed',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  429: 'Too Many Requests',
  500: 'Server Error',
  503: 'Service Unavailable',
};

/** The starter's logo, linked from its pages (templates through static()) and behind /favicon.ico. */
export const ICON_URL = '/static/img/logo.svg';

/**
 * The logo, in the page: an error page (and a built site's plain 404 page) must not link a file the static folder may
 * not have. A built site's link check failed on /static/img/logo.svg where a designer's own static folder had none.
 */
const INLINE_ICON = `data:image/svg+xml,${encodeURIComponent(
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="7" fill="#0d6efd"/><rect x="7" y="8" width="18" height="4" rx="1.5" fill="#fff"/><rect x="7" y="14" width="11" height="10" rx="1.5" fill="#fff" opacity=".85"/><rect x="20" y="14" width="5" height="10" rx="1.5" fill="#fff" opacity=".6"/></svg>',
)}`;

export function errorPage(status: number, detail: string, extraHtml = ''): string {
  const title = `${status} ${REASONS[status] ?? 'Error'}`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title>
<link rel="icon" href="${INLINE_ICON}" type="image/svg+xml">
<style>
body{font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;background:#f6f7f9;color:#1f2328}
main{max-width:46rem;margin:12vh auto;padding:2rem;background:#fff;border:1px solid #d0d7de;border-radius:12px}
h1{margin:0 0 .5rem;font-size:1.6rem}p{margin:.5rem 0}pre{background:#f6f8fa;padding:1rem;overflow:auto;font-size:13px;border-radius:6px}
a{color:#0969da}ul{padding-left:1.2rem}
</style></head>
<body><main><h1>${escapeHtml(title)}</h1><p>${escapeHtml(detail)}</p>${extraHtml}</main></body></html>`;
}

/** The one way every part answers with an error: HTML for browsers, `{"detail"}` JSON otherwise. */
export function errorResponse(
  c: Context,
  status: ContentfulStatusCode,
  detail: string,
  options: { headers?: Record<string, string>; extraHtml?: string } = {},
): Response {
  for (const [k, v] of Object.entries(options.headers ?? {})) c.header(k, v);
  if (!c.res.headers.get('cache-control')) c.header('Cache-Control', 'no-store');
  return prefersHtml(c) ? c.html(errorPage(status, detail, options.extraHtml), status) : c.json({ detail }, status);
}

export function errorHandler(settings: Pick<Settings, 'debug'>, log: (line: string) => void): ErrorHandler {
  return (err, c) => {
    if (err instanceof HttpError) return errorResponse(c, err.status as ContentfulStatusCode, err.message, { headers: err.headers });
    if (err instanceof HTTPException) return errorResponse(c, err.status as ContentfulStatusCode, err.message || REASONS[err.status] || 'Error');
    log(`ERROR ${c.req.method} ${c.req.path}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    if (!settings.debug) return errorResponse(c, 500, 'Something went wrong on our side. The error has been logged.');
    const stack = err instanceof Error ? (err.stack ?? err.message) : String(err);
    return prefersHtml(c)
      ? errorResponse(c, 500, String(err instanceof Error ? err.message : err), { extraHtml: `<pre>${escapeHtml(stack)}</pre>` })
      : c.json({ detail: err instanceof Error ? err.message : String(err), stack: stack.split('\n') }, 500);
  };
}

export const notFound: NotFoundHandler = (c) => errorResponse(c, 404, `Nothing is served at ${c.req.path}.`);

export { SECURITY_HEADERS } from './security-policy.ts';

/** Node's own request/response when served by @hono/node-server; absent for in-process `app.fetch`. */
const nodeEnv = (c: Context): { incoming?: IncomingMessage; outgoing?: ServerResponse } => (c.env ?? {}) as never;

/**
 * The headers of src/security-policy.ts on every response: the fixed ones,
 * Cross-Origin-Resource-Policy by path, and Strict-Transport-Security when
 * the request came over HTTPS (directly, or through a trusted proxy).
 */
export function securityHeaders(settings: Pick<Settings, 'trustProxy'>): MiddlewareHandler {
  return async (c, next) => {
    const headers: Array<readonly [string, string]> = [...SECURITY_HEADERS, ['Cross-Origin-Resource-Policy', resourcePolicy(c.req.path)]];
    if (requestOrigin(c, settings).startsWith('https:')) headers.push(['Strict-Transport-Security', STRICT_TRANSPORT_SECURITY]);
    const { outgoing } = nodeEnv(c);
    if (outgoing) {
      // Set on Node's response before the handler runs: writeHead merges them
      // in, and the response object Hono built never has to be materialised.
      for (const [name, value] of headers) outgoing.setHeader(name, value);
      return next();
    }
    await next();
    for (const [name, value] of headers) c.res.headers.set(name, value);
  };
}

/**
 * A Content-Security-Policy on every HTML response, with hashes for the
 * inline scripts and styles of the HTML actually sent (see
 * src/security-policy.ts). Inside compression: it reads the body as text.
 */
const CONTENT_DECODERS: Record<string, (bytes: Uint8Array) => Buffer> = { br: zlib.brotliDecompressSync, gzip: zlib.gunzipSync };

export function contentSecurity(): MiddlewareHandler {
  return async (c, next) => {
    await next();
    const type = c.res.headers.get('content-type');
    if (!type?.startsWith('text/html') || !c.res.body) return;
    const coding = c.res.headers.get('content-encoding');
    if (!coding) {
      const html = await c.res.text();
      c.res = new Response(html, c.res);
      c.res.headers.set('Content-Security-Policy', contentSecurityPolicy(html));
      return;
    }
    // Precompressed (an HTML file under static/): the policy is computed from its decoded text, the coded bytes sent.
    const decode = CONTENT_DECODERS[coding.trim().toLowerCase()];
    if (!decode) return;
    const bytes = new Uint8Array(await c.res.arrayBuffer());
    c.res = new Response(bytes, c.res);
    c.res.headers.set('Content-Security-Policy', contentSecurityPolicy(decode(bytes).toString('utf8')));
  };
}

/** Host name of a Host header value, without port; IPv6 brackets kept. */
export function hostName(hostHeader: string): string {
  const h = hostHeader.trim().toLowerCase();
  if (h.startsWith('[')) return h.slice(0, h.indexOf(']') + 1);
  const colon = h.indexOf(':');
  return colon === -1 ? h : h.slice(0, colon);
}

/** Django's ALLOWED_HOSTS matching: exact, `.example.com` for it and subdomains, `*` for any. */
export function isAllowedHost(host: string, allowed: readonly string[]): boolean {
  const name = hostName(host).replace(/\.$/, '');
  if (!name || !/^(\[[0-9a-f:.]+\]|[a-z0-9.-]+)$/.test(name)) return false;
  return allowed.some((pattern) =>
    pattern === '*' || pattern === name || (pattern.startsWith('.') && (name === pattern.slice(1) || name.endsWith(pattern))),
  );
}

/**
 * The Host a request names: with TRUST_PROXY the first X-Forwarded-Host;
 * else the authority of an absolute-form request target (`GET
 * http://example.com/ HTTP/1.1`), which replaces the Host header (RFC 9112
 * 3.2.2) and becomes the host of the request's URL; else its Host header.
 */
export function requestHost(settings: Pick<Settings, 'trustProxy'>, target: string, header: (name: string) => string | undefined): string {
  const forwarded = settings.trustProxy && header('x-forwarded-host')?.split(',')[0];
  if (forwarded) return forwarded;
  if (target !== '' && target[0] !== '/') return authorityOf(target);
  return header('host') || '';
}

const authorityOf = (target: string): string => {
  try {
    return new URL(target).host;
  } catch {
    return ''; // not a URL (`*`, junk): never an allowed host
  }
};

/** Host header values checked recently: clients send few distinct ones, and each costs a parse and a pattern match. */
const HOSTS_REMEMBERED = 256;

/** isAllowedHost for these settings, remembering its last few hundred answers. */
function hostCheck(allowed: readonly string[]): (host: string) => boolean {
  const answers = new Map<string, boolean>();
  return (host) => {
    let answer = answers.get(host);
    if (answer === undefined) {
      answer = isAllowedHost(host, allowed);
      if (answers.size >= HOSTS_REMEMBERED) answers.clear();
      answers.set(host, answer);
    }
    return answer;
  };
}

export function allowedHosts(settings: Pick<Settings, 'allowedHosts' | 'trustProxy'>): MiddlewareHandler {
  const allowed = hostCheck(settings.allowedHosts);
  return async (c, next) => {
    const incoming = nodeEnv(c).incoming;
    const host = requestHost(settings, incoming?.url ?? '', (name) => (incoming?.headers[name] as string | undefined) ?? c.req.header(name));
    if (!allowed(host)) {
      return errorResponse(c, 400, `Invalid Host header "${host.slice(0, 100)}". Add it to ALLOWED_HOSTS to serve it.`);
    }
    await next();
  };
}

/** The client's address: the socket's, or with TRUST_PROXY the one our proxy appended to X-Forwarded-For. */
export function clientAddress(c: Context, settings: Pick<Settings, 'trustProxy'>): string {
  if (settings.trustProxy) {
    const forwarded = c.req.header('x-forwarded-for')?.split(',').at(-1)?.trim();
    if (forwarded) return forwarded;
  }
  return nodeEnv(c).incoming?.socket?.remoteAddress ?? 'unknown';
}

/** Origin (scheme://host[:port]) the client used, for building absolute URLs. */
export function requestOrigin(c: Context, settings: Pick<Settings, 'trustProxy'>): string {
  // A Request's URL is absolute and normalised (the adapter passes only plain ones through unparsed): its origin is what precedes the path.
  const url = c.req.url;
  const origin = url.slice(0, url.indexOf('/', url.indexOf('//') + 2));
  if (settings.trustProxy) {
    const scheme = origin.slice(0, origin.indexOf(':'));
    const proto = c.req.header('x-forwarded-proto')?.split(',')[0]?.trim();
    const host = c.req.header('x-forwarded-host')?.split(',')[0]?.trim();
    return `${proto === 'https' || proto === 'http' ? proto : scheme}://${host || origin.slice(scheme.length + 3)}`;
  }
  return origin;
}

/**
 * The batches of every log that wait for their timer. A process that exits then still writes them (stdout to a file,
 * pipe or terminal writes synchronously), through one exit listener for all logs, however many apps a process makes.
 */
const waitingBatches = new Set<() => void>();
process.once('exit', () => {
  for (const flush of waitingBatches) flush();
});

/**
 * A log that buffers lines and writes them in batches: on the next turn of
 * the event loop when the server is quiet (a line reaches the terminal at
 * once), and at most once a millisecond when it is busy, so that logging
 * costs one write per burst of requests rather than one per request or per
 * turn of the loop.
 */
export function createLog(stream: NodeJS.WritableStream = process.stdout): (line: string) => void {
  let pending = '';
  let scheduled = false;
  let lastWrite = -Infinity;
  const flush = () => {
    waitingBatches.delete(flush);
    const out = pending;
    pending = '';
    scheduled = false;
    lastWrite = performance.now();
    if (out) stream.write(out);
  };
  return (line) => {
    pending += line + '\n';
    if (scheduled) return;
    scheduled = true;
    waitingBatches.add(flush);
    if (performance.now() - lastWrite < 1) setTimeout(flush, 1);
    else setImmediate(flush);
  };
}

/** The request log's line for one request; `started` is performance.now() when it came in. */
const requestLine = (method: string, path: string, status: number, started: number): string =>
  `${method} ${path} ${status} ${(performance.now() - started).toFixed(1)}ms`;

export function requestLog(log: (line: string) => void): MiddlewareHandler {
  return async (c, next) => {
    const start = performance.now();
    await next();
    log(requestLine(c.req.method, c.req.path, c.res.status, start));
  };
}

/** A response a part holds ready in full (a cached image), to be sent as it is. */
export interface HeldResponse {
  status: number;
  headers: Readonly<Record<string, string>>;
  body?: Uint8Array;
}

/**
 * What a part answers below Hono for GET requests under `prefix`: given the
 * URL after the prefix (query included) and the request, a held response,
 * or null to let Hono answer as usual.
 */
export interface HeldRoute {
  prefix: string;
  answer(rest: string, incoming: IncomingMessage): HeldResponse | null;
}

/** The Host values and request targets that @hono/node-server takes verbatim, without normalising them through URL. */
const PLAIN_HOST = /^[a-z0-9._-]+(?::(?:[1-5]\d{3,4}|[6-9]\d{3}))?$/;
const PLAIN_TARGET = /^\/[!$&-;=?-\[\]_a-z~]*$/;
const DOT_SEGMENT = /\/\.\.?(?:[/?]|$)/;

/**
 * A node:http server for the app: Hono's listener, except that a GET whose
 * response a part holds ready (see HeldRoute) is answered at once, before
 * Hono builds a Request, as Hono would have answered it: the same Host check
 * (a request it would refuse goes to Hono, which refuses it), the same
 * security headers in the same order, the same log line. Only plain
 * requests take the short way: a Host and a target the adapter would pass
 * through unchanged, no percent-encoding (Hono decodes the path), no
 * fragment; HEAD and everything else go through Hono.
 */
export function serverWithHeldRoutes(
  routes: readonly HeldRoute[],
  settings: Pick<Settings, 'allowedHosts' | 'trustProxy'>,
  log: (line: string) => void,
): typeof createServer {
  const allowed = hostCheck(settings.allowedHosts);
  const held = (incoming: IncomingMessage, outgoing: ServerResponse): boolean => {
    const url = incoming.url ?? '';
    if (incoming.method !== 'GET' || !PLAIN_TARGET.test(url) || DOT_SEGMENT.test(url)) return false;
    const route = routes.find((r) => url.startsWith(r.prefix));
    if (!route) return false;
    const host = requestHost(settings, url, (name) => incoming.headers[name] as string | undefined);
    if (!PLAIN_HOST.test(incoming.headers.host ?? '') || !allowed(host)) return false;
    const started = performance.now();
    const response = route.answer(url.slice(route.prefix.length), incoming);
    if (!response) return false;
    for (const [name, value] of SECURITY_HEADERS) outgoing.setHeader(name, value);
    outgoing.setHeader('Cross-Origin-Resource-Policy', resourcePolicy(url));
    const proto = settings.trustProxy ? (incoming.headers['x-forwarded-proto'] as string | undefined)?.split(',')[0]?.trim() : undefined;
    if (proto === 'https' || (proto !== 'http' && (incoming.socket as { encrypted?: boolean }).encrypted)) outgoing.setHeader('Strict-Transport-Security', STRICT_TRANSPORT_SECURITY);
    // As Hono's way sends them once the policy middleware has looked at the response: a Headers object's names, lower case and sorted.
    for (const name of Object.keys(response.headers).sort((a, b) => (a.toLowerCase() < b.toLowerCase() ? -1 : 1))) {
      outgoing.setHeader(name.toLowerCase(), response.headers[name]!);
    }
    if (response.body) outgoing.setHeader('Content-Length', response.body.byteLength);
    outgoing.statusCode = response.status;
    outgoing.end(response.body);
    const query = url.indexOf('?');
    log(requestLine('GET', query === -1 ? url : url.slice(0, query), response.status, started));
    return true;
  };
  // node:http is taken when a server is made, not imported: on Node 22 an import of it loads undici (its lazy
  // WebSocket export), a tenth of a second of a build, which imports this file and never serves.
  return ((options: object, listener: RequestListener) =>
    process.getBuiltinModule('node:http').createServer(options, (incoming, outgoing) => {
      if (!held(incoming, outgoing)) listener(incoming, outgoing);
    })) as typeof createServer;
}
