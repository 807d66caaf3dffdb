// A sprint's board `#sprint/<id>` (chapters 5–8): its five columns, adding
// tasks to the backlog, moving tasks by drag and drop or from the keyboard,
// and the live channel that shows every other board's changes at once; the
// filter bar (its filters in the URL, `#sprint/<id>?q=…`), the single-key
// shortcuts, the board's labels (kept live, managed in the Labels dialog), and
// editing or deleting the sprint.
import { ApiError, etagOf, request, withQuery } from '../api.ts';
import type { App } from '../app.ts';
import { BurndownView } from '../burndown.ts';
import { byOrder, columnOf, COLUMNS, planMove, type Column, type Placed } from '../columns.ts';
import { localToday, showDate } from '../dates.ts';
import { filtering, filterQuery, shows, type Filters } from '../filters.ts';
import { Labels } from '../labels.ts';
import { People } from '../people.ts';
import { Shortcuts, ShortcutsHelp } from '../shortcuts.ts';
import { columnSummary, limitOf, overLimitWords } from '../points.ts';
import { busy, clearErrors, formValues, showErrors, tooLong } from '../forms.ts';
import { LiveChannel, type BoardMessage, type LiveState } from '../live.ts';
import { loadRendererWhenIdle } from '../markdown.ts';
import { isTemporaryId, unreachable, type QueuedWrite } from '../outbox.ts';
import { save, Sprint, Task, Tasks, type SprintAttributes, type TaskAttributes } from '../models.ts';
import { refusal, TOAST_KEY, UndoRefused, UndoView, type Undoable } from '../undo.ts';
import { html, isolateNames, View } from '../view.ts';
import { FilterBar } from './filter-bar.ts';
import { LabelsDialog } from './labels-dialog.ts';
import { SprintDeleteDialog, SprintEditDialog } from './sprint-settings.ts';
import { failure, loading } from './states.ts';
import { TaskDetailView, type DetailFocus, type TaskMover } from './task-detail.ts';
import { TaskItemView } from './task-item.ts';
import { TouchDrag } from '../touch-drag.ts';

/** A drag hint whose board vanished mid-drag must not lock the task forever. */
const LOCK_TIMEOUT_MS = 60_000;

const LIVE_LABELS: Record<LiveState, string> = { connecting: 'Connecting…', live: 'Live', offline: 'Reconnecting…' };

/** Every field of a task a person sets, as a deletion's undo brings them back. */
const TASK_FIELDS = ['name', 'description', 'sprint', 'status', 'order', 'assigned', 'started', 'due', 'completed', 'points', 'labels'];

/**
 * What a waiting deletion checks on the server before it is sent: someone
 * else changing one of these meanwhile asks the person. Not `order`: that
 * shifts whenever a neighbour moves.
 */
const REMOVAL_BASE_FIELDS = TASK_FIELDS.filter((field) => field !== 'order');

/**
 * The card of a task added while the server cannot be reached: the fields
 * posted, and the server's defaults for the rest, so that it shows where the
 * server will put it and a move queued behind it starts from what the server
 * will have.
 */
const unsavedTask = (id: number, fields: Record<string, unknown>): Partial<TaskAttributes> => ({
  description: '',
  sprint: null,
  status: 1,
  order: 0,
  assigned: null,
  started: null,
  due: null,
  completed: null,
  points: null,
  labels: [],
  ...fields,
  id,
});

const placed = (task: Task): Placed => ({
  id: task.key,
  order: task.get('order') ?? 0,
  sprint: task.get('sprint') ?? null,
  status: task.get('status') ?? 1,
});

/** How to move a task, for the device in hand: a finger holds and drags, a mouse drags; keys and the details work everywhere. */
function moveHelp(): string {
  const touch = matchMedia('(any-pointer: coarse)').matches || navigator.maxTouchPoints > 0;
  const mouse = matchMedia('(any-pointer: fine)').matches;
  const mac = /Mac|iPhone|iPad/.test(navigator.platform);
  // A finger alone (a phone): no keys to speak of; the toast's button undoes.
  if (touch && !mouse) return "Touch and hold a task, then drag it to another column or place; a task's details also let you choose its column. After a change, the Undo button that appears undoes it.";
  const drag = touch ? 'Drag tasks between columns and up or down (with a finger: touch and hold a task first)' : 'Drag tasks between columns and up or down';
  return `${drag}, or focus one and press Shift with the arrow keys; a task's details also let you choose its column. After a change, ${TOAST_KEY.label} goes to its Undo button and ${mac ? '⌘Z' : 'Ctrl+Z'} undoes it.`;
}

export class SprintView extends View implements TaskMover {
  private readonly sprint: Sprint;
  private readonly tasks = new Tasks();
  private readonly items = new Map<number, TaskItemView>();
  private readonly locks = new Map<number, number>();
  private channel: LiveChannel | null = null;
  private detail: TaskDetailView | null = null;
  readonly people = new People();
  readonly labels = new Labels();
  private filters: Filters;
  private readonly filterBar: FilterBar;
  private readonly shortcuts: Shortcuts;
  /** The open help or sprint dialog (at most one). */
  private dialog: { close(): void } | null = null;
  private noticeTimer: number | undefined;
  private readonly burndown = new BurndownView(() => this.sprint.get('links')?.burndown);
  private readonly undo = new UndoView();
  private readonly touch = new TouchDrag(this.el, this);
  private dragging: Task | null = null;
  private layoutQueued = false;
  private removed = false;
  private restarting: Promise<void> | null = null;

