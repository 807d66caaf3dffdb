// The board's resources, declared once each as the book's serializers,
// viewsets and filters are: fields in representation order, validations with
// the book's messages, and what lists may be filtered, searched and ordered
// by. resource-routes.ts serves them; OPTIONS, the browsable API and the
// OpenAPI schema are generated from these same declarations.
import { signChannel } from '../realtime/channel.ts';
import { LABEL_COLOURS } from './palette.ts';
import type { ModelName, Row, SqlValue } from './store.ts';
import {
  BooleanField,
  CharField,
  ChoiceField,
  ComputedField,
  DateField,
  IdField,
  IntegerField,
  LimitsField,
  ManyRelatedField,
  RelatedField,
  TimestampField,
  type Field,
  type RepresentContext,
  type ValidateContext,
  type Validator,
} from './fields.ts';
import { choiceFilter, dateFilter, idFilter, memberFilter, nullFilter, textFilter, type Listing } from './query.ts';

export interface Resource {
  /** URL segment: /api/<name>/ (or /api/<parent>/<id>/<name>/ for a nested resource). */
  name: 'sprints' | 'tasks' | 'users' | 'labels' | 'comments';
  model: ModelName;
  /** Singular, capitalised: "Sprint". */
  label: string;
  description: string;
  /** The column that names one object in its URL, and the shape of that URL segment. */
  lookup: { column: 'id' | 'username'; pattern: string };
  fields: Record<string, Field>;
  /** False for read-only resources (users). */
  writable: boolean;
  listing: Listing;
  /** Checks across fields, on the object as it would be stored (DRF's `validate`): non_field_errors. */
  validate?(values: Record<string, SqlValue>, context: ValidateContext): string[];
  /**
   * Writes may say where the object goes among its column's others,
   * `?before=<id>` or `?after=<id>`: its `order` is kept if it sorts there,
   * and the column is renumbered (as no one's action) only when there is no
   * room between the two (see Queries.makeRoom).
   */
  placed?: boolean;
  /** Read-only views under each object's URL, /api/<name>/<key>/<path>/ (DRF's @action(detail=True)), served by history-routes.ts. */
  actions?: ObjectAction[];
  /** Read-only views beside the list, /api/<name>/<path>/ (DRF's @action(detail=False)), served by history-routes.ts. */
  listActions?: ListAction[];
  /**
   * Objects that live under another's URL (a task's comments,
   * /api/tasks/<task>/comments/): the list holds the parent's only, and a
   * create belongs to it. `column` holds the parent's id.
   */
  parent?: { resource: 'tasks'; model: ModelName; column: string };
  /**
   * Objects that belong to the user who made them: a create records the
   * caller in `column` (a user id), and only that user may change or delete
   * the object (`refusal` says so to the others).
   */
  owner?: { column: string; refusal: string };
  /** The object's absolute URL (its `self` link). */
  url(context: RepresentContext, row: Row): string;
}

/** A read-only view beside a resource's list: `velocity`, the points of the last sprints. */
export interface ListAction {
  path: 'velocity';
  label: string;
  description: string;
}

/**
 * What an object's action shows: `history`, the paginated entries of the
 * task (or of every task that is or was in the sprint), answering for a
 * deleted task too; `burndown`, a sprint's day-by-day count of its tasks.
 */
export interface ObjectAction {
  path: 'history' | 'burndown';
  /** Query parameters it takes (name → description), for the schema and the browsable API. */
  parameters?: Record<string, { description: string; schema: Record<string, unknown> }>;
  /** The view's name: "Task History". */
  label: string;
  description: string;
}

export const actionUrl = (context: RepresentContext, resource: Resource['name'], key: string | number, action: ObjectAction['path']): string =>
  `${objectUrl(context, resource, key)}${action}/`;

export const objectUrl = (context: RepresentContext, resource: Resource['name'], key: string | number): string =>
  `${context.api}/${resource}/${encodeURIComponent(key)}/`;
export const listUrl = (context: RepresentContext, resource: Resource['name']): string => `${context.api}/${resource}/`;

/** Each stored field reads and writes the store column of its own name; objects are found at /api/<name>/<key>/. */
function defineResource(declaration: Omit<Resource, 'url'> & Partial<Pick<Resource, 'url'>>): Resource {
  const resource: Resource = { url: (context, row) => objectUrl(context, declaration.name, row[declaration.lookup.column] as string | number), ...declaration };
  for (const [name, field] of Object.entries(resource.fields)) {
    if (field.column === null && !(field instanceof ComputedField)) field.column = name;
  }
  return resource;
}

