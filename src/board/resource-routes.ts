// The generic code behind every resource, as DRF's ModelViewSet: list,
// create, retrieve, update, partial update and destroy, driven entirely by a
// resource's declaration. Also validation, representation, conditional
// requests (ETag / If-None-Match / If-Match) and the events every write
// publishes for the real-time part.
import { HttpError } from '../http.ts';
import { MODEL_EVENTS_TOPIC, type ModelEvent, type PubSub } from '../realtime/pubsub.ts';
import { ResponseCache } from './cache.ts';
import type { Exchange, Result, View } from './endpoint.ts';
import { dictionary, Invalid, RelatedField, ValidationError, type RepresentContext, type ValidateContext } from './fields.ts';
import { parseListRequest, type ListRequest } from './query.ts';
import { RESOURCES, type Resource } from './resources.ts';
import { MissingReference, UniqueViolation, type ChangedRow, type ModelName, type Neighbour, type Queries, type Row, type SqlValue, type Store } from './store.ts';

export interface ResourceDeps {
  store: Store;
  pubsub: PubSub;
}

function represent(resource: Resource, row: Row, context: RepresentContext): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  for (const name in resource.fields) body[name] = resource.fields[name]!.represent(row, context);
  return body;
}

/** A strong validator from the stored row's version counter, not from the bytes (links.channel is signed afresh). */
const etagOf = (resource: Resource, row: Row): string => `"${resource.model}.${row.id}.${row.version}"`;

const etagList = (header: string): string[] => header.split(',').map((tag) => tag.trim());

/** The stored values of a row's writable fields, by column: what validation merges request values into. */
function storedValues(resource: Resource, row: Row): Record<string, SqlValue> {
  const values: Record<string, SqlValue> = {};
  for (const field of Object.values(resource.fields)) {
    if (!field.readOnly) values[field.column!] = row[field.column!] as SqlValue;
  }
  return values;
}

/**
 * The columns a request sets, checked field by field and then across fields,
 * with every message reported at once. `partial` (PATCH) requires nothing;
 * a create fills absent fields with their defaults; PUT keeps them.
 */
async function validate(resource: Resource, data: unknown, context: ValidateContext, partial: boolean): Promise<Record<string, SqlValue>> {
  const input = dictionary(data);
  const errors: Record<string, string[]> = {};
  const changes: Record<string, SqlValue> = {};
  for (const [name, field] of Object.entries(resource.fields)) {
    // Read-only fields are ignored, not refused: Backbone's save() sends the whole model back.
    if (field.readOnly) continue;
    const column = field.column!;
    if (!Object.hasOwn(input, name)) {
      if (partial) continue;
      if (field.required) errors[name] = ['This field is required.'];
      else if (!context.instance) changes[column] = field.default ?? null;
      continue;
    }
    // A form cannot send null: an empty value of a nullable field means none.
    const value = input[name] === '' && field.nullable ? null : input[name];
    let stored: SqlValue;
    if (value === null) {
      if (!field.nullable) {
        errors[name] = ['This field may not be null.'];
        continue;
      }
      stored = null;
    } else {
      try {
        stored = await field.parse(value, context.store);
      } catch (err) {
        if (!(err instanceof Invalid)) throw err;
        errors[name] = [err.message];
        continue;
      }
    }
    const problems: string[] = [];
    for (const check of field.validators) {
      const problem = await check(stored, context);
      if (problem !== null) problems.push(problem);
    }
    // The early answer, with the other messages; a concurrent write is caught by the constraint (see refusal()).
    if (field.unique && stored !== null) {
      const other = await context.store.get(resource.model, column, stored);
      if (other && other.id !== context.instance?.id) problems.push(field.unique);
    }
    if (problems.length) errors[name] = problems;
    else changes[column] = stored;
  }
  if (Object.keys(errors).length === 0 && resource.validate) {
    const merged = { ...(context.instance ? storedValues(resource, context.instance) : {}), ...changes };
    const problems = resource.validate(merged, context);
    if (problems.length) errors.non_field_errors = problems;
  }
  if (Object.keys(errors).length) throw new ValidationError(errors);
  return changes;
}

