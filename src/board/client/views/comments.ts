// A task's comments in its details (GET/POST /api/tasks/<id>/comments/):
// each with its author's avatar and name, its Markdown rendered safely, when
// it was written and whether it was edited; a composer with a preview; Edit
// and Delete (after a confirmation) on the person's own comments only, as the
// API allows. Other boards' comments arrive live (the board hands over the
// live channel's `comment` messages) and are announced politely, without
// taking the focus. What a person typed is never lost: a refused post or edit
// keeps the text beside the error, and an unsent comment stays as a draft
// (for the tab's life) when the details close.
import { ApiError, request } from '../api.ts';
import { busy, clearErrors, showErrors, tooLong } from '../forms.ts';
import { ago } from '../history.ts';
import type { BoardMessage } from '../live.ts';
import { fetchAllPages, type Task } from '../models.ts';
import { avatar, displayName, type People } from '../people.ts';
import { html, View } from '../view.ts';
import { markdown } from '../markdown.ts';
import { MarkdownEditor } from './markdown-editor.ts';

export interface CommentData {
  id: number;
  task: number;
  /** Null once the author's account is deleted. */
  author: string | null;
  body: string;
  created: string;
  edited: string | null;
  links: { self: string; task: string };
}

/** The API's limit on a comment's body. */
const MAX_BODY = 10_000;

/** Comments sit under the section's <h3>: their headings start at <h4>. */
const COMMENT_UNDER = 3;

const drafts = {
  key: (url: string) => `board.comment-draft:${url}`,
  read(url: string): string {
    try {
      return sessionStorage.getItem(this.key(url)) ?? '';
    } catch {
      return '';
    }
  },
  write(url: string, text: string): void {
    try {
      if (text) sessionStorage.setItem(this.key(url), text);
      else sessionStorage.removeItem(this.key(url));
    } catch {
      // Storage disabled: the draft lives as long as the details stay open.
    }
  },
};

/** A blank comment is refused here, as the API would, without a round trip. */
const blank = (form: HTMLElement): void => showErrors(form, new ApiError(400, 'Write something first.', { body: ['Write something first.'] }));

/** When, in words, with the exact time on hover. */
const when = (at: string) => html`<time datetime="${at}" title="${new Date(at).toLocaleString()}">${ago(at)}</time>`;

/** One comment: read, being edited, or asking to confirm its deletion. */
class CommentView extends View {
  data: CommentData;
  private editor: MarkdownEditor | null = null;
  /** Deleted elsewhere while being edited here: kept until the edit is cancelled. */
  private gone = false;
  private readonly list: CommentsView;
  constructor(data: CommentData, list: CommentsView) {
    super({
      tagName: 'li',
      className: 'comment',
      events: {
        'click .comment-edit': 'edit',
        'submit .comment-edit-form': 'save',
        'click .comment-cancel-edit': 'cancelEdit',
        'click .comment-delete': 'askDelete',
        'click .comment-confirm-delete': 'delete',
        'click .comment-keep': 'cancelDelete',
      },
    });
    this.data = data;
    this.list = list;
    this.el.dataset.commentId = String(data.id);
    this.render();
  }

  get editing(): boolean {
    return this.editor !== null;
  }

  /** New data (ours, or another board's): shown, except over an edit in progress. */
  update(data: CommentData): void {
    this.data = data;
    if (!this.editing) this.render();
  }

  override render(): this {
    const { id, author, body, created, edited } = this.data;
    const person = author === null ? null : this.list.people.find(author);
    this.setHtml(html`
      <article aria-labelledby="comment-${id}-meta">
        <p class="comment-meta" id="comment-${id}-meta">
          ${person ? avatar(person, { named: false }) : html`<span class="avatar avatar-none" aria-hidden="true">?</span>`}
          <span class="comment-author" dir="auto">${person ? displayName(person) : 'A deleted user'}</span>
          <span class="comment-when">${when(created)}</span>${edited && html` <span class="comment-edited" title="Edited ${new Date(edited).toLocaleString()}">(edited)</span>`}
        </p>
        <div class="comment-body markdown" dir="auto">${markdown(body, COMMENT_UNDER)}</div>
        ${this.own() && html`<div class="comment-actions">
          <button type="button" class="comment-edit link" aria-describedby="comment-${id}-meta">Edit</button>
          <button type="button" class="comment-delete link" aria-describedby="comment-${id}-meta">Delete</button>
        </div>`}
        <div class="comment-problem" role="alert"></div>
      </article>`);
    return this;
  }

  /** Only the author edits or deletes a comment (the API refuses anyone else). */
  private own(): boolean {
    return this.data.author !== null && this.data.author === this.list.people.me;
  }

  /** "2 minutes ago" moves on. */
  tick(): void {
    const time = this.el.querySelector('.comment-when');
    if (time) time.innerHTML = when(this.data.created).value;
  }