const linkSchema = (names: string[], nullable: string[] = []) => ({
  type: 'object',
  properties: Object.fromEntries(names.map((n) => [n, { type: nullable.includes(n) ? ['string', 'null'] : 'string', format: 'uri' }])),
});

// Sprint -------------------------------------------------------------------

const STATUS = { todo: 1, inProgress: 2, testing: 3, done: 4 } as const;
const STATUS_CHOICES = [
  [STATUS.todo, 'Not Started'],
  [STATUS.inProgress, 'In Progress'],
  [STATUS.testing, 'Testing'],
  [STATUS.done, 'Done'],
] as const;

const endNotInPast: Validator = (end, { instance, today }) =>
  (!instance || instance.end !== end) && String(end) < today ? 'End date cannot be in the past.' : null;

const sprints = defineResource({
  name: 'sprints',
  model: 'sprint',
  label: 'Sprint',
  description: 'Sprints of the board: a name, a description and an end date, one sprint per end date.',
  lookup: { column: 'id', pattern: '[0-9]+' },
  fields: {
    id: new IdField(),
    name: new CharField({ label: 'Name', maxLength: 100, allowBlank: true, default: '' }),
    description: new CharField({ label: 'Description', allowBlank: true, default: '', multiline: true }),
    end: new DateField({
      label: 'End',
      validators: [endNotInPast],
      unique: 'sprint with this end already exists.',
    }),
    created: new DateField({ label: 'Created', readOnly: true, required: false, helpText: 'The day the sprint was made: where its burndown starts.' }),
    links: new ComputedField({
      label: 'Links',
      type: 'field',
      schema: linkSchema(['self', 'tasks', 'channel', 'history', 'burndown']),
      compute: (row, context) => ({
        self: objectUrl(context, 'sprints', row.id),
        tasks: `${listUrl(context, 'tasks')}?sprint=${row.id}`,
        channel: `${context.ws}/socket?channel=${encodeURIComponent(signChannel(context.secretKey, row.id))}`,
        history: actionUrl(context, 'sprints', row.id, 'history'),
        burndown: actionUrl(context, 'sprints', row.id, 'burndown'),
      }),
    }),
    wip_limits: new LimitsField({
      label: 'WIP limits',
      keys: STATUS_CHOICES.map(([value, label]) => [String(value), label] as const),
      max: 999,
      default: '{}',
      helpText:
        'The most tasks each column should hold, by status ("1" Not Started, "2" In Progress, "3" Testing, "4" Done): a whole number, or null for no limit. The board warns when a column is over its limit; moves over it are allowed.',
    }),
  },
  actions: [
    {
      path: 'history',
      label: 'Sprint History',
      description: 'Every history entry of every task that is, or ever was, in this sprint, newest first, removals included.',
    },
    {
      path: 'burndown',
      label: 'Sprint Burndown',
      description:
        "The sprint's tasks at the end of each day from its creation to its end (server time): total, remaining (not Done), completed, and the ideal line from the first day's total to 0. Days to come have no remaining or completed yet. With ?by=points the same counts are story points (a task without points counts 0).",
      parameters: { by: { description: 'What to count: "tasks" (the default) or "points".', schema: { type: 'string', enum: ['tasks', 'points'] } } },
    },
  ],
  listActions: [
    {
      path: 'velocity',
      label: 'Sprint Velocity',
      description:
        'For the last sprints that have begun (?count=, default 6, at most 50), oldest first: the points committed (in the sprint at the end of its first day) and the points completed (Done at the end of its last day, or today for the current sprint).',
    },
  ],
  writable: true,
  listing: {
    filters: {
      end_min: dateFilter('end', '>=', 'Sprints ending on or after this date (YYYY-MM-DD).'),
      end_max: dateFilter('end', '<=', 'Sprints ending on or before this date (YYYY-MM-DD).'),
    },
    search: ['name'],
    ordering: { end: 'end', name: 'name' },
    defaultOrdering: ['end'],
  },
});

// Task ---------------------------------------------------------------------


const sprintIsCurrent: Validator = async (sprintId, { store, instance, today }) => {
  const sprint = sprintId === null ? undefined : await store.get('sprint', 'id', sprintId);
  const past = sprint !== undefined && String(sprint.end) < today;
  if (!instance) return past ? 'Cannot add tasks to past sprints.' : null;
  if (sprintId === instance.sprint) return null;
  if (instance.status === STATUS.done) return 'Cannot change the sprint of a completed task.';
  return past ? 'Cannot assign tasks to past sprints.' : null;
};

const status = new ChoiceField({ label: 'Status', choices: STATUS_CHOICES, default: STATUS.todo });

