// The board's single-key shortcuts and the `?` dialog that lists them. None
// fires while typing (text fields, contenteditable), with Ctrl, Alt or ⌘
// held, or while a dialog is open: Escape there is the dialog's own. The
// board says what each does (`ShortcutActions`); the list of keys and their
// words is here, once, for the handler and the help alike.
import { DialogView } from './dialog.ts';
import { TOAST_KEY } from './undo.ts';
import { html, isTextField } from './view.ts';

export interface ShortcutActions {
  newTask(): void;
  search(): void;
  /** The focused card's details; false when no card has focus. */
  edit(): boolean;
  assign(): boolean;
  label(): boolean;
  help(): void;
}

interface Shortcut {
  key: string;
  /** As the help shows it, and for aria-keyshortcuts. */
  label: string;
  does: string;
  run?: (actions: ShortcutActions) => boolean | void;
}

export const SHORTCUTS: Shortcut[] = [
  { key: 'n', label: 'N', does: 'Add a new task to the backlog', run: (a) => a.newTask() },
  { key: '/', label: '/', does: 'Search the tasks', run: (a) => a.search() },
  { key: 'e', label: 'E', does: 'Edit the focused task', run: (a) => a.edit() },
  { key: 'a', label: 'A', does: 'Assign the focused task', run: (a) => a.assign() },
  { key: 'l', label: 'L', does: 'Label the focused task', run: (a) => a.label() },
  { key: '?', label: '?', does: 'Show these shortcuts', run: (a) => a.help() },
  { key: 'Escape', label: 'Esc', does: 'Close a dialog or a list; in the search, clear it' },
];

/** Keys the board already had, listed with the rest. */
const OTHER_KEYS = (mac: boolean) => [
  { label: 'Shift+←  Shift+→', does: 'Move the focused task to the previous or next column' },
  { label: 'Shift+↑  Shift+↓', does: 'Move the focused task up or down' },
  { label: mac ? '⌘Z' : 'Ctrl+Z', does: 'Undo your last change' },
  { label: TOAST_KEY.label, does: 'Go to the Undo button' },
];

/** Listens on the document while the board is shown. */
export class Shortcuts {
  private readonly onKey = (event: KeyboardEvent): void => {
    if (event.ctrlKey || event.altKey || event.metaKey || event.repeat || event.defaultPrevented) return;
    if (isTextField(event.target) || document.querySelector('dialog[open]')) return;
    const key = event.key.length === 1 ? event.key.toLowerCase() : event.key;
    const shortcut = SHORTCUTS.find((candidate) => candidate.run && candidate.key === key);
    if (!shortcut?.run) return;
    // A key that did nothing (no focused card) leaves the browser's own use of it alone.
    if (shortcut.run(this.actions) !== false) event.preventDefault();
  };

  private readonly actions: ShortcutActions;
  constructor(actions: ShortcutActions) {
    this.actions = actions;
    document.addEventListener('keydown', this.onKey);
  }

  remove(): void {
    document.removeEventListener('keydown', this.onKey);
  }
}

/** The `?` dialog: every key of the board, in a table. */
export class ShortcutsHelp extends DialogView {
  constructor() {
    super({ tagName: 'dialog', className: 'shortcuts-help', attributes: { 'aria-labelledby': 'shortcuts-title' }, events: { 'click .close': 'close', close: 'remove' } });
    const mac = /Mac|iPhone|iPad/.test(navigator.platform);
    const rows = [...SHORTCUTS.map(({ label, does }) => ({ label, does })), ...OTHER_KEYS(mac)];
    this.setHtml(html`
      <div class="detail-head">
        <h2 id="shortcuts-title">Keyboard shortcuts</h2>
        <button type="button" class="close icon" aria-label="Close">×</button>
      </div>
      <p class="help">Single keys work anywhere on the board except while typing in a field.</p>
      <table>
        <thead><tr><th scope="col">Key</th><th scope="col">What it does</th></tr></thead>
        <tbody>${rows.map(({ label, does }) => html`<tr><th scope="row"><kbd>${label}</kbd></th><td>${does}</td></tr>`)}</tbody>
      </table>
      <div class="actions"><button type="button" class="close primary">Close</button></div>`);
  }
}
