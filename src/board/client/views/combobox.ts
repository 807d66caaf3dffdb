// What the board's pickers (person-picker.ts, label-picker.ts) share: an
// ARIA 1.2 combobox, an input whose listbox (`.picker-list`) of options opens
// below it, with a toggle button (`.picker-toggle`) for pointers. The keys:
// ↓/↑ open the list and move through it, Home/End go to its ends, Enter
// takes the highlighted option, Escape closes the list (not the dialog it is
// in). A picker says what its options are and what choosing one does.
import { View } from '../view.ts';

/** The events every picker handles alike; each adds its own (`typed`, `key` and `left` are its). */
export const COMBOBOX_EVENTS = {
  'input input': 'typed',
  'keydown input': 'key',
  'focusout input': 'left',
  'click .picker-toggle': 'toggle',
  'mousedown [role="option"]': 'keepFocus',
  'click [role="option"]': 'clicked',
};

export abstract class Combobox<Option> extends View {
  /** The options the list shows now, in order. */
  protected shown: Option[] = [];
  /** The highlighted option's index in `shown`; -1 for none. */
  protected active = -1;

  /** Show the list (afresh, for what is typed). */
  protected abstract openList(): void;
  /** The person took the option at this index of `shown`. */
  protected abstract choose(index: number): void;

  get input(): HTMLInputElement {
    return this.find<HTMLInputElement>('input[role="combobox"]');
  }

  protected isOpen(): boolean {
    return !this.find('.picker-list').hidden;
  }

  /** Mark the list open, highlighting the option at `index` (kept within the list). */
  protected shownOpen(index: number): void {
    this.find('.picker-list').hidden = false;
    this.input.setAttribute('aria-expanded', 'true');
    this.find('.picker-toggle').setAttribute('aria-expanded', 'true');
    this.highlight(index);
  }

  protected close(): void {
    this.find('.picker-list').hidden = true;
    this.input.setAttribute('aria-expanded', 'false');
    this.input.removeAttribute('aria-activedescendant');
    this.find('.picker-toggle').setAttribute('aria-expanded', 'false');
    this.active = -1;
  }

  /** Escape closed the list. */
  protected dismiss(): void {
    this.close();
  }

  protected highlight(index: number): void {
    const options = [...this.el.querySelectorAll<HTMLElement>('[role="option"]')];
    this.active = options.length ? Math.min(Math.max(index, 0), options.length - 1) : -1;
    options.forEach((option, i) => option.classList.toggle('active', i === this.active));
    const current = options[this.active];
    if (current) {
      this.input.setAttribute('aria-activedescendant', current.id);
      current.scrollIntoView({ block: 'nearest' });
    } else this.input.removeAttribute('aria-activedescendant');
  }

  /** The list's own keys; true when the key was one of them (the picker leaves it alone then). */
  protected listKey(event: KeyboardEvent): boolean {
    const open = this.isOpen();
    switch (event.key) {
      case 'ArrowDown':
      case 'ArrowUp':
        event.preventDefault();
        if (!open) this.openList();
        else if (!event.altKey) this.highlight(this.active + (event.key === 'ArrowDown' ? 1 : -1));
        return true;
      case 'Home':
      case 'End':
        if (!open) return false;
        event.preventDefault();
        this.highlight(event.key === 'Home' ? 0 : Number.MAX_SAFE_INTEGER); // the last option
        return true;
      case 'Enter':
        // Never submits the form from the open list.
        if (!open) return false;
        event.preventDefault();
        if (this.active >= 0) this.choose(this.active);
        return true;
      case 'Escape':
        if (!open) return false;
        event.preventDefault(); // the list closes, not the dialog
        event.stopPropagation();
        this.dismiss();
        return true;
      default:
        return false;
    }
  }

  toggle(): void {
    if (this.isOpen()) this.close();
    else this.openList();
    this.input.focus();
  }

  keepFocus(event: MouseEvent): void {
    event.preventDefault(); // the input keeps focus, so the list is not closed under the pointer
  }

  clicked(_event: Event, option: HTMLElement): void {
    this.choose([...this.el.querySelectorAll('[role="option"]')].indexOf(option));
    this.input.focus();
  }
}