  private readonly app: App;
  readonly sprintId: number;
  constructor(
    app: App,
    sprintId: number,
    filters: Filters = {},
  ) {
    super({
      tagName: 'section',
      className: 'sprint-board',
      events: {
        'click .task-open': 'openTask',
        'keydown .task-open': 'moveByKey',
        'dragstart .task': 'dragStart',
        'dragend .task': 'dragEnd',
        'dragover .column': 'dragOver',
        'dragleave .column': 'dragLeave',
        'drop .column': 'drop',
        'click .add-task': 'openAddTask',
        'click .add-task-form .cancel': 'closeAddTask',
        'submit .add-task-form': 'addTask',
        'click .retry': 'start',
        'click .edit-sprint': 'editSprint',
        'click .delete-sprint': 'confirmDelete',
        'click .show-shortcuts': 'showHelp',
        'click .manage-labels': 'manageLabels',
      },
    });
    this.app = app;
    this.sprintId = sprintId;
    this.filters = filters;
    this.filterBar = new FilterBar(this.people, this.labels, filters);
    this.listenTo(this.filterBar, 'change', this.filtered);
    this.listenTo(this.people, 'change', this.queueLayout);
    // A label filter's cards change when a label is deleted (it comes off every task) or first known.
    this.listenTo(this.labels, 'load remove', this.queueLayout);
    this.shortcuts = new Shortcuts({
      newTask: () => this.el.querySelector<HTMLButtonElement>('.add-task')?.click(),
      search: () => this.el.querySelector('.filter-bar') && this.filterBar.focusSearch(),
      edit: () => this.openFocused('first'),
      assign: () => this.openFocused('assign'),
      label: () => this.openFocused('label'),
      help: () => this.showHelp(),
    });
    this.sprint = new Sprint({ id: sprintId });
    // Where a card goes, and whether the filters show it, follow every change (ours or another board's).
    this.listenTo(this.tasks, 'add remove reset change:order change:status change:sprint change:name change:description change:assigned change:due change:labels', this.queueLayout);
    this.listenTo(this.tasks, 'change:points', this.queueLayout); // the columns' sums of points
    this.listenTo(this.sprint, 'change', this.renderHeader);
    this.listenTo(this.sprint, 'change:wip_limits', this.queueLayout);
    this.listenTo(app.outbox, 'change', this.showPending);
    this.listenTo(app.outbox, 'sent', this.landed);
    this.listenTo(app.outbox, 'failed', this.refusedLater);
    void this.start();
  }

  /** Load the sprint, draw the board, open the live channel, load the tasks. */
  async start(): Promise<void> {
    this.setHtml(html`<h1 class="visually-hidden">Sprint ${this.sprintId}</h1>${loading('Loading the sprint…')}`);
    try {
      const root = await this.app.root();
      this.sprint.urlRoot = root.sprints;
      this.tasks.url = root.tasks;
      // Names and avatars follow when they come; the board does not wait for them.
      this.people.load(root.users, () => this.app.session.username()).catch(() => {});
      if (root.labels) {
        this.labels.url = root.labels;
        this.labels.reload().catch(() => {});
      }
      await this.sprint.fetch();
    } catch (error) {
      if (this.removed) return;
      if (error instanceof ApiError && error.status === 404) return this.notFound();
      this.setHtml(html`<h1 class="visually-hidden">Sprint ${this.sprintId}</h1>${failure('Could not load the sprint.', error)}`);
      return;
    }
    if (this.removed) return;
    this.renderBoard();
    this.channel?.close();
    this.channel = new LiveChannel(this.sprint.get('links')!.channel, () => this.freshChannel());
    this.listenTo(this.channel, 'message', this.receive);
    this.listenTo(this.channel, 'state', this.showLiveState);
    this.listenTo(this.channel, 'reconnect', this.catchUp);
    await this.loadTasks();
  }

  private notFound(): void {
    document.title = 'Sprint not found · Scrum Board';
    this.setHtml(html`<h1 class="visually-hidden">Sprint not found</h1><div class="failure" role="alert"><p>Sprint ${this.sprintId} not found.</p><a href="#">Back to your sprints</a></div>`);
  }

  private renderBoard(): void {
    this.setHtml(html`
      <div class="sprint-header"></div>
      <div class="burndown-slot"></div>
      <div class="board-tools">
        <div class="filter-slot"></div>
        <span class="board-buttons">
          ${this.labels.url && html`<button type="button" class="manage-labels">Labels</button>`}
          <button type="button" class="show-shortcuts" aria-keyshortcuts="?">Keyboard shortcuts <kbd aria-hidden="true">?</kbd></button>
        </span>
      </div>
      <p class="filter-summary" role="status"></p>
      <p class="board-notice" role="status"></p>
      <p id="move-help" class="help">${moveHelp()}</p>
      <p class="announce visually-hidden" role="status" aria-live="polite"></p>
      <div class="board-error" role="alert" hidden></div>
      <div class="columns">
        ${COLUMNS.map(
          (column) => html`<section class="column" data-column="${column.key}" aria-labelledby="column-${column.key}">
            <h2 id="column-${column.key}">${column.title} <span class="count"></span> <span class="column-summary"></span></h2>
            ${column.inSprint ? '' : this.addTaskForm()}
            <ol class="task-list" aria-labelledby="column-${column.key}"></ol>
            <div class="column-state">${loading('Loading…')}</div>
          </section>`,
        )}
      </div>`);
    this.renderHeader();
    this.find('.filter-slot').replaceWith(this.filterBar.el);
    this.find('.burndown-slot').replaceWith(this.burndown.el);
    this.burndown.refresh();
    this.el.append(this.undo.el);
  }

