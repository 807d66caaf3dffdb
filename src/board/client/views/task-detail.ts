// A task's details (chapter 6) in a modal dialog: the name edited in place
// (contenteditable), the description shown as rendered Markdown and edited
// with a preview, the story points chosen from the board's scale, the due
// date in a date picker, the assignee chosen from the board's people
// (person-picker.ts), a column to move it to, Save, which sends only what
// changed, the task's comments (comments.ts) and its history in words, all
// kept up to date while the dialog is open.
import { ApiError, request } from '../api.ts';
import { showDate } from '../dates.ts';
import { ago, describeEntries, type HistoryEntry } from '../history.ts';
import { busy, clearErrors, showErrors } from '../forms.ts';
import { COLUMNS, type Column } from '../columns.ts';
import type { BoardMessage } from '../live.ts';
import { isTemporaryId } from '../outbox.ts';
import type { Task, TaskAttributes } from '../models.ts';
import type { People } from '../people.ts';
import { POINT_CHOICES, pointsText } from '../points.ts';
import { DialogView } from '../dialog.ts';
import { html } from '../view.ts';
import { CommentsView } from './comments.ts';
import { loadRenderer, markdown } from '../markdown.ts';
import { MarkdownEditor } from './markdown-editor.ts';
import { PersonPicker } from './person-picker.ts';
import type { Labels } from '../labels.ts';
import { LabelPicker } from './label-picker.ts';

interface Field {
  name: 'name';
  label: string;
  placeholder: string;
}

/** The text edited in place; the description, points, due date and assignee have their own controls. */
const FIELDS: Field[] = [{ name: 'name', label: 'Name', placeholder: 'What needs doing' }];

/** What the person may have changed (Save sends only these, and live updates leave them alone). */
type Edited = Field['name'] | 'description' | 'points' | 'due';

/** The board's scale, "None" first, and a value the API took outside it (kept, not lost to a save). */
function pointOptions(current: number | null): ReturnType<typeof html> {
  const scale: number[] = [...POINT_CHOICES];
  const choices = current === null || scale.includes(current) ? scale : [...scale, current].sort((a, b) => a - b);
  return html`<option value="" ${current === null ? 'selected' : ''}>None</option>${choices.map(
    (points) => html`<option value="${points}" ${points === current ? 'selected' : ''}>${pointsText(points)}</option>`,
  )}`;
}

/** Where the details open: the form's top, or straight in the assignee's list (the `a` shortcut) or the labels' (`l`). */
export type DetailFocus = 'first' | 'assign' | 'label';

/** What the dialog needs from the board it was opened on. */
export interface TaskMover {
  /** The sprint whose board this is: columns are named as it shows them. */
  readonly sprintId: number;
  readonly people: People;
  readonly labels: Labels;
  columnOf(task: Task): Column | null;
  /** To the top of a column; rejects with the API's error. */
  move(task: Task, column: Column): Promise<unknown>;
  /** Save the edited fields (undoably); rejects with the API's error. */
  saveEdit(task: Task, changes: Partial<TaskAttributes>): Promise<void>;
  deleteTask(task: Task): Promise<void>;
}

/** Entries shown: the latest ones; the API has the rest. */
const HISTORY_SHOWN = '20';

export class TaskDetailView extends DialogView<Task> {
  private readonly edited = new Set<Edited>();
  private readonly picker: PersonPicker;
  private readonly labelPicker: LabelPicker;
  private readonly description: MarkdownEditor;
  private readonly comments: CommentsView;
  /** The description is shown as its text to edit (rather than rendered): asked for, or there is none yet. */
  private describing = false;
  private history: HistoryEntry[] = [];
  private historyTimer: number | undefined;
  private readonly clockTimer: number;

