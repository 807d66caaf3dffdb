// One task on the board: a draggable card whose button opens the details.
// The board handles its drags, drops and keys; the card only shows the task
// (its points; its assignee's avatar, named by their full name; its due date in
// words, overdue or due today marked), and whether someone else is moving it right now.
import { dueState, dueWords } from '../dates.ts';
import { DONE, type Task } from '../models.ts';
import { avatar, type People } from '../people.ts';
import { pointsText } from '../points.ts';
import { html, View } from '../view.ts';

/** The keys that move a focused task, for `aria-keyshortcuts` and the help text. */
export const MOVE_KEYS = 'Shift+ArrowLeft Shift+ArrowRight Shift+ArrowUp Shift+ArrowDown';

export class TaskItemView extends View<Task> {
  private readonly people: People;
  constructor(task: Task, people: People) {
    super({ model: task, tagName: 'li', className: 'task' });
    this.people = people;
    this.el.draggable = true;
    this.listenTo(task, 'change', this.render);
    this.listenTo(people, 'change', this.render);
    this.render();
  }

  override render(): this {
    const task = this.model;
    const assigned = task.get('assigned');
    const due = task.get('due');
    const state = dueState(due, task.get('status') === DONE);
    const points = task.get('points') ?? null;
    const focused = this.el.contains(document.activeElement);
    this.el.dataset.taskId = String(task.key); // a task added offline changes its temporary id for the real one
    this.el.classList.toggle('overdue', state === 'overdue');
    this.el.classList.toggle('due-today', state === 'today');
    this.setHtml(html`
      <button type="button" class="task-open" aria-keyshortcuts="${MOVE_KEYS}" aria-describedby="move-help">
        <span class="task-name" dir="auto">${task.get('name')}</span>
        ${(assigned || due || points !== null) && html`<span class="task-meta">
          ${points !== null && html`<span class="task-points">${pointsText(points)}</span>`}
          ${due && html`<span class="task-due${state ? ` ${state}` : ''}">${dueWords(due, state)}</span>`}
          ${assigned && html`<span class="task-assigned">${avatar(this.people.find(assigned))}</span>`}
        </span>`}
      </button>`);
    if (focused) this.find('.task-open').focus(); // a live update must not steal the keyboard's place
    return this;
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