  edit(): void {
    this.editor = new MarkdownEditor({ id: `comment-${this.data.id}-body`, name: 'body', label: 'Edit your comment', value: this.data.body, maxChars: MAX_BODY, under: COMMENT_UNDER });
    const form = document.createElement('form');
    form.className = 'comment-edit-form';
    form.noValidate = true;
    form.innerHTML = html`<div class="form-errors" role="alert"></div><div class="editor-slot"></div>
      <div class="actions"><button type="submit" class="primary">Save comment</button><button type="button" class="comment-cancel-edit">Cancel</button></div>`.value;
    form.querySelector('.editor-slot')!.replaceWith(this.editor.el);
    this.find('.comment-body').replaceWith(form);
    this.el.querySelector('.comment-actions')?.remove();
    this.editor.focus();
  }

  async save(event: SubmitEvent, form: HTMLFormElement): Promise<void> {
    event.preventDefault();
    const text = this.editor!.value;
    clearErrors(form);
    if (!text.trim()) return blank(form);
    const long = tooLong(form);
    if (long) return showErrors(form, long);
    try {
      const saved = (await busy(form, 'Saving…', () => request(this.data.links.self, { method: 'PATCH', body: { body: text } }))) as CommentData;
      this.closeEditor();
      this.update(saved);
      this.list.changed();
      this.find<HTMLElement>('.comment-edit').focus();
      this.list.say('Comment saved.');
    } catch (error) {
      showErrors(form, error); // the text stays in the field
    }
  }

  cancelEdit(): void {
    this.closeEditor();
    if (this.gone) return this.list.removed(this.data.id, null);
    this.render();
    this.find<HTMLElement>('.comment-edit').focus();
  }

  private closeEditor(): void {
    this.editor?.remove();
    this.editor = null;
  }

  /** Deleted on another board while being edited here: the text stays, to be copied. */
  orphan(): void {
    const form = this.el.querySelector<HTMLFormElement>('.comment-edit-form');
    if (!form) return;
    form.querySelector('.form-errors')!.innerHTML = html`<p>This comment was deleted meanwhile. Your text is still below, to copy.</p>`.value;
    form.querySelector<HTMLButtonElement>('button[type="submit"]')!.disabled = true;
    this.gone = true;
  }

  askDelete(): void {
    const actions = this.find('.comment-actions');
    const question = `comment-${this.data.id}-confirm`;
    // The buttons carry the question, so that a screen reader says it where the focus lands.
    actions.innerHTML = html`<span class="comment-confirm" id="${question}">Delete this comment? This cannot be undone.</span>
      <button type="button" class="comment-confirm-delete danger" aria-describedby="${question}">Delete comment</button>
      <button type="button" class="comment-keep" aria-describedby="${question}">Keep it</button>`.value;
    this.find<HTMLElement>('.comment-keep').focus();
  }

  cancelDelete(): void {
    this.render();
    this.find<HTMLElement>('.comment-delete').focus();
  }

  async delete(_event: Event, button: HTMLButtonElement): Promise<void> {
    const problem = this.find('.comment-problem');
    problem.textContent = '';
    button.disabled = true;
    try {
      await request(this.data.links.self, { method: 'DELETE' });
      this.list.removed(this.data.id, 'Comment deleted.');
    } catch (error) {
      button.disabled = false;
      problem.textContent = `Could not delete the comment: ${error instanceof Error ? error.message : String(error)}`;
    }
  }

  override remove(): this {
    this.closeEditor();
    return super.remove();
  }
}

/** The comments section of a task's details; triggers `changed` when a comment is added, edited or deleted. */
export class CommentsView extends View {
  readonly people: People;
  private readonly task: Task;
  private readonly items = new Map<number, CommentView>();
  private readonly composer: MarkdownEditor;
  private loaded = false;

  constructor(task: Task, people: People) {
    super({
      tagName: 'section',
      className: 'task-comments',
      attributes: { 'aria-labelledby': 'task-comments-title' },
      events: { 'submit .comment-composer': 'post', 'input .comment-composer textarea': 'keepDraft', 'click .retry-comments': 'load' },
    });
    this.task = task;
    this.people = people;
    this.composer = new MarkdownEditor({ id: 'comment-new', name: 'body', label: 'Add a comment', placeholder: 'Write a comment', rows: 3, maxChars: MAX_BODY, under: COMMENT_UNDER });
    this.setHtml(html`
      <h3 id="task-comments-title">Comments <span class="comment-count"></span></h3>
      <ol class="comment-list" aria-labelledby="task-comments-title"></ol>
      <div class="comments-state"></div>
      <p class="comments-announce visually-hidden" role="status" aria-live="polite"></p>
      <form class="comment-composer" novalidate>
        <div class="form-errors" role="alert"></div>
        <div class="editor-slot"></div>
        <div class="actions"><button type="submit" class="primary">Comment</button></div>
      </form>`);
    this.find('.editor-slot').replaceWith(this.composer.el);
    this.listenTo(people, 'change', this.renderAll);
    // A task added while the server could not be reached gets its comments' URL once it is created.
    this.listenTo(task, 'change:links', () => void (!this.loaded && this.load()));
    this.showComposer();
    void this.load();
  }

