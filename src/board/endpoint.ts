// The one request pipeline of every API endpoint, as DRF's APIView: content
// negotiation, authentication, Backbone's method emulation, body parsing,
// dispatch by method (405 with Allow otherwise), OPTIONS metadata, and the
// response as JSON or as the browsable API, errors included.
import type { Context, Handler, Hono } from 'hono';
import { HttpError, requestOrigin } from '../http.ts';
import type { Settings } from '../settings.ts';
import type { Auth, Caller } from './auth.ts';
import { renderPage } from './browsable.ts';
import { ValidationError, type RepresentContext } from './fields.ts';
import { headerOverride, parseBody, PARSES } from './parsers.ts';
import { errorContent, negotiate, RENDERS, type Format } from './render.ts';
import type { Resource } from './resources.ts';

export type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface Exchange {
  c: Context;
  params: URLSearchParams;
  format: Format;
  /** scheme://host the client used. */
  origin: string;
  urls: RepresentContext;
  /** Null only for public methods. */
  caller: Caller | null;
  /** The method asked for, after emulation. */
  method: Method;
  /** The parsed body of POST, PUT and PATCH. */
  data: unknown;
}

export interface Result {
  status: number;
  data?: unknown;
  /** `data` already serialized as JSON (from a cache). */
  json?: string;
  headers?: Record<string, string>;
  /** The object's representation, to fill the browsable API's edit forms. */
  object?: Record<string, unknown>;
}

export interface View {
  /** DRF's view name: "Task List", "Task Instance". */
  name: string;
  description: string;
  /** `action`: a read-only view under an object's URL (history, burndown). */
  kind: 'root' | 'list' | 'detail' | 'token' | 'schema' | 'action';
  resource?: Resource;
  handlers: Partial<Record<Method, (exchange: Exchange) => Result | Promise<Result>>>;
  /** Methods anyone may call; all others need credentials. */
  public?: Array<Method | 'OPTIONS'>;
  /** Media types it can answer with, in order of preference. */
  renders?: string[];
}

const WITH_BODY = new Set(['POST', 'PUT', 'PATCH']);
const VARY = 'Accept, Authorization';

const allowedMethods = (view: View): string[] => {
  const methods = Object.keys(view.handlers);
  return [...methods, ...(methods.includes('GET') ? ['HEAD'] : []), 'OPTIONS'];
};

/** DRF's SimpleMetadata: what OPTIONS answers. */
function metadata(view: View): Record<string, unknown> {
  const info: Record<string, unknown> = { name: view.name, description: view.description, renders: view.renders ?? RENDERS, parses: PARSES };
  const resource = view.resource;
  const action = view.kind === 'list' ? 'POST' : 'PUT';
  if (resource?.writable && view.handlers[action]) {
    info.actions = { [action]: Object.fromEntries(Object.entries(resource.fields).map(([name, field]) => [name, field.metadata()])) };
  }
  return info;
}

export interface EndpointDeps {
  settings: Settings;
  auth: Auth;
}

/** The Hono handler serving a view. */
export function endpoint(deps: EndpointDeps, view: View): Handler {
  const allow = allowedMethods(view).join(', ');
  const isPublic = (method: string) => (view.public ?? []).includes(method as Method | 'OPTIONS');

  return async (c) => {
    const query = c.req.url.indexOf('?');
    const params = new URLSearchParams(query === -1 ? '' : c.req.url.slice(query + 1));
    let format: Format = 'json';
    let mediaType = 'application/json';
    let caller: Caller | null = null;
    let method = c.req.method === 'HEAD' ? 'GET' : c.req.method;
    const origin = requestOrigin(c, deps.settings);

    const send = (result: Result): Response => {
      // DRF names the allowed methods on every response, not only on 405.
      const headers: Record<string, string> = { Allow: allow, Vary: VARY, ...result.headers };
      if (result.status === 204 || result.status === 304) return new Response(null, { status: result.status, headers });
      if (format === 'html') {
        // Validators describe the JSON bytes; the page is another representation.
        delete headers.ETag;
        const html = renderPage({
          view,
          allow: allowedMethods(view),
          request: { method, url: `${origin}${c.req.path}${query === -1 ? '' : c.req.url.slice(query)}` },
          response: { status: result.status, headers, data: result.data },
          caller: caller?.username ?? null,
          object: result.object ?? null,
        });
        return new Response(html, { status: result.status, headers: { ...headers, 'Content-Type': 'text/html; charset=utf-8' } });
      }
      return new Response(result.json ?? JSON.stringify(result.data), { status: result.status, headers: { ...headers, 'Content-Type': mediaType } });
    };

    try {
      ({ format, mediaType } = negotiate(c, params, view.renders));
      const authenticate = async () => (caller ??= await deps.auth.authenticate(c, { html: format === 'html' }));
      if (method === 'POST') method = headerOverride(c) ?? method;
      if (!isPublic(method)) await authenticate();

      let data: unknown;
      if (WITH_BODY.has(c.req.method)) {
        const body = await parseBody(c, { emulation: c.req.method === 'POST' });
        data = body.data;
        if (body.method) method = body.method;
        if (!isPublic(method)) await authenticate();
      }

      if (method === 'OPTIONS') return send({ status: 200, data: metadata(view) });
      const handler = Object.hasOwn(view.handlers, method) ? view.handlers[method as Method] : undefined;
      if (!handler) throw new HttpError(405, `Method "${method.slice(0, 20)}" not allowed.`);
      const exchange: Exchange = {
        c,
        params,
        format,
        origin,
        urls: { api: `${origin}/api`, ws: origin.replace(/^http/, 'ws'), secretKey: deps.settings.secretKey },
        caller,
        method: method as Method,
        data,
      };
      const result = await handler(exchange);
      return send(result);
    } catch (err) {
      if (err instanceof HttpError || err instanceof ValidationError) {
        const { status, data, headers } = errorContent(err);
        return send({ status, data, headers: { 'Cache-Control': 'no-store', ...headers } });
      }
      throw err;
    }
  };
}

/** Serve `path` with and without its trailing slash, for every method, without redirects. */
export function route(api: Hono, path: string, handler: Handler): void {
  // Mounted at /api, "/" alone would only match "/api"; the empty segment matches "/api/".
  const paths = path === '/' ? ['/', '/:root{$}'] : [path, `${path}/`];
  for (const p of paths) api.all(p, handler);
}