const tasks = defineResource({
  name: 'tasks',
  model: 'task',
  label: 'Task',
  description: 'Tasks of the board. A task without a sprint is in the backlog.',
  lookup: { column: 'id', pattern: '[0-9]+' },
  fields: {
    id: new IdField(),
    name: new CharField({ label: 'Name', maxLength: 100 }),
    description: new CharField({ label: 'Description', allowBlank: true, default: '', multiline: true }),
    sprint: new RelatedField({
      label: 'Sprint',
      model: 'sprint',
      lookup: 'id',
      nullable: true,
      default: null,
      helpText: 'Id of the sprint; null for the backlog.',
      validators: [sprintIsCurrent],
    }),
    status,
    status_display: new ComputedField({
      label: 'Status display',
      type: 'string',
      schema: { type: 'string', enum: STATUS_CHOICES.map(([, label]) => label) },
      compute: (row) => status.display(row.status),
    }),
    order: new IntegerField({ label: 'Order', min: -32768, max: 32767, default: 0 }),
    assigned: new RelatedField({
      label: 'Assigned',
      model: 'user',
      lookup: 'username',
      representColumn: 'assigned_username',
      nullable: true,
      default: null,
      helpText: 'Username of the user working on it.',
    }),
    started: new DateField({ label: 'Started', nullable: true, default: null }),
    due: new DateField({ label: 'Due', nullable: true, default: null }),
    completed: new DateField({ label: 'Completed', nullable: true, default: null }),
    links: new ComputedField({
      label: 'Links',
      type: 'field',
      schema: linkSchema(['self', 'sprint', 'assigned', 'history', 'comments'], ['sprint', 'assigned']),
      compute: (row, context) => ({
        self: objectUrl(context, 'tasks', row.id),
        sprint: row.sprint === null ? null : objectUrl(context, 'sprints', row.sprint as number),
        assigned: row.assigned_username === null ? null : objectUrl(context, 'users', row.assigned_username as string),
        history: actionUrl(context, 'tasks', row.id, 'history'),
        comments: `${objectUrl(context, 'tasks', row.id)}comments/`,
      }),
    }),
    points: new IntegerField({
      label: 'Points',
      min: 0,
      max: 100,
      nullable: true,
      default: null,
      message: 'Points must be a whole number from 0 to 100 (the board offers 0, 1, 2, 3, 5, 8, 13, 20, 40 and 100), or empty for none.',
      helpText: 'Story points: a whole number from 0 to 100, or null for none.',
    }),
    labels: new ManyRelatedField({ label: 'Labels', model: 'label', noun: 'label', default: '', required: false, helpText: 'Ids of the labels of the task.' }),
  },
  actions: [
    {
      path: 'history',
      label: 'Task History',
      description:
        'Every write to this task, newest first: when, by whom (null for a command), add, update or remove, and each changed field as [old, new]. Still answers after the task is deleted.',
    },
  ],
  writable: true,
  placed: true,
  listing: {
    filters: {
      sprint: idFilter('sprint', 'Tasks of the sprint with this id.'),
      status: choiceFilter('status', STATUS_CHOICES, 'Tasks with this status (1 Not Started, 2 In Progress, 3 Testing, 4 Done).'),
      assigned: textFilter('assigned_username', 'Tasks assigned to the user with this username.'),
      backlog: nullFilter('sprint', 'True: only backlog tasks (no sprint); False: only tasks in a sprint.'),
      label: memberFilter('labels', 'Tasks that have the label with this id.'),
    },
    search: ['name', 'description'],
    ordering: { name: 'name', order: 'order', started: 'started', due: 'due', completed: 'completed', points: 'points' },
    defaultOrdering: ['order'],
  },
  validate(values) {
    const errors: string[] = [];
    if (values.sprint === null && values.status !== STATUS.todo) errors.push('Backlog tasks must have "Not Started" status.');
    if (values.started !== null && values.status === STATUS.todo) errors.push('Started date cannot be set for not started tasks.');
    if (values.completed !== null && values.status !== STATUS.done) errors.push('Completed date cannot be set for uncompleted tasks.');
    return errors;
  },
});

// User ---------------------------------------------------------------------

