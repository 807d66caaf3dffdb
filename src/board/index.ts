// The Scrum board's REST API (book chapter 4, with what chapters 5–8 add):
// settings and storage, then the URL table. app.ts mounts `api` at /api.
//
//   /api/                       API root (no credentials needed)
//   /api/token/                 POST: log in for a token; DELETE: log out
//   /api/schema/                OpenAPI 3.1 document
//   /api/sprints/[<id>/]        sprints   (list, create, retrieve, update, delete)
//   /api/tasks/[<id>/]          tasks     (the same)
//   /api/users/[<username>/]    users     (read-only)
//   /api/tasks/<id>/history/    a task's history (a deleted one's too)
//   /api/sprints/<id>/history/  the history of every task that is or was in the sprint
//   /api/sprints/<id>/burndown/ the sprint's tasks (or ?by=points) day by day
//   /api/sprints/velocity/      points committed and completed in the last sprints
//   /api/labels/[<id>/]         labels    (list, create, retrieve, update, delete)
//   /api/tasks/<id>/comments/[<id>/]  a task's comments (only their author changes them)
//
// Every URL also answers without its trailing slash.
import { Hono } from 'hono';
import type { Dependency } from '../health.ts';
import { errorResponse } from '../http.ts';
import type { PartContext } from '../part.ts';
import { createLocalPubSub, type PubSub } from '../realtime/pubsub.ts';
import { Auth, FAILURE_WINDOW_MS } from './auth.ts';
import { endpoint, route, type EndpointDeps } from './endpoint.ts';
import { actionViews, listActionViews, sprintCharts } from './history-routes.ts';
import { rootLinks, RESOURCES } from './resources.ts';
import { resourceViews } from './resource-routes.ts';
import { openApiDocument } from './schema.ts';
import { openStore, type Store } from './store.ts';
import { createLocalFailureCounter, createRedisFailureCounter, type FailureCounter } from './throttle.ts';
import { createUser, DEMO_USER, UserError } from './users.ts';

export interface Board {
  api: Hono;
  pubsub: PubSub;
  store: Store;
  dependencies: Dependency[];
  close(): Promise<void>;
}

/**
 * Events and login-failure counts: in this process, or with REDIS_URL shared
 * by every process through Redis.
 */
async function sharedState(redisUrl: string | null, log: (line: string) => void): Promise<{ pubsub: PubSub; failures: FailureCounter; events: Dependency }> {
  if (!redisUrl) {
    const pubsub = createLocalPubSub();
    return { pubsub, failures: createLocalFailureCounter(FAILURE_WINDOW_MS), events: { name: 'events', kind: 'in-process', check: async () => ({ state: 'up' }) } };
  }
  const { createRedisPubSub } = await import('../realtime/redis-pubsub.ts');
  const pubsub = createRedisPubSub(redisUrl, log);
  return {
    pubsub,
    failures: createRedisFailureCounter(redisUrl, FAILURE_WINDOW_MS, log),
    events: { name: 'events', kind: 'redis', check: async () => pubsub.health(), onRecovered: (listener) => pubsub.onRecovered(listener) },
  };
}

export async function createBoard({ settings, log }: PartContext): Promise<Board> {
  const store = await openStore(settings, log);
  if (settings.debug && !settings.lan && (await store.countUsers()) === 0) {
    try {
      await createUser(store, DEMO_USER);
      log(`Board: created the demo user "${DEMO_USER.username}" (password "${DEMO_USER.password}") because DEBUG is on and there were no users.`);
    } catch (error) {
      // Another process starting at the same time on the same database was first.
      if (!(error instanceof UserError)) throw error;
    }
  }
  const { pubsub, failures, events } = await sharedState(settings.redisUrl, log);
  const auth = new Auth(store, settings, failures);
  const deps: EndpointDeps = { settings, auth };
  const schema = openApiDocument(RESOURCES);
  const api = new Hono();

  route(
    api,
    '/',
    endpoint(deps, {
      name: 'Api Root',
      description: 'The Scrum board API: sprints, tasks, labels, comments and users.',
      kind: 'root',
      public: ['GET'],
      handlers: {
        GET: ({ urls }) => ({ status: 200, data: rootLinks(urls) }),
      },
    }),
  );

  route(
    api,
    '/token',
    endpoint(deps, {
      name: 'Obtain Auth Token',
      description: 'POST a username and password for your API token (the same on every login); GET says whose it is; DELETE it to log out.',
      kind: 'token',
      public: ['POST', 'OPTIONS'],
      handlers: {
        GET: ({ caller }) => ({ status: 200, data: { username: caller!.username } }),
        POST: async ({ c, data }) => ({ status: 200, data: { token: await auth.login(c, data) } }),
        DELETE: async ({ caller }) => {
          await auth.logout(caller!);
          return { status: 204 };
        },
      },
    }),
  );

  route(
    api,
    '/schema',
    endpoint(deps, {
      name: 'Schema',
      description: 'The OpenAPI 3.1 description of this API.',
      kind: 'schema',
      renders: ['application/json', 'application/vnd.oai.openapi+json', 'text/html'],
      handlers: { GET: ({ origin }) => ({ status: 200, data: { ...schema, servers: [{ url: origin }] } }) },
    }),
  );

  const charts = sprintCharts(store);
  for (const resource of RESOURCES) {
    const views = resourceViews(resource, { store, pubsub });
    const base = resource.parent ? `/${resource.parent.resource}/:parent{[0-9]+}/${resource.name}` : `/${resource.name}`;
    route(api, base, endpoint(deps, views.list));
    for (const { action, view } of listActionViews(resource, { charts })) route(api, `${base}/${action.path}`, endpoint(deps, view));
    route(api, `${base}/:key{${resource.lookup.pattern}}`, endpoint(deps, views.detail));
    for (const { action, view } of actionViews(resource, { store, charts })) route(api, `${base}/:key{${resource.lookup.pattern}}/${action.path}`, endpoint(deps, view));
  }

  // Answered as HTML or JSON by Accept, so caches must keep the two apart, as for every other API response.
  api.all('/*', (c) => errorResponse(c, 404, 'Not found.', { headers: { Vary: 'Accept, Authorization' } }));

  return {
    api,
    pubsub,
    store,
    dependencies: [{ name: 'database', kind: store.engine, check: () => store.health() }, events],
    close: async () => {
      await pubsub.close();
      await failures.close();
      await store.close();
    },
  };
}