  private readonly board: TaskMover;
  constructor(
    task: Task,
    board: TaskMover,
  ) {
    super({
      model: task,
      tagName: 'dialog',
      className: 'task-detail',
      attributes: { 'aria-labelledby': 'task-detail-title' },
      events: {
        'submit .task-form': 'submit',
        'click .delete': 'deleteTask',
        'click .close': 'close',
        close: 'remove',
        'input .editable, #task-due, #task-points, #task-detail-description': 'markEdited',
        'click .edit-description': 'editDescription',
        'click .description-view': 'editDescriptionAt',
        'keydown .editable': 'keepOneLine',
        'paste .editable': 'pastePlainText',
      },
    });
    this.board = board;
    this.picker = new PersonPicker(board.people, task.get('assigned') ?? null);
    this.listenTo(this.picker, 'chosen', () => (this.find('.save-note').textContent = ''));
    this.labelPicker = new LabelPicker(board.labels, task.get('labels') ?? []);
    this.listenTo(this.labelPicker, 'chosen', () => (this.find('.save-note').textContent = ''));
    void loadRenderer().catch(() => {}); // at once, unless the board's idle time brought it already; a failure is shown where Markdown is
    this.description = new MarkdownEditor({ id: 'task-detail-description', name: 'description', label: 'Description', placeholder: 'Add details (Markdown)', rows: 5, under: 2 });
    this.description.value = task.get('description') ?? '';
    this.describing = !this.description.value;
    this.comments = new CommentsView(task, board.people);
    this.listenTo(this.comments, 'changed', this.queueHistory); // a comment is an entry of the task's history
    this.render();
    this.listenTo(task, 'change', this.refresh);
    this.listenTo(task, 'change', this.queueHistory);
    this.listenTo(task, 'remove destroy', this.close);
    void this.loadHistory();
    // "2 minutes ago" must not stay "just now".
    this.clockTimer = window.setInterval(() => {
      this.renderHistory();
      this.comments.tick();
    }, 30_000);
  }

  /** The live channel's news of comments (the board hands them over). */
  receive(message: BoardMessage): void {
    this.comments.receive(message);
  }

  /** Back after a dropped live connection: comments written meanwhile. */
  catchUp(): void {
    void this.comments.load();
  }

  /** Every change to the task (ours, or another board's through the live channel) is a new entry. */
  private queueHistory(): void {
    clearTimeout(this.historyTimer);
    this.historyTimer = window.setTimeout(() => void this.loadHistory(), 150);
  }

  private async loadHistory(): Promise<void> {
    const url = this.model.get('links')?.history;
    if (!url) return;
    try {
      const page = (await request(url, { query: { page_size: HISTORY_SHOWN } })) as { results: HistoryEntry[] };
      this.history = page.results;
      this.renderHistory();
    } catch {
      // The details stay usable without it; the next change tries again.
    }
  }

  private renderHistory(): void {
    const list = this.el.querySelector('.history-list');
    if (!list) return;
    const sentences = describeEntries(this.history, this.model.attributes, this.board.sprintId);
    list.innerHTML = html`${this.history.map(
      (entry, i) => html`<li class="history-entry" data-action="${entry.action}">${sentences[i]} · <time datetime="${entry.at}" title="${new Date(entry.at).toLocaleString()}">${ago(entry.at)}</time></li>`,
    )}`.value;
  }