const users = defineResource({
  name: 'users',
  model: 'user',
  label: 'User',
  description: 'Users of the board (read-only: `npm run createuser` adds them).',
  lookup: { column: 'username', pattern: '[\\w.@+-]+' },
  fields: {
    id: new IdField(),
    username: new CharField({ label: 'Username', readOnly: true, required: false }),
    full_name: new CharField({ label: 'Full name', readOnly: true, required: false }),
    is_active: new BooleanField({ label: 'Active' }),
    links: new ComputedField({
      label: 'Links',
      type: 'field',
      schema: linkSchema(['self', 'tasks']),
      compute: (row, context) => ({
        self: objectUrl(context, 'users', row.username as string),
        tasks: `${listUrl(context, 'tasks')}?assigned=${encodeURIComponent(row.username as string)}`,
      }),
    }),
  },
  writable: false,
  listing: { filters: {}, search: ['username'], ordering: { username: 'username' }, defaultOrdering: ['username'] },
});

// Label --------------------------------------------------------------------

const labels = defineResource({
  name: 'labels',
  model: 'label',
  label: 'Label',
  description: `Labels that tasks may carry: a name, unique on the board, and a colour from the palette (${LABEL_COLOURS.map((c) => c.name).join(', ')}), each readable on a card.`,
  lookup: { column: 'id', pattern: '[0-9]+' },
  fields: {
    id: new IdField(),
    name: new CharField({ label: 'Name', maxLength: 50, unique: 'A label with this name already exists.' }),
    colour: new ChoiceField({ label: 'Colour', choices: LABEL_COLOURS.map((c) => [c.name, c.label] as const), default: LABEL_COLOURS[0]!.name }),
    links: new ComputedField({
      label: 'Links',
      type: 'field',
      schema: linkSchema(['self', 'tasks']),
      compute: (row, context) => ({ self: objectUrl(context, 'labels', row.id), tasks: `${listUrl(context, 'tasks')}?label=${row.id}` }),
    }),
  },
  writable: true,
  listing: { filters: {}, search: ['name'], ordering: { name: 'name' }, defaultOrdering: ['name'] },
});

// Comment ------------------------------------------------------------------

const commentUrl = (context: RepresentContext, row: Row): string => `${objectUrl(context, 'tasks', row.task as number)}comments/${row.id}/`;

const comments = defineResource({
  name: 'comments',
  model: 'comment',
  label: 'Comment',
  description: "Comments on a task, oldest first: Markdown `body`, by their author, who alone may edit or delete them. Each is an entry of the task's history.",
  lookup: { column: 'id', pattern: '[0-9]+' },
  parent: { resource: 'tasks', model: 'task', column: 'task' },
  owner: { column: 'author', refusal: 'Only the author of a comment can edit or delete it.' },
  url: commentUrl,
  fields: {
    id: new IdField(),
    task: new IntegerField({ label: 'Task', min: 1, max: Number.MAX_SAFE_INTEGER, readOnly: true, required: false, helpText: 'Id of the task commented on (from the URL).' }),
    author: new RelatedField({ label: 'Author', model: 'user', lookup: 'username', representColumn: 'author_username', readOnly: true, required: false, helpText: 'Username of who wrote it; null once that user is deleted.' }),
    body: new CharField({ label: 'Body', maxLength: 10000, multiline: true, helpText: 'Markdown (CommonMark; raw HTML is shown as text).' }),
    created: new TimestampField({ label: 'Created' }),
    edited: new TimestampField({ label: 'Edited', nullable: true, helpText: 'When the body last changed; null if never.' }),
    links: new ComputedField({
      label: 'Links',
      type: 'field',
      schema: linkSchema(['self', 'task']),
      compute: (row, context) => ({ self: commentUrl(context, row), task: objectUrl(context, 'tasks', row.task as number) }),
    }),
  },
  writable: true,
  listing: { filters: {}, search: ['body'], ordering: { created: 'id' }, defaultOrdering: ['id'] },
});

export const RESOURCES: Resource[] = [sprints, tasks, users, labels, comments];

/**
 * What GET /api/ links to: each list, and each object action as a URI
 * template (RFC 6570), e.g. `"task_history": ".../api/tasks/{id}/history/"`.
 */
export function rootLinks(context: RepresentContext): Record<string, string> {
  const links: Record<string, string> = Object.fromEntries(RESOURCES.filter((resource) => !resource.parent).map((resource) => [resource.name, listUrl(context, resource.name)]));
  for (const resource of RESOURCES) {
    if (resource.parent) links[`${resource.parent.model}_${resource.name}`] = `${listUrl(context, resource.parent.resource)}{id}/${resource.name}/`;
    for (const action of resource.listActions ?? []) links[`${resource.model}_${action.path}`] = `${listUrl(context, resource.name)}${action.path}/`;
    for (const action of resource.actions ?? []) links[`${resource.model}_${action.path}`] = `${listUrl(context, resource.name)}{${resource.lookup.column}}/${action.path}/`;
  }
  return links;
}
