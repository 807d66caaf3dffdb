// GET /api/schema/: an OpenAPI 3.1 document generated from the resource
// declarations (fields, lookups, filters, search, ordering), so it cannot
// drift from what the API does.
import type { Resource } from './resources.ts';
import { MAX_PAGE_SIZE, PAGE_SIZE } from './query.ts';
import { PARSES } from './parsers.ts';

type Json = Record<string, unknown>;

const ref = (name: string): Json => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: Json): Json => ({ 'application/json': { schema } });

const errorResponses = (...statuses: number[]): Json => {
  const all: Record<number, Json> = {
    400: { description: 'Invalid input: messages per field and `non_field_errors`.', content: json(ref('ValidationErrors')) },
    401: { description: 'No or wrong credentials.', content: json(ref('Error')) },
    403: { description: 'Refused (a cross-site request with Basic credentials).', content: json(ref('Error')) },
    404: { description: 'No such object, or a page past the end.', content: json(ref('Error')) },
    412: { description: 'If-Match names an older version of the object.', content: json(ref('Error')) },
    429: { description: 'Too many failed logins; see Retry-After.', content: json(ref('Error')) },
  };
  return Object.fromEntries(statuses.map((s) => [s, all[s]]));
};

function representation(resource: Resource): Json {
  const properties = Object.fromEntries(Object.entries(resource.fields).map(([name, field]) => [name, field.schema()]));
  return { type: 'object', title: resource.label, properties, required: Object.keys(properties) };
}

function input(resource: Resource, partial: boolean): Json {
  const writable = Object.entries(resource.fields).filter(([, field]) => !field.readOnly);
  const required = partial ? [] : writable.filter(([, field]) => field.required).map(([name]) => name);
  return {
    type: 'object',
    properties: Object.fromEntries(writable.map(([name, field]) => [name, field.schema()])),
    ...(required.length ? { required } : {}),
    description: 'Read-only fields (id, links, status_display) may be sent and are ignored.',
  };
}

function listParameters(resource: Resource): Json[] {
  const { listing } = resource;
  const query = (name: string, description: string, schema: Json): Json => ({ name, in: 'query', required: false, description, schema });
  return [
    query('page', 'Page number, from 1, or "last".', { oneOf: [{ type: 'integer', minimum: 1 }, { const: 'last' }] }),
    query('page_size', `Objects per page (default ${PAGE_SIZE}, at most ${MAX_PAGE_SIZE}).`, { type: 'integer', minimum: 1 }),
    ...Object.entries(listing.filters).map(([name, filter]) => query(name, filter.description, filter.schema)),
    ...(listing.search.length
      ? [query('search', `Words that must all occur, case-insensitively, in ${listing.search.join(' or ')}.`, { type: 'string' })]
      : []),
    query('ordering', `Comma-separated, "-" for descending: ${Object.keys(listing.ordering).join(', ')}.`, { type: 'string' }),
  ];
}

