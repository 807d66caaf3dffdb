// The board's filters, as they live in the URL after the route
// (`#sprint/3?q=login&assignee=me&label=4&overdue=1`), so a filtered board can
// be shared and survives a reload. Plain data and functions, no DOM.
//
// Each filter is declared once in FILTERS: its URL parameter and whether a
// task passes it. A new one is one more entry there and one more control in
// the filter bar (views/filter-bar.ts).
import { dueState } from './dates.ts';
import { DONE, type TaskAttributes } from './models.ts';
import { folded } from './people.ts';

/** What a filter may need besides the task. */
export interface FilterContext {
  /** The logged-in person's username ("me"); null until known. */
  me: string | null;
  today: string;
}

export interface Filter {
  /** Its URL parameter. */
  key: string;
  /** Whether `task` passes when the filter is set to `value` (never called with ''). */
  passes(task: Partial<TaskAttributes>, value: string, context: FilterContext): boolean;
}

/** `assignee` values besides usernames. */
export const ME = 'me';
export const NOBODY = 'nobody';
/** The `label` value for tasks without any label (other values are label ids: a rename keeps a shared link working). */
export const NO_LABEL = 'none';

export const FILTERS: Filter[] = [
  {
    key: 'q',
    // Every word somewhere in the name or the description, case and accents aside.
    passes: (task, value) => {
      const text = folded(`${task.name ?? ''}\n${task.description ?? ''}`);
      return folded(value).split(/\s+/u).filter(Boolean).every((word) => text.includes(word));
    },
  },
  {
    key: 'assignee',
    passes: (task, value, { me }) => {
      const assigned = task.assigned ?? null;
      if (value === NOBODY) return assigned === null;
      return assigned !== null && assigned === (value === ME ? me : value);
    },
  },
  {
    key: 'label',
    passes: (task, value) => {
      const labels = task.labels ?? [];
      return value === NO_LABEL ? labels.length === 0 : labels.includes(Number(value));
    },
  },
  { key: 'overdue', passes: (task, _value, { today }) => dueState(task.due, task.status === DONE, today) === 'overdue' },
];

/** Filter key → value; keys not set are absent. */
export type Filters = Record<string, string>;

/** The filters in a route's query string (Backbone hands it over after the `?`); unknown parameters are dropped. */
export function parseFilters(query: string | null | undefined): Filters {
  const params = new URLSearchParams(query ?? '');
  const filters: Filters = {};
  for (const { key } of FILTERS) {
    const value = params.get(key)?.trim();
    if (value) filters[key] = value;
  }
  return filters;
}

/** The query string for these filters ('' for none), in FILTERS order so the same filters make the same URL. */
export function filterQuery(filters: Filters): string {
  const params = new URLSearchParams();
  for (const { key } of FILTERS) if (filters[key]) params.set(key, filters[key]);
  return params.toString();
}

export const filtering = (filters: Filters): boolean => Object.keys(filters).length > 0;

/** Whether a task is shown with these filters: it passes every one set. */
export function shows(task: Partial<TaskAttributes>, filters: Filters, context: FilterContext): boolean {
  return FILTERS.every(({ key, passes }) => !filters[key] || passes(task, filters[key], context));
}