  override render(): this {
    const task = this.model;
    const current = this.board.columnOf(task);
    this.setHtml(html`
      <form class="task-form" novalidate>
        <div class="detail-head">
          <h2 id="task-detail-title">${isTemporaryId(task.key) ? 'New task' : `Task #${task.key}`}</h2>
          <button type="button" class="close icon" aria-label="Close">×</button>
        </div>
        <div class="form-errors" role="alert"></div>
        ${FIELDS.map(
          (field) => html`<div class="field">
            <span class="label" id="task-field-${field.name}">${field.label}</span>
            <div class="editable" contenteditable="true" role="textbox"
              aria-labelledby="task-field-${field.name}" aria-multiline="false"
              data-field="${field.name}" data-placeholder="${field.placeholder}" dir="auto">${task.get(field.name) ?? ''}</div>
            <p class="field-error" data-error-for="${field.name}"></p>
          </div>`,
        )}
        <div class="field description-field">
          <div class="description-read">
            <div class="description-head">
              <span class="label" id="task-description-label">Description</span>
              <button type="button" class="edit-description link">Edit<span class="visually-hidden"> the description</span></button>
            </div>
            <div class="description-view markdown" role="group" aria-labelledby="task-description-label" dir="auto"></div>
          </div>
          <div class="description-slot"></div>
        </div>
        <div class="field">
          <label for="task-points">Story points</label>
          <select id="task-points" name="points" data-field="points">${pointOptions(task.get('points') ?? null)}</select>
          <p class="field-error" data-error-for="points"></p>
        </div>
        <div class="field">
          <label for="task-due">Due date</label>
          <input id="task-due" type="date" name="due" data-field="due" value="${task.get('due') ?? ''}">
          <p class="field-error" data-error-for="due"></p>
        </div>
        <div class="field picker-slot"></div>
        <div class="field label-picker-slot"></div>
        <div class="field">
          <label for="task-column">Column</label>
          <select id="task-column" name="column">
            ${COLUMNS.map((column) => html`<option value="${column.key}" ${column === current ? 'selected' : ''}>${column.title}</option>`)}
          </select>
        </div>
        <p class="task-dates">${this.dates()}</p>
        <div class="actions">
          <button type="submit" class="primary">Save</button>
          <button type="button" class="close">Close</button>
          <button type="button" class="delete danger">Delete</button>
          <span class="save-note" role="status"></span>
        </div>
      </form>
      <div class="comments-slot"></div>
      <section class="task-history" aria-labelledby="task-history-title">
        <h3 id="task-history-title">History</h3>
        <ol class="history-list" tabindex="0" aria-labelledby="task-history-title"></ol>
      </section>`);
    this.find('.picker-slot').replaceWith(this.picker.el);
    this.find('.label-picker-slot').replaceWith(this.labelPicker.el);
    this.find('.description-slot').replaceWith(this.description.el);
    this.find('.comments-slot').replaceWith(this.comments.el);
    this.showDescription();
    this.renderHistory();
    return this;
  }

  private dates(): string {
    const started = this.model.get('started');
    const completed = this.model.get('completed');
    return [
      this.board.columnOf(this.model)?.title ?? '',
      started && `started ${showDate(started)}`,
      completed && `completed ${showDate(completed)}`,
    ]
      .filter(Boolean)
      .join(', ');
  }

  override open(focus: DetailFocus = 'first'): void {
    super.open();
    if (focus === 'assign') this.picker.focus(true);
    if (focus === 'label') this.labelPicker.focus(true);
  }

  /** Triggers `closed`, so the board can put the focus back on the task. */
  override remove(): this {
    clearTimeout(this.historyTimer);
    clearInterval(this.clockTimer);
    this.picker.remove();
    this.labelPicker.remove();
    this.description.remove();
    this.comments.remove();
    return super.remove();
  }

  /** Another board (or a move) changed the task: show it, except where the person is typing. */
  private refresh(): void {
    for (const field of FIELDS) {
      if (this.edited.has(field.name)) continue;
      this.find(`[data-field="${field.name}"]`).textContent = this.model.get(field.name) ?? '';
    }
    if (!this.edited.has('description')) {
      this.description.value = this.model.get('description') ?? '';
      this.showDescription();
    }
    if (!this.edited.has('points')) this.find('#task-points').innerHTML = pointOptions(this.model.get('points') ?? null).value;
    if (!this.edited.has('due')) this.find<HTMLInputElement>('#task-due').value = this.model.get('due') ?? '';
    this.picker.set(this.model.get('assigned') ?? null);
    this.labelPicker.set(this.model.get('labels') ?? []);
    const current = this.board.columnOf(this.model);
    if (current) this.find<HTMLSelectElement>('#task-column').value = current.key;
    this.find('.task-dates').textContent = this.dates();
  }

  /** The description rendered (links open safely, no script runs: markdown.ts), or its text to edit. */
  private showDescription(): void {
    const text = this.model.get('description') ?? '';
    const editing = this.describing || !text;
    this.find('.description-view').innerHTML = markdown(text, 2).value; // under the dialog's <h2>
    this.find('.description-read').hidden = editing;
    this.description.el.hidden = !editing;
  }

  editDescription(): void {
    this.describing = true;
    this.showDescription();
    this.description.focus();
  }

  /** A click on the rendered text edits it too (a click on one of its links follows the link). */
  editDescriptionAt(event: MouseEvent): void {
    if ((event.target as Element).closest('a') || window.getSelection()?.type === 'Range') return;
    this.editDescription();
  }

  markEdited(_event: Event, target: HTMLElement): void {
    this.edited.add(target.dataset.field as Edited);
    this.find('.save-note').textContent = '';
  }

  keepOneLine(event: KeyboardEvent): void {
    if (event.key !== 'Enter') return;
    event.preventDefault();
    this.find<HTMLFormElement>('.task-form').requestSubmit();
  }

  /** Pasted formatting would be saved as markup soup; keep the text only. */
  pastePlainText(event: ClipboardEvent): void {
    event.preventDefault();
    const text = event.clipboardData?.getData('text/plain') ?? '';
    const selection = window.getSelection();
    if (!selection?.rangeCount) return;
    const range = selection.getRangeAt(0);
    range.deleteContents();
    range.insertNode(document.createTextNode(text));
    range.collapse(false);
    (event.target as HTMLElement).dispatchEvent(new Event('input', { bubbles: true }));
  }

  /** The fields the person changed, with the values the API expects. */
  private changes(): Partial<TaskAttributes> {
    const changes: Record<string, unknown> = {};
    for (const field of FIELDS) {
      if (!this.edited.has(field.name)) continue;
      const element = this.find(`[data-field="${field.name}"]`);
      const text = (element.textContent ?? '').trim();
      if (text !== (this.model.get(field.name) ?? '')) changes[field.name] = text;
    }
    if (this.edited.has('description')) {
      const text = this.description.value.replace(/\s+$/, '');
      if (text !== (this.model.get('description') ?? '')) changes.description = text;
    }
    if (this.edited.has('points')) {
      const chosen = this.find<HTMLSelectElement>('#task-points').value;
      const points = chosen === '' ? null : Number(chosen);
      if (points !== (this.model.get('points') ?? null)) changes.points = points;
    }
    if (this.edited.has('due')) {
      const due = this.find<HTMLInputElement>('#task-due').value || null;
      if (due !== (this.model.get('due') ?? null)) changes.due = due;
    }
    if (this.picker.touched && this.picker.value !== (this.model.get('assigned') ?? null)) changes.assigned = this.picker.value;
    if (this.labelPicker.touched && this.labelPicker.value.join() !== (this.model.get('labels') ?? []).join()) changes.labels = this.labelPicker.value;
    return changes as Partial<TaskAttributes>;
  }

  async deleteTask(_event: Event, button: HTMLButtonElement): Promise<void> {
    const form = this.find<HTMLFormElement>('.task-form');
    clearErrors(form);
    button.disabled = true;
    try {
      await this.board.deleteTask(this.model); // the task's removal closes the dialog
    } catch (error) {
      button.disabled = false;
      showErrors(form, error);
    }
  }

  async submit(event: SubmitEvent, form: HTMLFormElement): Promise<void> {
    event.preventDefault();
    clearErrors(form);
    // A date typed in part reads as no date at all: say so rather than clear it.
    if (this.find<HTMLInputElement>('#task-due').validity.badInput) {
      return showErrors(form, new ApiError(400, 'Incomplete date.', { due: ['Enter a whole date (day, month and year), or clear the field.'] }));
    }
    const changes = this.changes();
    const column = COLUMNS.find((c) => c.key === this.find<HTMLSelectElement>('#task-column').value);
    const moving = column && column !== this.board.columnOf(this.model) ? column : null;
    if (Object.keys(changes).length === 0 && !moving) {
      this.find('.save-note').textContent = 'Nothing changed.';
      return;
    }
    try {
      await busy(form, 'Saving…', async () => {
        if (Object.keys(changes).length) await this.board.saveEdit(this.model, changes);
        this.edited.clear();
        this.picker.touched = false;
        this.labelPicker.touched = false;
        if (moving) await this.board.move(this.model, moving);
      });
      this.close();
    } catch (error) {
      showErrors(form, error);
    }
  }
}