  private addTaskForm() {
    return html`<button type="button" class="add-task" aria-expanded="false" aria-controls="add-task-form" aria-keyshortcuts="N">Add Task</button>
      <form class="add-task-form card" id="add-task-form" hidden novalidate>
        <div class="form-errors" role="alert"></div>
        <label for="task-name">Name</label>
        <input id="task-name" name="name" data-max-chars="100" required dir="auto">
        <p class="field-error" data-error-for="name"></p>
        <label for="task-description">Description</label>
        <textarea id="task-description" name="description" rows="2" dir="auto"></textarea>
        <p class="field-error" data-error-for="description"></p>
        <div class="actions"><button type="submit" class="primary">Add</button><button type="button" class="cancel">Cancel</button></div>
      </form>`;
  }

  private renderHeader(): void {
    const header = this.el.querySelector('.sprint-header');
    if (!header) return;
    const name = this.sprint.get('name') || `Sprint ${this.sprintId}`;
    document.title = `${name} · Scrum Board`;
    header.innerHTML = html`
      <div class="sprint-title">
        <h1 dir="auto">${name}</h1>
        <span class="live-state" data-state="connecting" role="status">${LIVE_LABELS.connecting}</span>
        <span class="sprint-actions">
          <button type="button" class="edit-sprint">Edit sprint</button>
          <button type="button" class="delete-sprint danger">Delete sprint</button>
        </span>
      </div>
      <p class="sprint-due">Due by <time datetime="${this.sprint.get('end')}">${showDate(this.sprint.get('end'))}</time></p>
      ${this.sprint.get('description') && html`<p class="sprint-description" dir="auto">${this.sprint.get('description')}</p>`}`.value;
    if (this.channel) this.showLiveState(this.channel.state);
  }

  private showLiveState(state: LiveState): void {
    const badge = this.el.querySelector<HTMLElement>('.live-state');
    if (!badge) return;
    badge.dataset.state = state;
    badge.textContent = LIVE_LABELS[state];
  }

  /** The backlog and this sprint's tasks, every page; what is gone from the API goes from the board. */
  private async loadTasks(): Promise<void> {
    try {
      // Tasks added here that the server has not created yet are in no list: they stay.
      const unsaved = this.tasks.filter((task) => isTemporaryId(task.key) && this.app.outbox.pendingFor(task.key));
      await this.tasks.load([withQuery(String(this.tasks.url), { backlog: 'True' }), this.sprint.get('links')!.tasks], unsaved);
      if (this.removed) return;
      this.showWaiting();
      this.find('.board-error').hidden = true;
      this.layout();
      loadRendererWhenIdle(); // for the details of its tasks: here by the time one opens, without slowing the board's load
    } catch (error) {
      if (this.removed) return;
      const problem = this.find('.board-error');
      problem.innerHTML = failure('Could not load the tasks.', error).value;
      problem.hidden = false;
    } finally {
      for (const state of this.el.querySelectorAll('.column-state')) state.replaceChildren();
    }
  }

  /** What still waits for the server shows as the person left it, not as the server has it. */
  private showWaiting(): void {
    for (const write of this.app.outbox.waiting) {
      if (write.kind === 'add') {
        if (!this.tasks.get(write.taskId)) this.tasks.add(unsavedTask(write.taskId, write.changes));
      } else if (write.kind === 'remove') {
        this.tasks.remove(write.taskId);
      } else {
        this.tasks.get(write.taskId)?.set(write.changes as Partial<TaskAttributes>);
      }
    }
  }

  /** A deletion of it waits for the server: other boards' news of it must not bring it back meanwhile. */
  private removalWaits(taskId: number): boolean {
    return this.app.outbox.waiting.some((write) => write.kind === 'remove' && write.taskId === taskId);
  }

