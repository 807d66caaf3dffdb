// One task on the board: a draggable card whose button opens the details.
// The board handles its drags, drops and keys; the card only shows the task
// and whether someone else is moving it right now.
import { showDate } from '../dates.ts';
import { pointsText } from '../points.ts';
import type { Task } from '../models.ts';
import { html, View } from '../view.ts';

/** The keys that move a focused task, for `aria-keyshortcuts` and the help text. */
export const MOVE_KEYS = 'Shift+ArrowLeft Shift+ArrowRight Shift+ArrowUp Shift+ArrowDown';

export class TaskItemView extends View<Task> {
  constructor(task: Task) {
    super({ model: task, tagName: 'li', className: 'task' });
    this.el.draggable = true;
    this.listenTo(task, 'change', this.render);
    this.render();
  }

  override render(): this {
    const task = this.model;
    const assigned = task.get('assigned');
    const due = task.get('due');
    const points = task.get('points') ?? null;
    const focused = this.el.contains(document.activeElement);
    this.el.dataset.taskId = String(task.key); // a task added offline changes its temporary id for the real one
    this.setHtml(html`
      <button type="button" class="task-open" aria-keyshortcuts="${MOVE_KEYS}" aria-describedby="move-help">
        <span class="task-name" dir="auto">${task.get('name')}</span>
        ${(assigned || due || points !== null) && html`<span class="task-meta">
          ${points !== null && html`<span class="task-points">${pointsText(points)}</span>`}
          ${assigned && html`<span class="task-assigned" dir="auto">${assigned}</span>`}
          ${due && html`<span class="task-due">Due ${showDate(due)}</span>`}
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
