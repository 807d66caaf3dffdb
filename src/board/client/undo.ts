// Undo for the person's own changes on a board: each change (a move, an
// edit, an add, a delete) leaves a way back, offered in a toast for a few
// seconds and by Ctrl+Z (⌘Z on macOS) outside text fields. Undoing goes
// through the API with If-Match, so it overwrites nothing that someone else
// changed since; then it says so instead.
import { ApiError } from './api.ts';
import { html, View } from './view.ts';

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

/** Typing in these must keep the browser's own undo. */
const isTextField = (target: EventTarget | null): boolean =>
  target instanceof HTMLElement && (target.isContentEditable || target.matches('input, textarea, select'));

/** The board's undo stack, with its toast; `done()` after each own change. */
export class UndoView extends View {
  private readonly stack: Undoable[] = [];
  private timer: number | undefined;
  private busy = false;
  private readonly onKey = (event: KeyboardEvent) => {
    const mac = /Mac|iPhone|iPad/.test(navigator.platform);
    if (event.key.toLowerCase() !== 'z' || event.shiftKey || event.altKey || !(mac ? event.metaKey : event.ctrlKey)) return;
    if (isTextField(event.target) || document.querySelector('dialog[open]')) return;
    event.preventDefault();
    void this.undoLast();
  };

  constructor() {
    super({ className: 'undo-toast', attributes: { role: 'status', 'aria-live': 'polite' }, events: { 'click .undo': 'undoLast' } });
    this.el.hidden = true;
    document.addEventListener('keydown', this.onKey);
  }

  done(change: Undoable): void {
    this.stack.push(change);
    if (this.stack.length > MAX_UNDOS) this.stack.shift();
    this.show(html`<span class="undo-label">${change.label}</span> <button type="button" class="undo link">Undo</button>`);
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
      this.show(html`<span class="undo-label">Undone: ${change.label}</span>`);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      this.show(html`<span class="undo-label undo-refused">${error instanceof UndoRefused ? message : `Could not undo: ${message}`}</span>`);
    } finally {
      this.busy = false;
    }
  }

  private show(markup: ReturnType<typeof html>): void {
    this.el.innerHTML = markup.value;
    this.el.hidden = false;
    clearTimeout(this.timer);
    this.timer = window.setTimeout(() => (this.el.hidden = true), TOAST_MS);
  }

  override remove(): this {
    clearTimeout(this.timer);
    document.removeEventListener('keydown', this.onKey);
    return super.remove();
  }
}
