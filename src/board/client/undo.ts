// Undo for the person's own changes on a board: each change (a move, an
// edit, an add, a delete) leaves a way back, offered in a toast for a few
// seconds and by Ctrl+Z (⌘Z on macOS) outside text fields. Undoing goes
// through the API with If-Match, so it overwrites nothing that someone else
// changed since; then it says so instead.
import { ApiError } from './api.ts';
import { html, isolateNames, isTextField, View } from './view.ts';

export interface Undoable {
  /** What was done, for the toast: "Moved “Write docs” to Completed." */
  label: string;
  /** Puts things back; rejects with UndoRefused when someone else changed them since. */
  undo(): Promise<void>;
}

/** The undo of a change the board shows before the server has answered for it (see UndoView.expect). */
export interface ExpectedUndo {
  /** The server answered: the change is made (or queued), and this puts it back. */
  done(change: Undoable, near?: Element | null): void;
  /** The change did not go through: nothing to undo, as `message` says should an undo have been asked for meanwhile. No-op after `done`. */
  failed(message: string): void;
}

/** A change on the undo stack: its undo, or one to come, or why there is none (the change did not go through). */
type UndoEntry = Undoable | Promise<Undoable | string>;

export class UndoRefused extends Error {
  override name = 'UndoRefused';
}

/** An API refusal of an undo's If-Match as the message the person sees. */
export function refusal(error: unknown, name: string): unknown {
  if (error instanceof ApiError && (error.status === 412 || error.status === 404)) {
    return new UndoRefused(`Cannot undo: someone else changed “${name}” since. Nothing was undone.`);
  }
  return error;
}

const TOAST_MS = 8000;
const MAX_UNDOS = 50;

/** The keyboard's way to the toast from anywhere on the board, as the help names it. */
export const TOAST_KEY = { label: 'Alt+U', matches: (event: KeyboardEvent) => event.altKey && !event.ctrlKey && !event.metaKey && event.code === 'KeyU' };

/**
 * The board's undo stack, with its toast; `done()` after each own change.
 * The toast stays while the pointer is over it or focus is in it (WCAG
 * 2.2.1), Alt+U takes focus to it, and when it goes focus returns to where
 * it was (2.4.3). It moves to the top of the screen rather than cover the
 * card it talks about.
 */
export class UndoView extends View {
  /** Newest last; a change shown before the server answered is its undo to come. */
  private readonly stack: UndoEntry[] = [];
  /** What the toast's Undo undoes. */
  private offered: UndoEntry | undefined;
  private timer: number | undefined;
  private busy = false;
  /** Where focus was before it came to the toast: where it goes back. */
  private returnTo: { element: HTMLElement; home: HTMLElement | null } | null = null;
  private readonly onKey = (event: KeyboardEvent) => {
    if (TOAST_KEY.matches(event) && !this.el.hidden && !document.querySelector('dialog[open]')) {
      event.preventDefault();
      this.el.querySelector<HTMLElement>('button')?.focus();
      return;
    }
    const mac = /Mac|iPhone|iPad/.test(navigator.platform);
    if (event.key.toLowerCase() !== 'z' || event.shiftKey || event.altKey || !(mac ? event.metaKey : event.ctrlKey)) return;
    if (isTextField(event.target) || document.querySelector('dialog[open]')) return;
    event.preventDefault();
    void this.undoLast();
  };

  constructor() {
    super({
      className: 'undo-toast',
      attributes: { role: 'status', 'aria-live': 'polite' },
      events: { 'click .undo': 'undoOffered', focusin: 'holdFocus', focusout: 'release', mouseleave: 'release' },
    });
    this.el.hidden = true;
    document.addEventListener('keydown', this.onKey);
  }

  /** A change was made; `near` is the card it moved, which the toast must not cover. */
  done(change: Undoable, near?: Element | null): void {
    this.push(change);
    this.offer(change, near);
  }

