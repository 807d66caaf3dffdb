// One task on the board: a draggable card whose button opens the details.
// The board handles its drags, drops and keys; the card only shows the task
// (its labels, each a chip with its name in words; its points; its assignee's
// avatar, named by their full name; its due date in words, overdue or due today
// marked), and whether someone else is moving it right now.
import { dueState, dueWords } from '../dates.ts';
import { Label, labelChip, type Labels } from '../labels.ts';
import { DONE, type Task } from '../models.ts';
import { avatar, type People } from '../people.ts';
import { pointsText } from '../points.ts';
import { html, View } from '../view.ts';

/** The keys that move a focused task, for `aria-keyshortcuts` and the help text. */
export const MOVE_KEYS = 'Shift+ArrowLeft Shift+ArrowRight Shift+ArrowUp Shift+ArrowDown';

export class TaskItemView extends View<Task> {
  private readonly people: People;
  private readonly labels: Labels;
  constructor(task: Task, people: People, labels: Labels) {
    super({ model: task, tagName: 'li', className: 'task' });
    this.people = people;
    this.labels = labels;
    this.el.draggable = true;
    this.listenTo(task, 'change', this.render);
    this.listenTo(people, 'change', this.render);
    // A label renamed, recoloured or deleted on any board: its chip follows (a deleted one goes).
    this.listenTo(labels, 'load remove change', this.renderIfLabelled);
    this.render();
  }

  override render(): this {
    const task = this.model;
    const assigned = task.get('assigned');
    const due = task.get('due');
    const state = dueState(due, task.get('status') === DONE);
    const points = task.get('points') ?? null;
    const labels = this.labels.of(task.get('labels'));
    const focused = this.el.contains(document.activeElement);
    this.el.dataset.taskId = String(task.key); // a task added offline changes its temporary id for the real one
    this.el.classList.toggle('overdue', state === 'overdue');
    this.el.classList.toggle('due-today', state === 'today');
    this.setHtml(html`
      <button type="button" class="task-open" aria-keyshortcuts="${MOVE_KEYS}" aria-describedby="move-help">
        <span class="task-name" dir="auto">${task.get('name')}</span>
        ${labels.length > 0 && html`<span class="task-labels"><span class="visually-hidden">Labels:</span>
          ${labels.map((label, i) => html`${i > 0 && html`<span class="visually-hidden">,</span>`} ${labelChip(label)}`)}</span>`}
        ${(assigned || due || points !== null) && html`<span class="task-meta">
          ${points !== null && html`<span class="task-points">${pointsText(points)}</span>`}
          ${due && html`<span class="task-due${state ? ` ${state}` : ''}">${dueWords(due, state)}</span>`}
          ${assigned && html`<span class="task-assigned">${avatar(this.people.find(assigned))}</span>`}
        </span>`}
      </button>`);
    if (focused) this.find('.task-open').focus(); // a live update must not steal the keyboard's place
    return this;
  }

  /** Draw again only the cards a label event concerns (a reload concerns every labelled card). */
  private renderIfLabelled(changed?: unknown): void {
    const ids = this.model.get('labels') ?? [];
    if (ids.length && (!(changed instanceof Label) || ids.includes(changed.key))) this.render();
  }

  /** Dim the card and refuse to move it while another board drags it. */
  lock(locked: boolean): void {
    this.el.classList.toggle('locked', locked);
    this.el.draggable = !locked;
    this.el.title = locked ? 'Someone else is moving this task.' : '';
  }

  get locked(): boolean {
    return this.el.classList.contains('locked');
  }

  /** While its own save is under way. */
  saving(on: boolean): void {
    this.el.classList.toggle('saving', on);
  }

  /** While a change to it waits for the server. */
  pending(on: boolean): void {
    this.el.classList.toggle('pending', on);
    this.el.toggleAttribute('data-pending', on);
  }
}