function resourcePaths(resource: Resource): Json {
  const name = resource.label;
  const body = (schema: string): Json => ({
    required: true,
    content: Object.fromEntries(PARSES.map((type) => [type, { schema: ref(schema) }])),
  });
  const key = resource.lookup.column;
  const keyParameter = { name: key, in: 'path', required: true, schema: key === 'id' ? { type: 'integer' } : { type: 'string', pattern: `^${resource.lookup.pattern}$` } };
  // A nested resource's URLs start with its parent's: /api/tasks/{task}/comments/.
  const parent = resource.parent;
  const base = parent ? `/api/${parent.resource}/{${parent.column}}/${resource.name}/` : `/api/${resource.name}/`;
  const parentParameters: Json[] = parent ? [{ name: parent.column, in: 'path', required: true, description: `Id of the ${parent.model}.`, schema: { type: 'integer' } }] : [];
  const owned = resource.owner ? ` Only the ${resource.owner.column} may do this (403 for anyone else).` : '';
  const etag = { ETag: { description: 'Version of the stored object, for If-None-Match and If-Match.', schema: { type: 'string' } } };
  const ifMatch = { name: 'If-Match', in: 'header', required: false, description: 'Refuse (412) if the object changed since this ETag.', schema: { type: 'string' } };

  const list: Json = {
    ...(parent ? { parameters: parentParameters } : {}),
    get: {
      operationId: `list${name}s`,
      tags: [resource.name],
      summary: `List ${resource.name}`,
      parameters: listParameters(resource),
      responses: { 200: { description: `A page of ${resource.name}.`, content: json(ref(`Paginated${name}List`)) }, ...errorResponses(400, 401, 404) },
    },
  };
  const detail: Json = {
    parameters: [...parentParameters, keyParameter],
    get: {
      operationId: `retrieve${name}`,
      tags: [resource.name],
      responses: {
        200: { description: `One ${resource.label.toLowerCase()}.`, headers: etag, content: json(ref(name)) },
        304: { description: 'Unchanged since the If-None-Match ETag.' },
        ...errorResponses(401, 404),
      },
    },
  };
  if (resource.writable) {
    const label = resource.label.toLowerCase();
    // Where a placed resource goes among its column's others (see Resource.placed).
    const placement: Json[] = resource.placed
      ? (['before', 'after'] as const).map((side) => ({
          name: side,
          in: 'query',
          required: false,
          description: `Id of the ${label} this one goes just ${side} in its column: the order sent is kept if it sorts there, else the column is renumbered (recorded in no history).`,
          schema: { type: 'integer' },
        }))
      : [];
    const restores: Json[] = resource.actions?.some((action) => action.path === 'history')
      ? [{ name: 'restores', in: 'query', required: false, description: `Id of a deleted ${label} this one brings back (its history says so).`, schema: { type: 'integer' } }]
      : [];
    list.post = {
      operationId: `create${name}`,
      tags: [resource.name],
      ...(restores.length + placement.length ? { parameters: [...restores, ...placement] } : {}),
      requestBody: body(`${name}Input`),
      responses: {
        201: { description: 'Created.', headers: { Location: { schema: { type: 'string', format: 'uri' } }, ...etag }, content: json(ref(name)) },
        ...errorResponses(400, 401, 403),
      },
    };
    for (const [method, schema] of [['put', `${name}Input`], ['patch', `Patched${name}Input`]] as const) {
      detail[method] = {
        operationId: `${method === 'put' ? 'update' : 'partialUpdate'}${name}`,
        tags: [resource.name],
        ...(owned ? { description: owned.trim() } : {}),
        parameters: [ifMatch, ...placement],
        requestBody: body(schema),
        responses: { 200: { description: 'Updated.', headers: etag, content: json(ref(name)) }, ...errorResponses(400, 401, 403, 404, 412) },
      };
    }
    detail.delete = {
      operationId: `destroy${name}`,
      tags: [resource.name],
      ...(owned ? { description: owned.trim() } : {}),
      parameters: [ifMatch],
      responses: { 204: { description: 'Deleted.' }, ...errorResponses(401, 403, 404, 412) },
    };
  }
  const paths: Json = { [base]: list };
  for (const action of resource.listActions ?? []) {
    paths[`${base}${action.path}/`] = {
      get: {
        operationId: `${action.path}${name}`,
        tags: [resource.name],
        summary: action.label,
        description: action.description,
        parameters: [{ name: 'count', in: 'query', required: false, description: 'How many sprints (default 6, at most 50).', schema: { type: 'integer', minimum: 1, maximum: 50 } }],
        responses: { 200: { description: action.label, content: json(ref('Velocity')) }, ...errorResponses(400, 401) },
      },
    };
  }
  paths[`${base}{${key}}/`] = detail;
  for (const action of resource.actions ?? []) {
    const paginated = action.path === 'history';
    const operation = `${action.path}${name}`;
    const query = Object.entries(action.parameters ?? {}).map(([parameter, { description, schema }]) => ({ name: parameter, in: 'query', required: false, description, schema }));
    paths[`${base}{${key}}/${action.path}/`] = {
      parameters: [...parentParameters, keyParameter],
      get: {
        operationId: operation,
        tags: [resource.name],
        summary: action.label,
        description: action.description,
        parameters: paginated ? listParameters({ ...resource, listing: { filters: {}, search: [], ordering: {}, defaultOrdering: [] } }).slice(0, 2) : query,
        responses: {
          200: { description: action.label, content: json(ref(paginated ? 'PaginatedHistoryEntryList' : 'Burndown')) },
          ...errorResponses(...(paginated ? [401, 404] : [400, 401, 404])),
        },
      },
    };
  }
  return paths;
}

const nullableDay = { type: ['integer', 'null'], minimum: 0 };

