// The read-only views that resources declare as `actions` under an object's
// URL and `listActions` beside their list (resources.ts): a task's or a
// sprint's history, paginated like every list; a sprint's burndown, by tasks
// or by points (history.ts computes it); and the velocity of the last sprints.
// Burndowns and velocities replay thousands of history entries, and every
// board fetches them again after every move: they are kept per sprint until
// a commit touches that sprint (its row, or a task that was or is in it; see
// chart-versions.ts: this process's at once, another process's as soon as it
// is heard of), or the day changes. A write to one sprint leaves the other
// sprints' burndowns cached; the velocity is computed again from them.
import { HttpError } from '../http.ts';
import { StampedCache } from './cache.ts';
import type { Exchange, View } from './endpoint.ts';
import { ValidationError } from './fields.ts';
import { burndown, daysBetween, MAX_BURNDOWN_DAYS, velocity, type Burndown, type BurndownUnit, type SprintVelocity } from './history.ts';
import { parseListRequest, type Listing } from './query.ts';
import { paginate } from './resource-routes.ts';
import type { ListAction, ObjectAction, Resource } from './resources.ts';
import type { HistoryScope, Store } from './store.ts';

/** History pages: no filters, no search, newest first only. */
const HISTORY_LISTING: Listing = { filters: {}, search: [], ordering: {}, defaultOrdering: [] };
export const VELOCITY_SPRINTS = { default: 6, max: 50 };

type Get = NonNullable<View['handlers']['GET']>;

/** `?name=` as one of `choices` (the first when absent); a 400 naming the parameter otherwise. */
function choice<T extends string>(params: URLSearchParams, name: string, choices: readonly T[]): T {
  const value = params.get(name);
  if (value === null || value === '') return choices[0]!;
  if (!(choices as readonly string[]).includes(value)) throw new ValidationError({ [name]: [`"${value.slice(0, 50)}" is not one of ${choices.map((c) => `"${c}"`).join(', ')}.`] });
  return value as T;
}

/** A sprint's burndowns and the velocity of the last sprints, computed once per change of their sprints and per day. */
export function sprintCharts(store: Store) {
  const burndowns = new StampedCache<Burndown>();
  const velocities = new StampedCache<SprintVelocity[]>();

  const sprintBurndown = (id: number, by: BurndownUnit, today: string): Promise<Burndown> =>
    burndowns.get(`${id} ${by} ${today}`, store.chartsStamp(id), async () => {
      const sprint = await store.get('sprint', 'id', id);
      if (!sprint) throw new HttpError(404, 'Not found.');
      const end = String(sprint.end);
      const start = String(sprint.created) < end ? String(sprint.created) : end;
      const days = daysBetween(start, end);
      if (!days) throw new HttpError(400, `This sprint runs more than ${MAX_BURNDOWN_DAYS} days (${start} to ${end}): too long for a burndown.`);
      return { sprint: sprint.id, by, start, end, days: burndown(sprint.id, days, await store.placements(sprint.id), today, by) };
    });

  return {
    burndown: (id: number, by: BurndownUnit): Promise<Burndown> => sprintBurndown(id, by, store.today()),
    /** The last `count` sprints that have begun, oldest first. */
    velocity(count: number): Promise<SprintVelocity[]> {
      const today = store.today();
      return velocities.get(`${count} ${today}`, store.chartsStamp('any'), async () => {
        const sprints = await store.list('sprint', {
          where: [{ column: 'created', op: '<=', value: today }],
          search: null,
          orderBy: [{ column: 'end', descending: true }],
          limit: count,
          offset: 0,
        });
        const results: SprintVelocity[] = [];
        for (const sprint of sprints.reverse()) {
          try {
            results.push(velocity({ id: sprint.id, name: String(sprint.name) }, (await sprintBurndown(sprint.id, 'points', today)).days, today));
          } catch (error) {
            // A sprint too long for a burndown has no velocity either; the others still do.
            if (!(error instanceof HttpError)) throw error;
          }
        }
        return results;
      });
    },
  };
}

export type SprintCharts = ReturnType<typeof sprintCharts>;

const readOnlyView = (resource: Resource, action: ObjectAction | ListAction, get: Get): View => ({
  name: action.label,
  description: action.description,
  kind: 'action',
  resource,
  handlers: { GET: get },
});

export function actionViews(resource: Resource, { store, charts }: { store: Store; charts: SprintCharts }): Array<{ action: ObjectAction; view: View }> {
  const id = (exchange: Exchange): number => Number(exchange.c.req.param('key'));
  const scope = (exchange: Exchange): HistoryScope => (resource.model === 'task' ? { task: id(exchange) } : { sprint: id(exchange) });

  const history: Get = async (exchange) => {
    const request = parseListRequest(HISTORY_LISTING, exchange.params);
    const count = await store.countHistory(scope(exchange));
    // A deleted object's entries stay readable; only an id that never existed has none.
    if (count === 0 && !(await store.get(resource.model, 'id', id(exchange)))) throw new HttpError(404, 'Not found.');
    return paginate(exchange, request, count, (limit, offset) => store.history(scope(exchange), { page: { limit, offset } }));
  };

  const sprintBurndown: Get = async (exchange) => ({ status: 200, data: await charts.burndown(id(exchange), choice(exchange.params, 'by', ['tasks', 'points'] as const)) });

  return (resource.actions ?? []).map((action) => ({ action, view: readOnlyView(resource, action, action.path === 'history' ? history : sprintBurndown) }));
}

export function listActionViews(resource: Resource, { charts }: { charts: SprintCharts }): Array<{ action: ListAction; view: View }> {
  const sprintVelocity: Get = async (exchange) => {
    const value = exchange.params.get('count');
    let count = VELOCITY_SPRINTS.default;
    if (value !== null && value !== '') {
      if (!/^\d{1,3}$/.test(value.trim()) || Number(value) < 1 || Number(value) > VELOCITY_SPRINTS.max) {
        throw new ValidationError({ count: [`Enter a whole number of sprints from 1 to ${VELOCITY_SPRINTS.max}.`] });
      }
      count = Number(value);
    }
    const results = await charts.velocity(count);
    return { status: 200, data: { count: results.length, results } };
  };
  return (resource.listActions ?? []).map((action) => ({ action, view: readOnlyView(resource, action, sprintVelocity) }));
}