  /** The comments' URL: a task the server has not created yet (added offline) has none. */
  private get url(): string | undefined {
    return this.task.get('links')?.comments;
  }

  private showComposer(): void {
    const form = this.find<HTMLFormElement>('.comment-composer');
    form.hidden = !this.url;
    if (this.url && !this.composer.value) this.composer.value = drafts.read(this.url);
  }

  /** Every comment of the task (again after a dropped live connection). */
  async load(): Promise<void> {
    const url = this.url;
    const state = this.find('.comments-state');
    if (!url) {
      state.innerHTML = html`<p class="empty">Comments can be added once the task is saved.</p>`.value;
      return;
    }
    this.showComposer();
    if (!this.loaded) state.innerHTML = html`<p class="loading" role="status"><span class="spinner" aria-hidden="true"></span>Loading comments…</p>`.value;
    try {
      const comments = await fetchAllPages<CommentData>(url);
      const ids = new Set(comments.map((comment) => comment.id));
      for (const id of [...this.items.keys()]) if (!ids.has(id)) this.drop(id);
      for (const comment of comments) this.upsert(comment);
      this.loaded = true;
      state.replaceChildren();
    } catch (error) {
      state.innerHTML = html`<div class="failure" role="alert"><p>Could not load the comments. ${error instanceof Error ? error.message : ''}</p><button type="button" class="retry-comments">Retry</button></div>`.value;
    }
    this.count();
  }

  /** A `comment` message of the live channel: another board (or this one) wrote. */
  receive(message: BoardMessage): void {
    const comment = message.body as CommentData | undefined;
    if (message.model !== 'comment' || !comment || comment.task !== this.task.key) return;
    if (message.action === 'remove') {
      if (this.items.has(message.id)) this.removed(message.id, null);
      return;
    }
    const isNew = !this.items.has(comment.id);
    this.upsert(comment);
    this.changed();
    if (isNew && message.action === 'add' && comment.author !== this.people.me) {
      const who = comment.author === null ? 'someone' : displayName(this.people.find(comment.author));
      const words = comment.body.replace(/\s+/g, ' ').trim();
      this.say(`New comment from ${who}: ${words.length > 120 ? `${words.slice(0, 120)}…` : words}`);
    }
  }

  /** Add it in its place (oldest first), or show its new version. */
  private upsert(comment: CommentData): void {
    const existing = this.items.get(comment.id);
    if (existing) return existing.update(comment);
    const item = new CommentView(comment, this);
    this.items.set(comment.id, item);
    const list = this.find('.comment-list');
    const next = [...this.items.values()].filter((other) => other.data.id > comment.id).sort((a, b) => a.data.id - b.data.id)[0];
    list.insertBefore(item.el, next?.el ?? null);
  }

  private drop(id: number): void {
    const item = this.items.get(id);
    if (!item) return;
    if (item.editing) return item.orphan();
    item.remove();
    this.items.delete(id);
  }

  /** A comment is gone (deleted here, `said` then, or on another board): focus, if it was there, goes to a neighbour. */
  removed(id: number, said: string | null): void {
    const item = this.items.get(id);
    if (!item) return;
    const hadFocus = item.el.contains(document.activeElement);
    const neighbour = item.el.nextElementSibling ?? item.el.previousElementSibling;
    this.drop(id);
    this.changed();
    if (said) this.say(said);
    if (hadFocus && !item.el.isConnected) {
      (neighbour?.querySelector<HTMLElement>('button') ?? this.composer.textarea).focus();
    }
  }

  /** A comment was added, edited or deleted (here or elsewhere), and with it the task's history. */
  changed(): void {
    this.count();
    this.trigger('changed');
  }

  private count(): void {
    const n = this.items.size;
    this.find('.comment-count').textContent = this.loaded || n ? `(${n})` : '';
    this.el.classList.toggle('no-comments', n === 0);
  }

  /** Polite: read when the screen reader is free; the focus stays where it is. */
  say(words: string): void {
    this.find('.comments-announce').textContent = words;
  }

  private renderAll(): void {
    for (const item of this.items.values()) if (!item.editing) item.render();
  }

  tick(): void {
    for (const item of this.items.values()) item.tick();
  }

  keepDraft(): void {
    if (this.url) drafts.write(this.url, this.composer.value);
  }

  async post(event: SubmitEvent, form: HTMLFormElement): Promise<void> {
    event.preventDefault();
    const url = this.url;
    if (!url) return;
    const text = this.composer.value;
    clearErrors(form);
    if (!text.trim()) return blank(form);
    const long = tooLong(form);
    if (long) return showErrors(form, long);
    try {
      const comment = (await busy(form, 'Posting…', () => request(url, { method: 'POST', body: { body: text } }))) as CommentData;
      this.upsert(comment);
      this.changed();
      this.composer.value = '';
      drafts.write(url, '');
      this.composer.focus();
      this.say('Comment added.');
    } catch (error) {
      showErrors(form, error); // the text stays in the composer (and in the draft)
    }
  }

  override remove(): this {
    for (const item of this.items.values()) item.remove();
    this.composer.remove();
    return super.remove();
  }
}
