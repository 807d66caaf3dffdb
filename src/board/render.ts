// Content negotiation, as DRF's: JSON for programs, the browsable API
// (browsable.ts) for a browser asking for HTML, 406 for a client accepting
// neither; `?format=json` / `?format=api` override the Accept header. And
// what an error becomes in either form.
import type { Context } from 'hono';
import { HttpError } from '../http.ts';
import { ValidationError } from './fields.ts';

export type Format = 'json' | 'html';
export const JSON_TYPE = 'application/json';
const HTML_TYPE = 'text/html';
export const RENDERS = [JSON_TYPE, HTML_TYPE];

interface MediaRange {
  type: string;
  subtype: string;
  q: number;
}

function parseAccept(accept: string): MediaRange[] {
  return accept.split(',').flatMap((part) => {
    const [range, ...parameters] = part.split(';');
    const [type, subtype] = (range ?? '').trim().toLowerCase().split('/');
    if (!type || !subtype) return [];
    const qParameter = parameters.map((p) => p.trim().toLowerCase()).find((p) => p.startsWith('q='));
    const q = qParameter ? Number(qParameter.slice(2)) : 1;
    return [{ type, subtype, q: Number.isFinite(q) ? Math.min(Math.max(q, 0), 1) : 0 }];
  });
}

/** The quality the client gives a media type: that of its most specific matching range. */
function quality(ranges: MediaRange[], mediaType: string): number {
  const [type, subtype] = mediaType.split('/');
  let best = { specificity: -1, q: 0 };
  for (const range of ranges) {
    const specificity =
      range.type === type && range.subtype === subtype ? 2 : range.type === type && range.subtype === '*' ? 1 : range.type === '*' && range.subtype === '*' ? 0 : -1;
    if (specificity > best.specificity) best = { specificity, q: range.q };
  }
  return best.q;
}

/** Per list of offered types, the choice for each Accept header seen: they come from few distinct clients. */
const chosen = new WeakMap<readonly string[], Map<string, string | null>>();

/** The media type to answer with, of `offered` (in order of our preference); null if none is acceptable. */
function chooseMediaType(accept: string, offered: readonly string[]): string | null {
  let choices = chosen.get(offered);
  if (!choices) chosen.set(offered, (choices = new Map()));
  const cached = choices.get(accept);
  if (cached !== undefined) return cached;
  const ranges = parseAccept(accept);
  let best: { type: string | null; q: number } = { type: null, q: 0 };
  for (const type of offered) {
    const q = quality(ranges, type);
    if (q > best.q) best = { type, q };
  }
  if (choices.size > 1000) choices.clear();
  choices.set(accept, best.type);
  return best.type;
}

/** JSON or the browsable API for this request; throws 406 when the client accepts neither. */
export function negotiate(c: Context, params: URLSearchParams, offered: readonly string[] = RENDERS): { format: Format; mediaType: string } {
  const format = params.get('format');
  if (format === 'json') return { format: 'json', mediaType: JSON_TYPE };
  if (format === 'api') return { format: 'html', mediaType: HTML_TYPE };
  if (format) throw new HttpError(404, 'Not found.');
  const accept = c.req.header('accept')?.trim();
  if (!accept) return { format: 'json', mediaType: offered[0]! };
  const mediaType = chooseMediaType(accept, offered);
  if (!mediaType) throw new HttpError(406, 'Could not satisfy the request Accept header.');
  return { format: mediaType === HTML_TYPE ? 'html' : 'json', mediaType };
}

/** The status, body and headers an error becomes. */
export function errorContent(err: HttpError | ValidationError): { status: number; data: unknown; headers: Record<string, string> } {
  if (err instanceof ValidationError) return { status: 400, data: err.errors, headers: {} };
  return { status: err.status, data: { detail: err.message }, headers: err.headers };
}