/** `?before=<id>` or `?after=<id>` on a write to a placed resource: the neighbour it goes next to. */
function neighbourOf(resource: Resource, params: URLSearchParams): Neighbour | null {
  if (!resource.placed) return null;
  for (const side of ['before', 'after'] as const) {
    const value = params.get(side);
    if (value === null) continue;
    if (!/^\d{1,15}$/.test(value.trim())) throw new ValidationError({ [side]: [`"${value.slice(0, 50)}" is not the id of a ${resource.label.toLowerCase()}.`] });
    return { id: Number(value), side };
  }
  return null;
}

/**
 * Validated values, placed next to the neighbour the request names (if any):
 * `order` as it will be stored, and the other objects renumbered to make room.
 */
async function place(resource: Resource, exchange: Exchange, tx: Queries, instance: Row | null, changes: Record<string, SqlValue>): Promise<Row[]> {
  const neighbour = neighbourOf(resource, exchange.params);
  if (!neighbour) return [];
  const merged = { ...(instance ? storedValues(resource, instance) : {}), ...changes };
  const placed = await tx.makeRoom(instance?.id ?? null, merged, neighbour);
  changes.order = placed.order;
  return placed.renumbered;
}

const resourceOf = (model: ModelName): Resource => RESOURCES.find((r) => r.model === model)!;

/**
 * The objects a deletion changed (tasks moved to the backlog or unassigned,
 * comments left without their author) or removed with it (a task's
 * comments), as the events that boards showing them must hear of.
 */
export function changedEvents(changed: ChangedRow[], urls: RepresentContext): ModelEvent[] {
  return changed.map(({ model, id, action, row }) => ({ model, id, action, body: represent(resourceOf(model), row, urls) }));
}

/** Who makes a write, for its history. */
const author = (exchange: Exchange) => ({ by: exchange.caller?.username ?? null });

/**
 * One page of a list as DRF's PageNumberPagination answers it: count,
 * absolute next/previous URLs (and a Link header), the page's items.
 */
export async function paginate<T>(
  exchange: Exchange,
  request: Pick<ListRequest, 'page' | 'pageSize'>,
  count: number,
  items: (limit: number, offset: number) => Promise<T[]>,
): Promise<Result> {
  const lastPage = Math.max(1, Math.ceil(count / request.pageSize));
  const page = request.page === 'last' ? lastPage : request.page;
  if (page > lastPage) throw new HttpError(404, 'Invalid page.');
  const results = await items(request.pageSize, (page - 1) * request.pageSize);
  const pageUrl = (n: number) => {
    const params = new URLSearchParams(exchange.params);
    if (n === 1) params.delete('page');
    else params.set('page', String(n));
    const query = params.toString();
    return `${exchange.origin}${exchange.c.req.path}${query ? `?${query}` : ''}`;
  };
  const next = page < lastPage ? pageUrl(page + 1) : null;
  const previous = page > 1 ? pageUrl(page - 1) : null;
  const links = [next && `<${next}>; rel="next"`, previous && `<${previous}>; rel="prev"`].filter(Boolean);
  const headers: Record<string, string> = links.length ? { Link: links.join(', ') } : {};
  return { status: 200, data: { count, next, previous, results }, headers };
}

/**
 * A write the database refused because of another request that won a race
 * (the same sprint end, a sprint deleted meanwhile), as the 400 the same
 * request would have had a moment later.
 */
function refusal(resource: Resource, error: unknown, data: unknown): unknown {
  if (error instanceof UniqueViolation && error.model === resource.model) {
    const entry = Object.entries(resource.fields).find(([, field]) => field.column === error.column && field.unique);
    if (entry) return new ValidationError({ [entry[0]]: [entry[1].unique!] });
  }
  if (error instanceof MissingReference) {
    const entry = Object.entries(resource.fields).find(([, field]) => field instanceof RelatedField && field.column === error.column);
    if (entry) return new ValidationError({ [entry[0]]: [(entry[1] as RelatedField).missing(dictionary(data)[entry[0]])] });
    return new HttpError(409, 'An object this one refers to was deleted meanwhile. Reload it and try again.');
  }
  return error;
}