  /**
   * A change the board shows before the server answers for it (a move): its place on the stack is taken now, so
   * Ctrl+Z pressed before the answer undoes this change, once answered, and not the one before it.
   */
  expect(): ExpectedUndo {
    let settle!: (outcome: Undoable | string) => void;
    const entry = new Promise<Undoable | string>((resolve) => (settle = resolve));
    this.push(entry);
    let settled = false;
    return {
      done: (change, near) => {
        if (settled) return;
        settled = true;
        settle(change);
        // Already being undone: that says how it went, not this toast.
        if (this.stack.includes(entry)) this.offer(change, near, entry);
      },
      failed: (message) => {
        if (settled) return;
        settled = true;
        settle(message);
        const at = this.stack.indexOf(entry);
        if (at !== -1) this.stack.splice(at, 1);
      },
    };
  }

  private push(entry: UndoEntry): void {
    this.stack.push(entry);
    if (this.stack.length > MAX_UNDOS) this.stack.shift();
  }

  /** The toast offering to undo `change` (on the stack as `entry`): its Undo undoes that change, whatever came since. */
  private offer(change: Undoable, near?: Element | null, entry: UndoEntry = change): void {
    this.offered = entry;
    this.show(html`<span class="undo-label">${isolateNames(change.label)}</span> <button type="button" class="undo link" aria-keyshortcuts="Control+Z">Undo</button>`, near);
  }

  /** Ctrl+Z: the newest change, answered or not. */
  undoLast(): Promise<void> {
    return this.undoEntry(this.stack.at(-1));
  }

  /** The toast's Undo. */
  undoOffered(): Promise<void> {
    return this.undoEntry(this.offered);
  }

  private async undoEntry(entry: UndoEntry | undefined): Promise<void> {
    const at = entry ? this.stack.lastIndexOf(entry) : -1;
    if (this.busy || at === -1) return;
    this.stack.splice(at, 1);
    this.busy = true;
    this.show(html`<span class="undo-label">Undoing…</span>`);
    try {
      const change = await entry!;
      if (typeof change === 'string') return this.show(html`<span class="undo-label undo-refused">${isolateNames(change)}</span>`);
      await change.undo();
      this.show(html`<span class="undo-label">Undone: ${isolateNames(change.label)}</span>`);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      this.show(html`<span class="undo-label undo-refused">${isolateNames(error instanceof UndoRefused ? message : `Could not undo: ${message}`)}</span>`);
    } finally {
      this.busy = false;
    }
  }

  holdFocus(event: FocusEvent): void {
    const from = event.relatedTarget;
    if (from instanceof HTMLElement && from.isConnected && !this.el.contains(from)) this.returnTo = { element: from, home: from.parentElement };
  }

  /** Focus or the pointer left: the toast goes after its time, counted again. */
  release(): void {
    queueMicrotask(() => {
      if (!this.el.hidden && !this.held()) this.countDown();
    });
  }

  private held(): boolean {
    return this.el.matches(':hover') || this.el.contains(document.activeElement);
  }

  private show(markup: ReturnType<typeof html>, near?: Element | null): void {
    const hadFocus = this.el.contains(document.activeElement);
    this.el.innerHTML = markup.value;
    this.el.hidden = false;
    // The button that had focus is gone: focus stays in the toast rather than fall to the page.
    if (hadFocus) (this.el.querySelector<HTMLElement>('button') ?? this.focusSelf()).focus();
    this.el.classList.remove('at-top');
    if (near && overlaps(this.el.getBoundingClientRect(), near.getBoundingClientRect())) this.el.classList.add('at-top');
    this.countDown();
  }

  private focusSelf(): HTMLElement {
    this.el.tabIndex = -1;
    return this.el;
  }

  private countDown(): void {
    clearTimeout(this.timer);
    this.timer = window.setTimeout(() => this.hide(), TOAST_MS);
  }

  private hide(): void {
    if (this.held() && !this.el.matches(':focus')) return; // held: released later by focusout or mouseleave
    const hadFocus = this.el.contains(document.activeElement);
    this.el.hidden = true;
    if (hadFocus && this.returnTo) {
      // A card drawn again (after the undo moved it back) has a new button in the same place.
      const { element, home } = this.returnTo;
      (element.isConnected ? element : home?.querySelector<HTMLElement>('button, a, [tabindex]'))?.focus();
    }
    this.returnTo = null;
  }

  override remove(): this {
    clearTimeout(this.timer);
    document.removeEventListener('keydown', this.onKey);
    return super.remove();
  }
}

const overlaps = (a: DOMRect, b: DOMRect): boolean => a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
