// Request bodies, as DRF's parsers read them: JSON, form-encoded and
// multipart (the book's Python client posts forms), at most 1 MiB. Plus
// Backbone's legacy modes, honoured on POST only: emulateHTTP (the
// X-HTTP-Method-Override header or a `_method` field) and emulateJSON (a form
// field `model` holding the JSON).
import type { Context } from 'hono';
import { HttpError } from '../http.ts';

const MAX_BODY_BYTES = 1024 * 1024;
export const PARSES = ['application/json', 'application/x-www-form-urlencoded', 'multipart/form-data'];
const OVERRIDABLE = new Set(['PUT', 'PATCH', 'DELETE']);

export interface Body {
  /** The parsed body: usually an object, but whatever JSON the client sent. */
  data: unknown;
  /** The method a POST asked to be treated as (emulateHTTP), if any. */
  method: string | null;
}

async function readLimited(c: Context): Promise<Buffer> {
  const declared = Number(c.req.header('content-length') ?? 0);
  if (declared > MAX_BODY_BYTES) throw tooLarge();
  // Under @hono/node-server, read Node's request stream itself: cheaper than
  // the web stream a Request would wrap around it. In-process requests
  // (app.request) have only the Request.
  const incoming = (c.env as { incoming?: AsyncIterable<Uint8Array> } | undefined)?.incoming;
  const stream = incoming ?? (c.req.raw.body as unknown as AsyncIterable<Uint8Array> | null);
  if (!stream) return Buffer.alloc(0);
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of stream) {
    size += chunk.byteLength;
    if (size > MAX_BODY_BYTES) throw tooLarge();
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

const tooLarge = () => new HttpError(413, `Request body is larger than ${MAX_BODY_BYTES / 1024 / 1024} MiB.`);

/** Stateless between calls (no `stream` option), so one serves every request. */
const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

function parseJson(bytes: Buffer): unknown {
  let text: string;
  try {
    text = UTF8.decode(bytes);
  } catch {
    throw new HttpError(400, 'JSON parse error - the body is not valid UTF-8.');
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new HttpError(400, `JSON parse error - ${(err as Error).message}`);
  }
}

/** A form's fields; a repeated name keeps its last value, as Django's QueryDict does. */
function formFields(entries: Iterable<[string, FormDataEntryValue]>): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  for (const [name, value] of entries) Object.defineProperty(fields, name, { value, enumerable: true, writable: true, configurable: true });
  return fields;
}

/** The media type alone, lower-cased: "application/json; charset=utf-8" → "application/json". */
export const mediaType = (contentType: string | undefined): string => (contentType ?? '').split(';')[0]!.trim().toLowerCase();

/** The method an emulated request stands for: PUT, PATCH or DELETE, or null for none (a POST). */
function emulated(method: string | undefined): string | null {
  const upper = method?.trim().toUpperCase();
  if (!upper || upper === 'POST') return null;
  if (!OVERRIDABLE.has(upper)) throw new HttpError(400, `Cannot emulate method "${upper.slice(0, 20)}": a POST may stand for PUT, PATCH or DELETE only.`);
  return upper;
}

/** The X-HTTP-Method-Override of a POST (Backbone.emulateHTTP), known before the body is read. */
export const headerOverride = (c: Context): string | null => emulated(c.req.header('x-http-method-override'));

/** Read and parse the body; `emulation` (POST only) honours `_method` and emulateJSON's `model`. */
export async function parseBody(c: Context, options: { emulation: boolean }): Promise<Body> {
  const bytes = await readLimited(c);
  let data: unknown = {};
  let method = options.emulation ? headerOverride(c) : null;
  if (bytes.byteLength > 0) {
    const contentType = c.req.header('content-type');
    const type = mediaType(contentType);
    if (type === 'application/json' || /^application\/[\w.+-]+\+json$/.test(type)) {
      data = parseJson(bytes);
    } else if (type === 'application/x-www-form-urlencoded' || type === 'multipart/form-data') {
      let form: FormData;
      try {
        form = await new Response(new Uint8Array(bytes), { headers: { 'content-type': contentType! } }).formData();
      } catch (err) {
        throw new HttpError(400, `${type === 'multipart/form-data' ? 'Multipart form' : 'Form'} parse error - ${(err as Error).message}`);
      }
      const fields = formFields(form.entries());
      if (options.emulation) {
        if (typeof fields._method === 'string') method = emulated(fields._method);
        delete fields._method;
        // emulateJSON: the model travels as JSON inside the form.
        if (typeof fields.model === 'string') data = parseJson(Buffer.from(fields.model));
        else data = fields;
      } else {
        data = fields;
      }
    } else {
      throw new HttpError(415, `Unsupported media type "${type.slice(0, 100)}" in request.`);
    }
  }
  return { data, method };
}