export function resourceViews(resource: Resource, { store, pubsub }: ResourceDeps): { list: View; detail: View } {
  const { model } = resource;
  const cache = new ResponseCache<{ json: string; headers: Record<string, string> }>(() => store.generation());

  /** A write in one transaction; the database's refusals as the API's messages. */
  const write = async <T>(exchange: Exchange, work: (tx: Queries) => Promise<T>): Promise<T> => {
    try {
      return await store.transaction(work);
    } catch (error) {
      throw refusal(resource, error, exchange.data);
    }
  };

  const publishEvent = (event: ModelEvent) => pubsub.publish(MODEL_EVENTS_TOPIC, JSON.stringify(event));
  const publish = (action: ModelEvent['action'], of: Resource, id: number, body: Record<string, unknown>) => publishEvent({ model: of.model, id, action, body });

  /** Boards showing objects renumbered to make room must re-sort them. */
  const publishRenumbered = (exchange: Exchange, rows: Row[]) => {
    for (const row of rows) publish('update', resource, row.id, represent(resource, row, exchange.urls));
  };

  const key = (exchange: Exchange): SqlValue => {
    const raw = exchange.c.req.param('key')!;
    return resource.lookup.column === 'id' ? Number(raw) : raw;
  };

  /** A nested resource's parent id, from the URL (/api/tasks/<parent>/comments/). */
  const parentId = (exchange: Exchange): number => Number(exchange.c.req.param('parent'));

  /** The parent the URL names must exist: its objects' list is a 404 otherwise. */
  const findParent = async (exchange: Exchange, queries: Queries = store): Promise<number> => {
    const id = parentId(exchange);
    if (!(await queries.get(resource.parent!.model, 'id', id))) throw new HttpError(404, 'Not found.');
    return id;
  };

  /** The object the URL names (under the parent it names, if nested); `lock`ed (in a transaction) so that concurrent writes to it take turns. */
  const find = async (exchange: Exchange, queries: Queries = store, lock = false): Promise<Row> => {
    const row = await queries.get(model, resource.lookup.column, key(exchange), { lock });
    if (!row || (resource.parent && row[resource.parent.column] !== parentId(exchange))) throw new HttpError(404, 'Not found.');
    return row;
  };

  /** Only an owned object's owner may change it. */
  const checkOwner = (exchange: Exchange, row: Row) => {
    if (resource.owner && row[resource.owner.column] !== exchange.caller?.id) throw new HttpError(403, resource.owner.refusal);
  };

  /** Lost-update protection: a write naming an older version is refused. Clients that send no If-Match are unaffected. */
  const checkIfMatch = (exchange: Exchange, row: Row) => {
    const header = exchange.c.req.header('if-match');
    if (header === undefined || header.trim() === '*') return;
    if (!etagList(header).includes(etagOf(resource, row))) {
      throw new HttpError(412, 'The object has changed since you fetched it (If-Match names an older ETag). Fetch it again and reapply your change.');
    }
  };

  /**
   * `POST ...?restores=<id>` (resources with history): the new object brings
   * back a deleted one, and its history says so. The id must name an object
   * that existed and is gone.
   */
  const restored = async (exchange: Exchange, tx: Queries): Promise<number | null> => {
    const value = exchange.params.get('restores');
    if (value === null || !resource.actions?.some((action) => action.path === 'history')) return null;
    const id = /^\d{1,15}$/.test(value.trim()) ? Number(value) : null;
    const deleted = id !== null && !(await tx.get(model, 'id', id)) && (await tx.countHistory({ task: id })) > 0;
    if (!deleted) throw new ValidationError({ restores: [`"${value.slice(0, 50)}" is not the id of a deleted ${resource.label.toLowerCase()}.`] });
    return id;
  };

  const answer = (exchange: Exchange, row: Row, status: number, headers: Record<string, string> = {}): Result => {
    const body = represent(resource, row, exchange.urls);
    return { status, data: body, object: body, headers: { ETag: etagOf(resource, row), ...headers } };
  };

  const update = (partial: boolean) => async (exchange: Exchange): Promise<Result> => {
    const { row, renumbered } = await write(exchange, async (tx) => {
      const instance = await find(exchange, tx, true);
      checkOwner(exchange, instance);
      checkIfMatch(exchange, instance);
      const changes = await validate(resource, exchange.data, { store: tx, instance, today: tx.today() }, partial);
      const renumbered = await place(resource, exchange, tx, instance, changes);
      return { row: (await tx.update(model, instance.id, changes, author(exchange), instance))!, renumbered };
    });
    const result = answer(exchange, row, 200);
    publish('update', resource, row.id, result.data as Record<string, unknown>);
    publishRenumbered(exchange, renumbered);
    return result;
  };

  const listPage = async (exchange: Exchange): Promise<Result> => {
    const request = parseListRequest(resource.listing, exchange.params);
    if (resource.parent) request.query.where.push({ column: resource.parent.column, op: '=', value: await findParent(exchange) });
    const count = await store.count(model, request.query);
    return paginate(exchange, request, count, async (limit, offset) =>
      (await store.list(model, { ...request.query, limit, offset })).map((row) => represent(resource, row, exchange.urls)),
    );
  };

  const listView: View = {
    name: `${resource.label} List`,
    description: resource.description,
    kind: 'list',
    resource,
    handlers: {
      GET: async (exchange) => {
        if (exchange.format !== 'json') return listPage(exchange);
        const { json, headers } = await cache.get(`${exchange.origin}${exchange.c.req.path}?${exchange.params}`, async () => {
          const page = await listPage(exchange);
          return { json: JSON.stringify(page.data), headers: page.headers! };
        });
        return { status: 200, json, headers };
      },
    },
  };

  const detailView: View = {
    name: `${resource.label} Instance`,
    description: resource.description,
    kind: 'detail',
    resource,
    handlers: {
      GET: async (exchange) => {
        if (exchange.format !== 'json') return answer(exchange, await find(exchange), 200);
        const { json, headers } = await cache.get(`${exchange.origin}${exchange.c.req.path}`, async () => {
          const row = await find(exchange);
          return { json: JSON.stringify(represent(resource, row, exchange.urls)), headers: { ETag: etagOf(resource, row) } };
        });
        const ifNoneMatch = exchange.c.req.header('if-none-match');
        if (ifNoneMatch !== undefined) {
          const tags = etagList(ifNoneMatch).map((tag) => tag.replace(/^W\//, ''));
          if (tags.includes('*') || tags.includes(headers.ETag!)) return { status: 304, headers };
        }
        return { status: 200, json, headers };
      },
    },
  };

  if (resource.writable) {
    listView.handlers.POST = async (exchange) => {
      const { row, renumbered } = await write(exchange, async (tx) => {
        const restores = await restored(exchange, tx);
        const values = await validate(resource, exchange.data, { store: tx, instance: null, today: tx.today() }, false);
        if (resource.parent) values[resource.parent.column] = await findParent(exchange, tx);
        if (resource.owner) values[resource.owner.column] = exchange.caller!.id;
        const renumbered = await place(resource, exchange, tx, null, values);
        return { row: await tx.insert(model, values, { ...author(exchange), ...(restores === null ? {} : { restores }) }), renumbered };
      });
      const result = answer(exchange, row, 201, { Location: resource.url(exchange.urls, row) });
      publish('add', resource, row.id, result.data as Record<string, unknown>);
      publishRenumbered(exchange, renumbered);
      return result;
    };
    detailView.handlers.PUT = update(false);
    detailView.handlers.PATCH = update(true);
    detailView.handlers.DELETE = async (exchange) => {
      const { id, body, changed } = await write(exchange, async (tx) => {
        const instance = await find(exchange, tx, true);
        checkOwner(exchange, instance);
        checkIfMatch(exchange, instance);
        const body = represent(resource, instance, exchange.urls);
        const changed = await tx.delete(model, instance.id, author(exchange), instance);
        return { id: instance.id, body, changed };
      });
      publish('remove', resource, id, body);
      changedEvents(changed, exchange.urls).forEach(publishEvent);
      return { status: 204 };
    };
  }

  return { list: listView, detail: detailView };
}
