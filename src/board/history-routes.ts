// The read-only views under an object's URL that resources declare as
// `actions` (resources.ts): a task's or a sprint's history, paginated like
// every list, and a sprint's burndown (history.ts computes it).
import { HttpError } from '../http.ts';
import type { Exchange, View } from './endpoint.ts';
import { burndown, daysBetween, MAX_BURNDOWN_DAYS, type Burndown } from './history.ts';
import { parseListRequest, type Listing } from './query.ts';
import { paginate } from './resource-routes.ts';
import type { ObjectAction, Resource } from './resources.ts';
import type { HistoryScope, Store } from './store.ts';

/** History pages: no filters, no search, newest first only. */
const HISTORY_LISTING: Listing = { filters: {}, search: [], ordering: {}, defaultOrdering: [] };

export function actionViews(resource: Resource, { store }: { store: Store }): Array<{ action: ObjectAction; view: View }> {
  const id = (exchange: Exchange): number => Number(exchange.c.req.param('key'));
  const scope = (exchange: Exchange): HistoryScope => (resource.model === 'task' ? { task: id(exchange) } : { sprint: id(exchange) });

  /** A read-only view under the object's URL, answering GET with `get`. */
  const actionView = (action: ObjectAction, get: NonNullable<View['handlers']['GET']>): View => ({
    name: action.label,
    description: action.description,
    kind: 'action',
    resource,
    handlers: { GET: get },
  });

  const history: NonNullable<View['handlers']['GET']> = async (exchange) => {
    const request = parseListRequest(HISTORY_LISTING, exchange.params);
    const count = await store.countHistory(scope(exchange));
    // A deleted object's entries stay readable; only an id that never existed has none.
    if (count === 0 && !(await store.get(resource.model, 'id', id(exchange)))) throw new HttpError(404, 'Not found.');
    return paginate(exchange, request, count, (limit, offset) => store.history(scope(exchange), { page: { limit, offset } }));
  };

  const sprintBurndown: NonNullable<View['handlers']['GET']> = async (exchange) => {
    const sprint = await store.get('sprint', 'id', id(exchange));
    if (!sprint) throw new HttpError(404, 'Not found.');
    const end = String(sprint.end);
    const start = String(sprint.created) < end ? String(sprint.created) : end;
    const days = daysBetween(start, end);
    if (!days) throw new HttpError(400, `This sprint runs more than ${MAX_BURNDOWN_DAYS} days (${start} to ${end}): too long for a burndown.`);
    const data: Burndown = { sprint: sprint.id, start, end, days: burndown(sprint.id, days, await store.placements(sprint.id), store.today()) };
    return { status: 200, data };
  };

  return (resource.actions ?? []).map((action) => ({ action, view: actionView(action, action.path === 'history' ? history : sprintBurndown) }));
}
