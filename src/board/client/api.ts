// Talking to the board API: one `fetch` wrapper that adds the token, asks for
// JSON and turns every failure into an ApiError a view can show, and the
// Backbone.ajax adapter that sends Backbone.sync through it (no jQuery).
import Backbone from 'backbone';

/** Field errors as the API reports them: `{"name": ["..."], "non_field_errors": ["..."]}` or `{"detail": "..."}`. */
export type ErrorBody = Record<string, unknown>;

export class ApiError extends Error {
  override name = 'ApiError';
  readonly status: number;
  readonly body: ErrorBody;
  constructor(
    /** HTTP status; 0 when the server could not be reached at all. */
    status: number,
    message: string,
    body: ErrorBody = {},
  ) {
    super(message);
    this.status = status;
    this.body = body;
  }
}

/** Builds the one message for a person out of whatever an API error body holds. */
function describe(status: number, body: ErrorBody): string {
  if (typeof body.detail === 'string') return body.detail;
  const first = Object.values(body).flat().find((value) => typeof value === 'string');
  return typeof first === 'string' ? first : `The server answered ${status}.`;
}

const UNREACHABLE = 'Cannot reach the server. Check your connection and try again.';

interface Auth {
  token(): string | null;
  /** Told about every 401, so the app can ask the person to log in again. */
  rejected(): void;
}

let auth: Auth = { token: () => null, rejected: () => {} };

export function useAuth(value: Auth): void {
  auth = value;
}

interface RequestOptions {
  method?: string;
  body?: unknown;
  query?: Record<string, string>;
  /** Refuse (412) unless the object is still at this version. */
  ifMatch?: string;
}

/**
 * The ETag of each object as this client last wrote or read it alone, by its
 * URL (`links.self`): what an undo sends as If-Match, so that it overwrites
 * nothing someone else changed since.
 */
const etags = new Map<string, string>();

export const etagOf = (url: string): string | undefined => etags.get(url);

export function withQuery(url: string, query: Record<string, string> = {}): string {
  const result = new URL(url, location.href);
  for (const [name, value] of Object.entries(query)) result.searchParams.set(name, value);
  return result.href;
}

/**
 * The last write to each object (by its URL's path) still on its way. Writes to one object are sent one after another,
 * in the order they were made: two quick moves of a card sent side by side could reach the server in either order,
 * leaving the task where the board no longer shows it.
 */
const lastWrites = new Map<string, Promise<unknown>>();

/** JSON in, JSON out; rejects with ApiError for network failures and every non-2xx answer. */
export function request(url: string, options: RequestOptions = {}): Promise<unknown> {
  if ((options.method ?? 'GET') === 'GET') return send(url, options);
  const path = new URL(url, location.href).pathname;
  const before = lastWrites.get(path);
  const sendNow = () => send(url, options);
  // After the write before it, however that went.
  const write = before ? before.then(sendNow, sendNow) : sendNow();
  lastWrites.set(path, write);
  const forget = () => {
    if (lastWrites.get(path) === write) lastWrites.delete(path);
  };
  write.then(forget, forget);
  return write;
}

async function send(url: string, { method = 'GET', body, query, ifMatch }: RequestOptions): Promise<unknown> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  const token = auth.token();
  if (token) headers.Authorization = `Token ${token}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (ifMatch !== undefined) headers['If-Match'] = ifMatch;
  let response: Response;
  try {
    response = await fetch(withQuery(url, query), {
      method,
      headers,
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
  } catch {
    throw new ApiError(0, UNREACHABLE);
  }
  const text = await response.text().catch(() => '');
  let data: unknown = null;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = null;
    }
  }
  if (response.ok) {
    const self = (data as { links?: { self?: unknown } } | null)?.links?.self;
    const etag = response.headers.get('ETag');
    if (typeof self === 'string' && etag) etags.set(self, etag);
    if (method === 'DELETE') etags.delete(new URL(url, location.href).href);
    return data;
  }
  const errorBody = data && typeof data === 'object' && !Array.isArray(data) ? (data as ErrorBody) : {};
  if (response.status === 401) auth.rejected();
  throw new ApiError(response.status, describe(response.status, errorBody), errorBody);
}

/** What Backbone.sync hands to Backbone.ajax (the jQuery.ajax settings it uses). */
interface SyncParams {
  type: string;
  url: string;
  data?: unknown;
  success?: (data: unknown) => void;
  error?: (error: ApiError) => void;
}

/**
 * Backbone.ajax on top of `request`. It returns the request's promise, so
 * `await model.save(...)` works; views await it and read the ApiError.
 */
export function installBackboneAjax(): void {
  const ajax = (params: SyncParams): Promise<unknown> => {
    const reading = params.type === 'GET';
    const query = reading && params.data && typeof params.data === 'object' ? (params.data as Record<string, string>) : undefined;
    const pending = request(params.url, { method: params.type, body: reading ? undefined : params.data, query }).then(
      (data) => {
        params.success?.(data);
        return data;
      },
      (error: ApiError) => {
        params.error?.(error);
        throw error;
      },
    );
    // Backbone.sync's own callers (create, destroy) drop the promise; awaiting callers still see the rejection.
    pending.catch(() => {});
    return pending;
  };
  Object.assign(Backbone, { ajax });
}
