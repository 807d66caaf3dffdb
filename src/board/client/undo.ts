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
  private readonly stack: Undoable[] = [];
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
      events: { 'click .undo': 'undoLast', focusin: 'holdFocus', focusout: 'release', mouseleave: 'release' },
    });
    this.el.hidden = true;
    document.addEventListener('keydown', this.onKey);
  }

  /** A change was made; `near` is the card it moved, which the toast must not cover. */
  done(change: Undoable, near?: Element | null): void {
    this.stack.push(change);
    if (this.stack.length > MAX_UNDOS) this.stack.shift();
    this.show(html`<span class="undo-label">${isolateNames(change.label)}</span> <button type="button" class="undo link" aria-keyshortcuts="Control+Z">Undo</button>`, near);
  }

  async undoLast(): Promise<void> {
    const change = this.stack.pop();
    if (!change || this.busy) {
      if (change) this.stack.push(change);
      return;
    }
    this.busy = true;
    this.show(html`<span class="undo-label">Undoing…</span>`);
    try {
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