  /** A fresh signed channel URL for reconnecting: the sprint again from the API. */
  private async freshChannel(): Promise<string> {
    try {
      await this.sprint.fetch();
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) this.gone();
      throw error;
    }
    return this.sprint.get('links')!.channel;
  }

  /** Back after a dropped connection: whatever changed meanwhile. */
  private catchUp(): void {
    for (const id of [...this.locks.keys()]) this.unlock(id);
    void this.loadTasks();
    this.labels.reload().catch(() => {});
    this.burndown.refresh();
    this.detail?.catchUp();
  }

  private gone(): void {
    this.channel?.close();
    this.channel = null;
    this.detail?.close();
    this.dialog?.close();
    this.notFound();
  }

  private receive(message: BoardMessage): void {
    if (message.model === 'sprint' && message.id === this.sprintId) {
      if (message.action === 'remove') this.gone();
      else if (message.action === 'update') this.sprint.set(message.body as SprintAttributes);
      return;
    }
    if (message.model === 'label') return this.labels.receive(message);
    if (message.model === 'comment') return this.detail?.receive(message);
    if (message.model !== 'task') return;
    // Any board's write may move the chart: completing a task there lowers it here.
    if (message.action === 'add' || message.action === 'update' || message.action === 'remove') this.burndown.refresh();
    switch (message.action) {
      case 'add':
      case 'update': {
        const body = message.body as TaskAttributes;
        if (this.removalWaits(message.id)) break;
        if (body.sprint === null || body.sprint === this.sprintId) this.tasks.add(body, { merge: true });
        else this.tasks.remove(message.id); // moved to another sprint
        break;
      }
      case 'remove':
        this.tasks.remove(message.id);
        break;
      case 'dragstart':
        this.lock(message.id);
        break;
      case 'dragend':
      case 'drop':
        this.unlock(message.id);
        break;
    }
  }

  private lock(id: number): void {
    clearTimeout(this.locks.get(id));
    this.locks.set(id, window.setTimeout(() => this.unlock(id), LOCK_TIMEOUT_MS));
    this.items.get(id)?.lock(true);
  }

  private unlock(id: number): void {
    clearTimeout(this.locks.get(id));
    this.locks.delete(id);
    this.items.get(id)?.lock(false);
  }

  columnOf(task: Task): Column | null {
    return columnOf(placed(task), this.sprintId);
  }

  private columnTasks(column: Column): Task[] {
    return this.tasks.filter((task) => this.columnOf(task) === column).sort((a, b) => byOrder(placed(a), placed(b)));
  }

  private queueLayout(): void {
    if (this.layoutQueued) return;
    this.layoutQueued = true;
    queueMicrotask(() => {
      this.layoutQueued = false;
      if (!this.removed) this.layout();
    });
  }

  /** Whether the filters let a task show. */
  private visible(task: Task): boolean {
    return shows(task.attributes, this.filters, { me: this.people.me, today: localToday() });
  }

  /** A column's cards the person can see: what keys move among, and what a drop lands next to. */
  private visibleTasks(column: Column): Task[] {
    return this.columnTasks(column).filter((task) => this.visible(task));
  }

  /**
   * Put every card in its column, in board order, hiding those the filters
   * leave out (they stay in place, so a move among the others sorts as it
   * would without filters); cards of tasks gone from the board go too.
   */
  private layout(): void {
    const focused = document.activeElement;
    const shown = new Set<number>();
    let total = 0;
    let hiddenTotal = 0;
    for (const column of COLUMNS) {
      const section = this.el.querySelector<HTMLElement>(`.column[data-column="${column.key}"]`);
      if (!section) return; // the board is not drawn (loading, not found)
      const tasks = this.columnTasks(column);
      const list = section.querySelector('.task-list')!;
      for (const task of tasks) {
        let item = this.items.get(task.key);
        if (!item) {
          item = new TaskItemView(task, this.people, this.labels);
          item.lock(this.locks.has(task.key));
          item.pending(this.app.outbox.pendingFor(task.key));
          this.items.set(task.key, item);
        }
        item.el.hidden = !this.visible(task);
        list.append(item.el);
        shown.add(task.key);
      }
      const hidden = tasks.filter((task) => this.items.get(task.key)!.el.hidden).length;
      total += tasks.length;
      hiddenTotal += hidden;
      section.querySelector('.count')!.textContent = hidden ? `${tasks.length - hidden} shown, ${hidden} hidden` : String(tasks.length);
      this.summarise(section, column, tasks);
      section.classList.toggle('is-empty', tasks.length === 0);
      section.classList.toggle('all-hidden', tasks.length > 0 && hidden === tasks.length);
    }
    const summary = this.el.querySelector('.filter-summary');
    if (summary) summary.textContent = filtering(this.filters) ? `Showing ${total - hiddenTotal} of ${total} tasks; the filters hide ${hiddenTotal}.` : '';
    for (const [id, item] of this.items) {
      if (shown.has(id)) continue;
      item.remove();
      this.items.delete(id);
    }
    // Moving a focused card through the DOM blurs it; keyboard users keep their place.
    if (focused instanceof HTMLElement && focused !== document.activeElement && this.el.contains(focused)) focused.focus();
  }

  /**
   * Put a task in a column before another task (or at the top): one write,
   * of the moved task only (its order fits between its new neighbours, or
   * the API makes room). Saved at once (the board shows the move before the
   * API confirms it), or queued while the server cannot be reached; undoable
   * either way. Rejects with the API's error after reloading the truth.
   */
  async move(task: Task, column: Column, before: Task | null | 'end' = null): Promise<'sent' | 'queued' | null> {
    const plan = planMove(this.columnTasks(column).map(placed), placed(task), before instanceof Task ? before.key : before);
    if (!plan) return null;
    const updates = task.moveUpdates(column.status, column.inSprint ? this.sprintId : null, plan.order);
    if (Object.keys(updates).length === 0) return null;
    const previous = this.valuesOf(task, Object.keys(updates));
    const wasBeside = this.neighbourOf(task);
    const name = task.get('name') ?? '';
    const query = plan.neighbour ? { [plan.neighbour.side]: String(plan.neighbour.id) } : undefined;
    const item = this.items.get(task.key);
    // The board shows the move at once: Ctrl+Z pressed before the server answers undoes it, not the change before.
    const expected = this.undo.expect();
    try {
      item?.saving(true);
      let outcome: QueuedWrite | 'sent';
      try {
        outcome = await this.send(task, updates, `Move “${name}” to ${column.title}`, query);
      } catch (error) {
        await this.loadTasks();
        throw error;
      } finally {
        item?.saving(false);
      }
      // The API renumbered the column to make room: the neighbours' new orders too.
      if (outcome === 'sent' && plan.neighbour) await this.loadTasks();
      const waiting = outcome === 'sent' ? null : outcome;
      expected.done({
        // The toast is a live region too: it must not tell a screen reader that a waiting move was made.
        label: waiting ? `Moved “${name}” to ${column.title}, waiting to be sent.` : `Moved “${name}” to ${column.title}.`,
        undo: async () => {
          if (waiting && this.app.outbox.cancel(waiting)) return void task.set(previous);
          try {
            // Back beside the card it was next to: its old order may no longer sort there if the column was renumbered since.
            await this.restore(task, previous, wasBeside && { [wasBeside.side]: String(wasBeside.id) });
          } catch (error) {
            throw refusal(error, name);
          }
          // The column may have been renumbered to make room: its other cards' orders too.
          if (wasBeside) void this.loadTasks();
        },
      }, this.items.get(task.key)?.el);
      const said = waiting ? 'queued' : 'sent';
      this.announceMove(task, column, said);
      return said;
    } finally {
      // No-op once done: a move that failed leaves nothing to undo.
      expected.failed(`Nothing to undo: “${name}” was not moved.`);
    }
  }

  /** Say where a move put the task (for screen readers), by keys, drag, finger or the details alike, and when it took the column over its WIP limit. */
  private announceMove(task: Task, movedTo: Column, outcome: 'sent' | 'queued'): void {
    // Where the card is now: a later move of it, pressed before this one's answer came, may already have taken it on.
    const column = this.columnOf(task) ?? movedTo;
    const siblings = this.columnTasks(column);
    const where = `${column.title}, position ${siblings.indexOf(task) + 1} of ${siblings.length}`;
    const limit = limitOf(column, this.sprint.get('wip_limits'));
    const over = overLimitWords(column, columnSummary(siblings.map((t) => t.get('points')), limit), limit);
    this.find('.announce').textContent =
      (outcome === 'sent'
        ? `Moved “${task.get('name')}” to ${where}.`
        : `“${task.get('name')}” is shown in ${where}, waiting to be sent: the server cannot be reached.`) + over;
  }

  /** A column's count and sum of points, and its WIP limit in words and colour. */
  private summarise(section: HTMLElement, column: Column, tasks: Task[]): void {
    const summary = columnSummary(tasks.map((task) => task.get('points')), limitOf(column, this.sprint.get('wip_limits')));
    section.querySelector('.column-summary')!.textContent = summary.text;
    section.classList.toggle('over-limit', summary.over);
  }

  /**
   * Save changed fields at once (the board shows them before the API
   * confirms), or, while the server cannot be reached or other writes wait,
   * queue them behind those: the queued write then.
   */
  private async send(task: Task, changes: Partial<TaskAttributes>, label: string, query?: Record<string, string>): Promise<QueuedWrite | 'sent'> {
    const write: Omit<QueuedWrite, 'id'> = { kind: 'update', url: task.url(), query, taskId: task.key, label, changes, base: this.valuesOf(task, Object.keys(changes)) };
    if (this.app.outbox.waiting.length === 0) {
      try {
        await save(task, changes, { patch: true, wait: false, url: withQuery(task.url(), query) });
        return 'sent';
      } catch (error) {
        if (!unreachable(error)) throw error;
      }
    }
    task.set(changes);
    return this.app.outbox.add(write);
  }

  /** The card a task sits just before (or, last in its column, just after): where an undo puts it back. */
  private neighbourOf(task: Task): { id: number; side: 'before' | 'after' } | undefined {
    const column = this.columnOf(task);
    const siblings = column ? this.columnTasks(column) : [];
    const index = siblings.indexOf(task);
    const next = siblings[index + 1];
    const previous = siblings[index - 1];
    if (next && !isTemporaryId(next.key)) return { id: next.key, side: 'before' };
    if (previous && !isTemporaryId(previous.key)) return { id: previous.key, side: 'after' };
    return undefined;
  }

  private showPending(): void {
    for (const [id, item] of this.items) item.pending(this.app.outbox.pendingFor(id));
  }

  /** A waiting write landed (or theirs was kept): the task as the server has it now. */
  private landed(write: QueuedWrite, data: TaskAttributes | null): void {
    // The server is back: a board that could not load (a reload while offline) tries again.
    if (!this.el.querySelector('.columns')) {
      this.restarting ??= this.start().finally(() => (this.restarting = null));
      return;
    }
    if (write.kind === 'add') this.created(write.taskId, data!);
    else if (data) this.receive({ model: 'task', id: write.taskId, action: 'update', body: data });
    else if (write.kind === 'remove') this.tasks.remove(write.taskId);
    else return void this.loadTasks();
    // The server's answer predates what still waits behind it: the board keeps showing that.
    this.showWaiting();
    this.showPending();
  }

  /** A task added while the server could not be reached now exists: its card takes the real id (unless the live channel brought it first). */
  private created(temporaryId: number, data: TaskAttributes): void {
    const card = this.tasks.get(temporaryId);
    if (!card || this.tasks.get(data.id)) {
      if (card) this.tasks.remove(card);
      this.receive({ model: 'task', id: data.id, action: 'add', body: data });
      return;
    }
    card.set(data);
    const item = this.items.get(temporaryId);
    if (item) {
      this.items.delete(temporaryId);
      this.items.set(data.id, item);
    }
  }

  private refusedLater(write: QueuedWrite, error: unknown): void {
    const problem = this.el.querySelector<HTMLElement>('.board-error');
    if (problem) {
      problem.innerHTML = isolateNames(`Could not ${write.label.charAt(0).toLowerCase()}${write.label.slice(1)}: ${error instanceof Error ? error.message : String(error)}`).value;
      problem.hidden = false;
    }
    void this.loadTasks();
  }

  private valuesOf(task: Task, fields: string[]): Partial<TaskAttributes> {
    return Object.fromEntries(fields.map((field) => [field, task.get(field as keyof TaskAttributes)])) as Partial<TaskAttributes>;
  }

  /** Put fields back as this board last saw them, refused (412) if anyone changed the task since. */
  private async restore(task: Task, values: Partial<TaskAttributes>, query?: Record<string, string>): Promise<void> {
    const url = task.url();
    // Without our own version of it there is nothing to guard with: refuse rather than overwrite.
    const data = await request(url, { method: 'PATCH', query, body: values, ifMatch: etagOf(url) ?? '"unknown"' });
    task.set(data as TaskAttributes);
  }

  /** The details' Save: the fields the person changed, undoably. */
  async saveEdit(task: Task, changes: Partial<TaskAttributes>): Promise<void> {
    const previous = this.valuesOf(task, Object.keys(changes));
    const name = task.get('name') ?? '';
    if (this.app.outbox.waiting.length) return void (await this.send(task, changes, `Edit “${name}”`));
    try {
      await save(task, changes, { patch: true });
    } catch (error) {
      if (!unreachable(error)) throw error;
      return void (await this.send(task, changes, `Edit “${name}”`));
    }
    this.undo.done({
      label: `Edited “${name}”.`,
      undo: async () => {
        try {
          await this.restore(task, previous);
        } catch (error) {
          throw refusal(error, name);
        }
      },
    });
  }

  /**
   * The details' Delete: at once or, while the server cannot be reached (or
   * other writes wait), queued behind them, the card gone meanwhile. Undoing
   * it takes a waiting deletion back, and otherwise brings the task back (as
   * a new one, whose history says it was restored). A task the server has not
   * created yet is simply not sent.
   */
  async deleteTask(task: Task): Promise<void> {
    const values = this.valuesOf(task, TASK_FIELDS);
    const name = values.name ?? '';
    const label = `Deleted “${name}”.`;
    const id = task.key;
    const unsent = isTemporaryId(id) ? this.app.outbox.waitingAdd(id) : undefined;
    if (unsent && this.app.outbox.cancel(unsent)) {
      this.tasks.remove(task);
      return this.undo.done({ label, undo: async () => void this.queueAdd(values, this.app.outbox.temporaryId()) });
    }
    const outbox = this.app.outbox;
    let waiting: QueuedWrite | null = null;
    const queue = () => {
      waiting = outbox.add({ kind: 'remove', url: task.url(), taskId: id, label: `Delete “${name}”`, changes: {}, base: this.valuesOf(task, REMOVAL_BASE_FIELDS) });
    };
    if (outbox.waiting.length) queue();
    else {
      try {
        await request(task.url(), { method: 'DELETE' });
      } catch (error) {
        if (!unreachable(error)) throw error;
        queue();
      }
    }
    this.tasks.remove(task);
    this.undo.done({
      label,
      undo: async () => {
        if (waiting && outbox.cancel(waiting)) return void this.tasks.add(task);
        const created = outbox.createdFor(id)?.id ?? id;
        if (this.tasks.get(created)) throw new UndoRefused(`Nothing to undo: “${name}” is still there.`); // theirs was kept
        // A label deleted since cannot come back with it (the API would refuse the whole task).
        const labels = values.labels?.filter((label) => !this.labels.loaded || this.labels.get(label));
        const restored = await request(String(this.tasks.url), { method: 'POST', query: { restores: String(created) }, body: { ...values, labels } });
        this.tasks.add(restored as TaskAttributes, { merge: true });
      },
    });
  }

  /** Move (which says so, for screen readers), or show why it failed. */
  private async moveAndTell(task: Task, column: Column, before: Task | null | 'end'): Promise<void> {
    const problem = this.find('.board-error');
    problem.hidden = true;
    try {
      await this.move(task, column, before);
    } catch (error) {
      if (this.removed || (error instanceof ApiError && error.status === 401)) return;
      problem.innerHTML = isolateNames(`Could not move “${task.get('name')}”: ${error instanceof Error ? error.message : String(error)}`).value;
      problem.hidden = false;
    }
  }

  private taskOf(element: HTMLElement): Task | undefined {
    return this.tasks.get(Number(element.closest<HTMLElement>('.task')?.dataset.taskId));
  }

  openTask(_event: Event, button: HTMLElement, focus: DetailFocus = 'first'): void {
    const task = this.taskOf(button);
    if (!task) return;
    this.detail?.close();
    const detail = new TaskDetailView(task, this);
    this.detail = detail;
    this.listenToOnce(detail, 'closed', () => {
      if (this.detail === detail) this.detail = null;
      this.items.get(task.key)?.find('.task-open').focus();
    });
    detail.open(focus);
  }

  /** The card with the keyboard's focus, if any (the shortcuts act on it). */
  private focusedCard(): HTMLElement | null {
    const focused = document.activeElement;
    return focused instanceof HTMLElement && this.el.contains(focused) ? focused.closest<HTMLElement>('.task .task-open') : null;
  }

  private openFocused(focus: DetailFocus): boolean {
    const button = this.focusedCard();
    if (!button) {
      this.tell('Focus a task first (Tab to it), then press the key again.');
      return false;
    }
    this.openTask(new Event('shortcut'), button, focus);
    return true;
  }

  /** Say something the keys could not do: shown for a while, and read by screen readers. */
  private tell(message: string): void {
    const notice = this.el.querySelector<HTMLElement>('.board-notice');
    if (!notice) return;
    notice.textContent = message;
    clearTimeout(this.noticeTimer);
    this.noticeTimer = window.setTimeout(() => (notice.textContent = ''), 6000);
  }

  private openDialog(dialog: ShortcutsHelp | SprintEditDialog | SprintDeleteDialog | LabelsDialog, returnTo: Element | null): void {
    this.dialog?.close();
    this.dialog = dialog;
    this.listenToOnce(dialog, 'closed', () => {
      if (this.dialog === dialog) this.dialog = null;
      if (!(returnTo instanceof HTMLElement)) return;
      // The sprint's header is drawn again after an edit: its button of the same kind, then.
      (returnTo.isConnected ? returnTo : this.el.querySelector<HTMLElement>(`.${CSS.escape(returnTo.classList[0] ?? 'none')}`))?.focus();
    });
    dialog.open();
  }

  showHelp(): void {
    this.openDialog(new ShortcutsHelp(), document.activeElement);
  }

  manageLabels(_event: Event, button: HTMLElement): void {
    const onBoard = (label: { key: number }) => this.tasks.filter((task) => (task.get('labels') ?? []).includes(label.key)).length;
    this.openDialog(new LabelsDialog(this.labels, onBoard), button);
  }

  editSprint(_event: Event, button: HTMLElement): void {
    this.openDialog(new SprintEditDialog(this.sprint), button);
  }

  confirmDelete(_event: Event, button: HTMLElement): void {
    const count = this.tasks.filter((task) => task.get('sprint') === this.sprintId).length;
    const dialog = new SprintDeleteDialog(this.sprint, count);
    this.listenToOnce(dialog, 'deleted', () => this.app.navigate(''));
    this.openDialog(dialog, button);
  }

  /** The filter bar changed: show what passes, and keep the filters in the URL (replacing, not adding to history). */
  private filtered(filters: Filters): void {
    this.filters = filters;
    this.layout();
    const query = filterQuery(filters);
    this.app.navigate(`sprint/${this.sprintId}${query ? `?${query}` : ''}`, { replace: true, trigger: false });
  }

  /** The URL's filters changed (back, forward, a pasted link to this same board). */
  applyFilters(filters: Filters): void {
    if (filterQuery(filters) === filterQuery(this.filters)) return;
    this.filters = filters;
    this.filterBar.show(filters);
    this.layout();
  }

  /** Shift+←/→: top of the previous/next column. Shift+↑/↓: one place up/down. */
  moveByKey(event: KeyboardEvent, button: HTMLElement): void {
    if (!event.shiftKey || !event.key.startsWith('Arrow') || event.altKey || event.ctrlKey || event.metaKey) return;
    const task = this.taskOf(button);
    const column = task && this.columnOf(task);
    if (!task || !column) return;
    event.preventDefault();
    if (this.items.get(task.key)?.locked) {
      this.find('.announce').textContent = `Someone else is moving “${task.get('name')}”.`;
      return;
    }
    const index = COLUMNS.indexOf(column);
    // Up and down go past the cards the person sees; hidden ones keep their places.
    const siblings = this.visibleTasks(column);
    const position = siblings.indexOf(task);
    if (event.key === 'ArrowLeft' && index > 0) void this.moveAndTell(task, COLUMNS[index - 1]!, null);
    if (event.key === 'ArrowRight' && index < COLUMNS.length - 1) void this.moveAndTell(task, COLUMNS[index + 1]!, null);
    if (event.key === 'ArrowUp' && position > 0) void this.moveAndTell(task, column, siblings[position - 1]!);
    // One place down: just after the next card seen, so before whatever follows it (hidden or not), or to the bottom.
    if (event.key === 'ArrowDown' && position < siblings.length - 1) {
      const all = this.columnTasks(column);
      void this.moveAndTell(task, column, all[all.indexOf(siblings[position + 1]!) + 1] ?? 'end');
    }
  }

  dragStart(event: DragEvent, card: HTMLElement): void {
    if (!this.canPickUp(card) || !event.dataTransfer) {
      event.preventDefault();
      return;
    }
    event.dataTransfer.effectAllowed = 'move';
    event.dataTransfer.setData('text/plain', this.taskOf(card)?.get('name') ?? '');
    this.pickUp(card);
  }

  dragEnd(): void {
    this.putDown();
  }

  dragOver(event: DragEvent): void {
    if (!this.dragging) return; // not one of our cards: no drop here
    event.preventDefault();
    if (event.dataTransfer) event.dataTransfer.dropEffect = 'move';
    this.hover(event.target as Element);
  }

  dragLeave(event: DragEvent, section: HTMLElement): void {
    if (!section.contains(event.relatedTarget as Node | null)) section.classList.remove('over');
  }

  drop(event: DragEvent): void {
    if (!this.dragging) return;
    event.preventDefault();
    this.dropOn(event.target as Element);
  }

  // What a drag is, by mouse or by finger (touch-drag.ts): the same locking, drops, announcements and undo.

  canPickUp(card: HTMLElement): boolean {
    const task = this.taskOf(card);
    return !!task && !this.items.get(task.key)?.locked;
  }

  pickUp(card: HTMLElement): void {
    const task = this.taskOf(card)!;
    this.dragging = task;
    card.classList.add('dragging');
    this.channel?.send({ model: 'task', id: task.key, action: 'dragstart' });
  }

  /** Show where a drop on `under` would put the card: its column, and the card it would go before. */
  hover(under: Element | null): void {
    const section = under?.closest<HTMLElement>('.column') ?? null;
    const over = under?.closest('.task') ?? null;
    if (section?.classList.contains('over') && section.querySelector('.task.over') === over) return;
    this.clearDropTargets();
    if (!section) return;
    section.classList.add('over');
    if (over && !over.classList.contains('locked')) over.classList.add('over');
  }

  /** Dropped on `under`: before the card it is on (at the top of a column dropped on elsewhere); nothing outside the columns. */
  dropOn(under: Element | null): void {
    const task = this.dragging;
    const section = under?.closest<HTMLElement>('.column');
    if (!task || !section) return this.putDown();
    this.clearDropTargets();
    const column = COLUMNS.find((c) => c.key === section.dataset.column)!;
    const onCard = under!.closest<HTMLElement>('.task');
    const before = onCard && !onCard.classList.contains('locked') ? (this.taskOf(onCard) ?? null) : null;
    this.channel?.send({ model: 'task', id: task.key, action: 'drop' });
    this.endDrag();
    void this.moveAndTell(task, column, before);
  }

  /** The drag ended without a drop. */
  putDown(): void {
    if (this.dragging) this.channel?.send({ model: 'task', id: this.dragging.key, action: 'dragend' });
    this.endDrag();
  }

  private endDrag(): void {
    this.clearDropTargets();
    for (const card of this.el.querySelectorAll('.task.dragging')) card.classList.remove('dragging');
    this.dragging = null;
  }

  private clearDropTargets(): void {
    for (const element of this.el.querySelectorAll('.over')) element.classList.remove('over');
  }

  openAddTask(_event: Event, button: HTMLElement): void {
    const form = this.find<HTMLFormElement>('.add-task-form');
    form.hidden = false;
    button.setAttribute('aria-expanded', 'true');
    this.find<HTMLInputElement>('#task-name').focus();
  }

  closeAddTask(): void {
    const form = this.find<HTMLFormElement>('.add-task-form');
    form.reset();
    clearErrors(form);
    form.hidden = true;
    const button = this.find('.add-task');
    button.setAttribute('aria-expanded', 'false');
    button.focus();
  }

  async addTask(event: SubmitEvent, form: HTMLFormElement): Promise<void> {
    event.preventDefault();
    clearErrors(form);
    const long = tooLong(form);
    if (long) return showErrors(form, long);
    const fields = { ...formValues(form), sprint: null };
    let added: Undoable;
    try {
      added = await busy(form, 'Adding…', () => this.create(fields));
    } catch (error) {
      showErrors(form, error);
      return;
    }
    this.undo.done(added);
    form.reset();
    this.find<HTMLInputElement>('#task-name').focus();
    this.find('.announce').textContent = added.label;
    // A new task the filters leave out is there all the same: say so rather than seem to lose it.
    if (!shows({ ...fields, assigned: null, due: null, status: 1 }, this.filters, { me: this.people.me, today: localToday() })) {
      this.tell(`${added.label.replace(/\.$/, '')}; the filters hide it.`);
    }
  }

  /**
   * A new task: created at once or, while the server cannot be reached (or
   * other writes wait), queued behind them, shown meanwhile as a pending card
   * under a temporary id. Returns the way back.
   */
  private async create(fields: Record<string, unknown>): Promise<Undoable> {
    if (this.app.outbox.waiting.length === 0) {
      const task = new Task(fields, { collection: this.tasks });
      try {
        await save(task, null);
        this.tasks.add(task); // the live channel may have brought it already; then this is a no-op
        const name = task.get('name') ?? '';
        return { label: `Added “${name}” to the backlog.`, undo: () => this.unadd(task.url(), name) };
      } catch (error) {
        if (!unreachable(error)) throw error;
      }
    }
    return this.queueAdd(fields, this.app.outbox.temporaryId());
  }

  private queueAdd(fields: Record<string, unknown>, id: number): Undoable {
    const name = String(fields.name ?? '');
    const write = this.app.outbox.add({ kind: 'add', url: String(this.tasks.url), taskId: id, label: `Add “${name}”`, changes: fields, base: {} });
    this.tasks.add(unsavedTask(id, fields));
    return {
      label: `Added “${name}” to the backlog.`,
      undo: async () => {
        if (this.app.outbox.cancel(write)) return void this.tasks.remove(id);
        const created = this.app.outbox.createdFor(id);
        if (!created) throw new UndoRefused(`Cannot undo: “${name}” is on its way to the server.`);
        await this.unadd(created.url, name);
      },
    };
  }

  /** Undo an add: delete the task, refused if anyone changed it since. */
  private async unadd(url: string, name: string): Promise<void> {
    try {
      await request(url, { method: 'DELETE', ifMatch: etagOf(url) ?? '"unknown"' });
    } catch (error) {
      throw refusal(error, name);
    }
    const task = this.tasks.find((candidate) => candidate.url() === url);
    if (task) this.tasks.remove(task);
  }

  override remove(): this {
    this.removed = true;
    this.channel?.close();
    this.detail?.close();
    this.dialog?.close();
    clearTimeout(this.noticeTimer);
    this.shortcuts.remove();
    this.filterBar.remove();
    this.burndown.remove();
    this.undo.remove();
    this.touch.remove();
    for (const timer of this.locks.values()) clearTimeout(timer);
    for (const item of this.items.values()) item.remove();
    return super.remove();
  }
}