/** The shapes of history entries and burndowns (see store.ts and history.ts). */
const ACTION_SCHEMAS: Json = {
  HistoryEntry: {
    type: 'object',
    properties: {
      task: { type: 'integer', description: 'The task written to (it may since have been deleted).' },
      at: { type: 'string', format: 'date-time', description: 'UTC, with milliseconds.' },
      user: { type: ['string', 'null'], description: 'Username of the writer; null for a command (an import).' },
      action: { type: 'string', enum: ['add', 'update', 'remove', 'comment'], description: '`comment`: a comment added, edited or deleted; its changes are `comment` [old id, new id] and `body` [old, new].' },
      changes: {
        type: 'object',
        description: 'Each changed field as [old, new]: old values null for an add, new values null for a remove.',
        additionalProperties: { type: 'array', minItems: 2, maxItems: 2 },
      },
      restored_from: { type: ['integer', 'null'], description: 'On the add of a task brought back after its deletion, the deleted task\'s id.' },
    },
    required: ['task', 'at', 'user', 'action', 'changes', 'restored_from'],
  },
  PaginatedHistoryEntryList: {
    type: 'object',
    properties: {
      count: { type: 'integer' },
      next: { type: ['string', 'null'], format: 'uri' },
      previous: { type: ['string', 'null'], format: 'uri' },
      results: { type: 'array', items: ref('HistoryEntry') },
    },
    required: ['count', 'next', 'previous', 'results'],
  },
  Burndown: {
    type: 'object',
    properties: {
      sprint: { type: 'integer' },
      by: { type: 'string', enum: ['tasks', 'points'], description: 'What the counts count: tasks, or story points (a task without points counts 0).' },
      start: { type: 'string', format: 'date', description: 'The day the sprint was created (or its end, if that came first).' },
      end: { type: 'string', format: 'date' },
      days: {
        type: 'array',
        items: {
          type: 'object',
          properties: {
            date: { type: 'string', format: 'date' },
            total: { type: 'integer', minimum: 0, description: 'Tasks in the sprint at the end of the day (for days to come: now).' },
            remaining: { ...nullableDay, description: 'Of those, not Done; null for days to come.' },
            completed: { ...nullableDay, description: 'Of those, Done; null for days to come.' },
            ideal: { type: 'number', minimum: 0, description: "Straight from the first day's total to 0 on the end day." },
          },
          required: ['date', 'total', 'remaining', 'completed', 'ideal'],
        },
      },
    },
    required: ['sprint', 'by', 'start', 'end', 'days'],
  },
  Velocity: {
    type: 'object',
    properties: {
      count: { type: 'integer' },
      results: {
        type: 'array',
        items: {
          type: 'object',
          properties: {
            sprint: { type: 'integer' },
            name: { type: 'string' },
            start: { type: 'string', format: 'date' },
            end: { type: 'string', format: 'date' },
            committed: { type: 'integer', minimum: 0, description: 'Points in the sprint at the end of its first day.' },
            completed: { type: 'integer', minimum: 0, description: 'Points Done at the end of its last day (or today, for the sprint under way).' },
            finished: { type: 'boolean', description: 'False for the sprint under way.' },
          },
          required: ['sprint', 'name', 'start', 'end', 'committed', 'completed', 'finished'],
        },
      },
    },
    required: ['count', 'results'],
  },
};

export function openApiDocument(resources: Resource[]): Json {
  const schemas: Json = {
    Error: { type: 'object', properties: { detail: { type: 'string' } }, required: ['detail'] },
    ValidationErrors: { type: 'object', additionalProperties: { type: 'array', items: { type: 'string' } } },
    ...ACTION_SCHEMAS,
  };
  for (const resource of resources) {
    const name = resource.label;
    schemas[name] = representation(resource);
    schemas[`Paginated${name}List`] = {
      type: 'object',
      properties: {
        count: { type: 'integer' },
        next: { type: ['string', 'null'], format: 'uri' },
        previous: { type: ['string', 'null'], format: 'uri' },
        results: { type: 'array', items: ref(name) },
      },
      required: ['count', 'next', 'previous', 'results'],
    };
    if (resource.writable) {
      schemas[`${name}Input`] = input(resource, false);
      schemas[`Patched${name}Input`] = input(resource, true);
    }
  }
  const credentials = { type: 'object', properties: { username: { type: 'string' }, password: { type: 'string' } }, required: ['username', 'password'] };
  return {
    openapi: '3.1.0',
    info: {
      title: 'Scrum board API',
      version: '1',
      description:
        'The REST API of Lightweight Django\'s Scrum board. Every URL also works without its trailing slash. Authenticate with `Authorization: Token <key>` (from POST /api/token/) or HTTP Basic.',
    },
    security: [{ tokenAuth: [] }, { basicAuth: [] }],
    paths: {
      '/api/': {
        get: {
          operationId: 'apiRoot',
          security: [],
          responses: { 200: { description: 'Links to the lists, and URI templates of object actions (`task_history`: .../tasks/{id}/history/).', content: json({ type: 'object', additionalProperties: { type: 'string', format: 'uri' } }) } },
        },
      },
      '/api/token/': {
        post: {
          operationId: 'obtainToken',
          security: [],
          requestBody: { required: true, content: Object.fromEntries(PARSES.map((type) => [type, { schema: credentials }])) },
          responses: {
            200: { description: 'The user\'s token (the same on every login).', content: json({ type: 'object', properties: { token: { type: 'string', pattern: '^[0-9a-f]{40}$' } } }) },
            ...errorResponses(400, 429),
          },
        },
        get: {
          operationId: 'tokenOwner',
          responses: { 200: { description: 'Whose credentials these are (the board\'s "me").', content: json({ type: 'object', properties: { username: { type: 'string' } } }) }, ...errorResponses(401) },
        },
        delete: { operationId: 'revokeToken', responses: { 204: { description: 'The caller\'s token no longer works.' }, ...errorResponses(401) } },
      },
      '/api/schema/': {
        get: { operationId: 'schema', responses: { 200: { description: 'This document.', content: { 'application/vnd.oai.openapi+json': {}, 'application/json': {} } } } },
      },
      ...Object.assign({}, ...resources.map(resourcePaths)),
    },
    components: {
      schemas,
      securitySchemes: {
        tokenAuth: { type: 'apiKey', in: 'header', name: 'Authorization', description: 'The word "Token", a space, and the key from POST /api/token/.' },
        basicAuth: { type: 'http', scheme: 'basic' },
      },
    },
  };
}
