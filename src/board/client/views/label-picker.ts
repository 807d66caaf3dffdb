// Choosing a task's labels: an ARIA 1.2 combobox (combobox.ts: an input that
// filters a multi-select listbox of the board's labels) for keyboard, mouse
// and touch, as the person picker is. The chosen labels show above it as chips,
// each with a button that takes it off; only labels of the board can be
// chosen, and one deleted meanwhile drops out of the choice.
//
// Keys: ↓/↑ open the list and move through it, Enter takes or drops the
// highlighted label (the list stays open for more), Backspace in the empty
// field drops the last chosen label, Escape closes the list (a second Escape
// is the dialog's), Home/End go to the first/last label.
import { Label, labelChip, labelMatches, type Labels } from '../labels.ts';
import { html, quotedName } from '../view.ts';
import { Combobox } from './combobox.ts';

export class LabelPicker extends Combobox<Label> {
  /** The chosen labels' ids, ascending (as the API answers them). */
  value: number[];
  /** The person changed the choice (the details save only what changed). */
  touched = false;

  private readonly labels: Labels;
  private readonly fieldId: string;
  constructor(labels: Labels, value: readonly number[], id = 'task-labels') {
    super({
      className: 'picker label-picker',
      events: {
        'input input': 'typed',
        'keydown input': 'key',
        'focusout input': 'left',
        'click .picker-toggle': 'toggle',
        'mousedown [role="option"]': 'keepFocus',
        'click [role="option"]': 'clicked',
        'click .label-unchoose': 'unchoose',
      },
    });
    this.labels = labels;
    this.value = [...value];
    this.fieldId = id;
    this.setHtml(html`
      <label for="${id}" id="${id}-label">Labels</label>
      <ul class="label-chosen" aria-label="Chosen labels"></ul>
      <div class="picker-field">
        <input id="${id}" name="labels" data-field="labels" role="combobox" aria-autocomplete="list" aria-expanded="false"
          aria-controls="${id}-list" autocomplete="off" spellcheck="false" dir="auto" placeholder="Add a label" aria-describedby="${id}-note">
        <button type="button" class="picker-toggle" tabindex="-1" aria-label="Show labels" aria-controls="${id}-list" aria-expanded="false">▾</button>
      </div>
      <ul class="picker-list" id="${id}-list" role="listbox" aria-multiselectable="true" aria-labelledby="${id}-label" hidden></ul>
      <p class="picker-note" id="${id}-note" role="status"></p>
      <p class="field-error" data-error-for="labels"></p>`);
    this.listenTo(labels, 'remove', (label: Label) => this.drop(label.key));
    this.listenTo(labels, 'load add remove change sort', this.redraw);
    this.renderChosen();
  }

  /** Set from outside (another board changed the task), unless the person is choosing. */
  set(value: readonly number[]): void {
    if (this.touched) return;
    this.value = [...value];
    this.redraw();
  }

  focus(open = false): void {
    this.input.focus();
    if (open) this.open();
  }

  /** A label deleted on any board is no longer chosen (the server took it off the task too). */
  private drop(id: number): void {
    this.value = this.value.filter((chosen) => chosen !== id);
  }

  private redraw(): void {
    this.renderChosen();
    if (this.isOpen()) this.open(this.active);
  }

  private renderChosen(): void {
    const chosen = this.labels.of(this.value);
    this.find('.label-chosen').innerHTML = html`${chosen.map(
      (label) => html`<li>${labelChip(label)}<button type="button" class="label-unchoose icon" data-label-id="${label.key}" aria-label="Remove label ${label.get('name')}">×</button></li>`,
    )}`.value;
    this.find('.label-chosen').hidden = chosen.length === 0;
  }

  /** Show the labels the typed text finds, highlighting the one at `keep` (or the first). */
  private open(keep = 0): void {
    const typed = this.input.value;
    const list = this.find('.picker-list');
    this.shown = this.labels.filter((label) => labelMatches(label, typed));
    list.innerHTML = html`${this.shown.map(
      (label, i) => html`<li role="option" id="${this.fieldId}-option-${i}" data-label-id="${label.key}" aria-selected="${this.value.includes(label.key)}"><span class="label-check" aria-hidden="true"></span>${labelChip(label)}</li>`,
    )}`.value;
    this.shownOpen(keep);
    // What was just chosen stays said while there is a list; an empty one says why.
    if (this.shown.length === 0) this.find('.picker-note').innerHTML = this.labels.length === 0
        ? 'The board has no labels yet: add them with the Labels button on the board.'
        : html`No label matches ${quotedName(typed.trim())}.`.value;
  }

  protected openList(): void {
    this.open();
  }

  /** Take the label if it is not chosen, drop it if it is; say which. */
  private toggleLabel(label: Label): void {
    const chosen = this.value.includes(label.key);
    this.value = chosen ? this.value.filter((id) => id !== label.key) : [...this.value, label.key].sort((a, b) => a - b);
    this.touched = true;
    this.renderChosen();
    const count = this.labels.of(this.value).length;
    this.find('.picker-note').innerHTML = html`${quotedName(label.get('name'))} ${chosen ? 'removed' : 'added'}; ${count === 0 ? 'no labels' : count === 1 ? '1 label' : `${count} labels`} chosen.`.value;
    this.trigger('chosen', this.value);
  }

  /** Take or drop the highlighted label; the typed filter is done with, the list stays open for more. */
  protected choose(index: number): void {
    const label = this.shown[index];
    if (!label) return;
    const filtered = this.input.value !== '';
    this.input.value = '';
    this.toggleLabel(label);
    this.open(filtered ? this.labels.indexOf(label) : index);
  }

  typed(): void {
    this.find('.picker-note').textContent = '';
    this.open();
  }

  /** Backspace in the empty field takes the last chosen label off. */
  key(event: KeyboardEvent): void {
    if (this.listKey(event)) return;
    const last = this.labels.of(this.value).at(-1);
    if (event.key !== 'Backspace' || this.input.value !== '' || !last) return;
    event.preventDefault();
    this.toggleLabel(last);
    if (this.isOpen()) this.open(this.active);
  }

  /** Leaving the field: the list closes, and text that chose nothing goes. */
  left(event: FocusEvent): void {
    if (event.relatedTarget === this.find('.picker-toggle')) return;
    this.close();
    this.input.value = '';
  }

  /** A chip's ×: the label comes off; focus goes to the field (the button is gone). */
  unchoose(_event: Event, button: HTMLElement): void {
    const label = this.labels.get(Number(button.dataset.labelId));
    if (label) this.toggleLabel(label);
    else {
      this.drop(Number(button.dataset.labelId));
      this.touched = true;
      this.renderChosen();
    }
    if (this.isOpen()) this.open(this.active);
    this.input.focus();
  }
}
