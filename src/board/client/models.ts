// The book's Backbone models and collections, fed by the API. Models know
// their own URL from `links.self`; collections learn theirs from the API root.
import Backbone from 'backbone';
import { request, withQuery } from './api.ts';
import { localToday } from './dates.ts';

export type Status = 1 | 2 | 3 | 4;
export const NOT_STARTED: Status = 1;
export const DONE: Status = 4;

export interface ApiRoot {
  sprints: string;
  tasks: string;
  users: string;
  /** Absent from an API without labels: the board then offers none. */
  labels?: string;
}

export interface SprintAttributes {
  id: number;
  name: string;
  description: string;
  end: string;
  /** The day it was made: where its burndown starts. */
  created: string;
  links: { self: string; tasks: string; channel: string; history: string; burndown: string };
  /** The most tasks each status column should hold ("1" to "4"); null for none. */
  wip_limits?: Record<string, number | null>;
}

export interface TaskAttributes {
  id: number;
  name: string;
  description: string;
  sprint: number | null;
  status: Status;
  status_display: string;
  order: number;
  assigned: string | null;
  started: string | null;
  due: string | null;
  completed: string | null;
  links: { self: string; sprint: string | null; assigned: string | null; history: string; comments?: string };
  /** Story points: null for none. */
  points?: number | null;
  /** Ids of the task's labels. */
  labels?: number[];
}

interface Page<T> {
  next: string | null;
  results: T[];
}

/** Largest page the API serves; fewer round trips for a whole list. */
const PAGE_SIZE = '100';

/** Every item of a paginated list, following `next` links. */
export async function fetchAllPages<T>(url: string): Promise<T[]> {
  const items: T[] = [];
  let next: string | null = withQuery(url, { page_size: PAGE_SIZE });
  while (next) {
    const page = (await request(next)) as Page<T>;
    items.push(...page.results);
    next = page.next;
  }
  return items;
}

/** Backbone.sync returns the request's promise (see api.ts); this gives it its type. */
export function save<T extends object>(model: Backbone.Model<T>, attrs: Partial<T> | null, options: Backbone.ModelSaveOptions = {}): Promise<unknown> {
  return model.save(attrs, { wait: true, ...options }) as unknown as Promise<unknown>;
}

export class ApiModel<T extends { id: number; links: { self: string } }> extends Backbone.Model<T> {
  /** A new object starts with some fields; the API fills in the rest. */
  constructor(attributes?: Partial<T>, options?: Backbone.ModelConstructorOptions) {
    super(attributes as T, options);
  }

  /** Where the API said the object lives; a new one goes to its collection's URL. */
  override url = (): string => this.get('links')?.self ?? Backbone.Model.prototype.url.call(this);

  /** The id as the number it is (Backbone's own `id` may be a string, e.g. from a route). */
  get key(): number {
    return Number(this.id);
  }
}

export class Sprint extends ApiModel<SprintAttributes> {}

export class Task extends ApiModel<TaskAttributes> {
  /**
   * The book's moveTo: what to save to put this task in a column. Backlog
   * tasks are Not Started; `started` is set when a task first leaves Not
   * Started and `completed` when it is Done, and both are cleared when it
   * moves back. Only what differs from now is returned.
   */
  moveUpdates(status: Status, sprint: number | null, order: number): Partial<TaskAttributes> {
    const finalStatus = sprint === null ? NOT_STARTED : status;
    const today = localToday();
    const wanted: Partial<TaskAttributes> = {
      sprint,
      status: finalStatus,
      order,
      started: finalStatus === NOT_STARTED ? null : (this.get('started') ?? today),
      completed: finalStatus === DONE ? (this.get('completed') ?? today) : null,
    };
    return Object.fromEntries(
      Object.entries(wanted).filter(([field, value]) => this.get(field as keyof TaskAttributes) !== value),
    ) as Partial<TaskAttributes>;
  }
}

export class ApiCollection<M extends Backbone.Model> extends Backbone.Collection<M> {
  /** Replace the contents with every page of these lists (adds, merges and removes in one go), keeping `keep` (in no list yet). */
  async load(urls: string[], keep: readonly M[] = []): Promise<void> {
    const lists = await Promise.all(urls.map((url) => fetchAllPages<object>(url)));
    this.set([...lists.flat(), ...keep]);
  }
}

export class Sprints extends ApiCollection<Sprint> {
  override preinitialize(): void {
    this.model = Sprint;
    this.comparator = 'end';
  }
}

export class Tasks extends ApiCollection<Task> {
  override preinitialize(): void {
    this.model = Task;
  }
}

/** The API root names the collections' URLs; nothing else is hard-coded. */
export async function discover(apiRoot: string): Promise<ApiRoot> {
  const root = (await request(apiRoot)) as Partial<ApiRoot> | null;
  if (!root?.sprints || !root.tasks || !root.users) throw new Error(`The API root at ${apiRoot} does not list sprints, tasks and users.`);
  return { sprints: root.sprints, tasks: root.tasks, users: root.users, labels: root.labels };
}
