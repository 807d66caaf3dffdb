// Choosing a task's labels: an ARIA 1.2 combobox (combobox.ts: an input that
// filters a multi-select listbox of the board's labels) for keyboard, mouse
// and touch, as the person picker is. The chosen labels show above it as chips,
// each with a button that takes it off; only labels of the board can be
// chosen (a name no label has is offered as a new label, made at once), and
// one deleted meanwhile drops out of the choice.
//
// Keys: ↓/↑ open the list and move through it, Enter takes or drops the
// highlighted label (the list stays open for more), Backspace in the empty
// field drops the last chosen label, Escape closes the list (a second Escape
// is the dialog's), Home/End go to the first/last label.
import { ApiError } from '../api.ts';
import { folded } from '../people.ts';
import { Label, labelChip, labelMatches, type Labels } from '../labels.ts';
import { save } from '../models.ts';
import { html, quotedName } from '../view.ts';
import { Combobox, COMBOBOX_EVENTS } from './combobox.ts';

export class LabelPicker extends Combobox<Label> {
  /** The chosen labels' ids, ascending (as the API answers them). */
  value: number[];
  /** The person changed the choice (the details save only what changed). */
  touched = false;
  /** The typed name offered as a new label, when no label has it. */
  private creating: string | null = null;

  private readonly labels: Labels;
  private readonly fieldId: string;
  constructor(labels: Labels, value: readonly number[], id = 'task-labels') {
    super({
      className: 'picker label-picker',
      events: {
        ...COMBOBOX_EVENTS,
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
    const name = typed.trim();
    // A name no label has yet: the last option makes it.
    this.creating = name !== '' && this.labels.url !== undefined && !this.labels.some((label) => folded(label.get('name') ?? '') === folded(name)) ? name : null;
    list.innerHTML = html`${this.shown.map(
      (label, i) => html`<li role="option" id="${this.fieldId}-option-${i}" data-label-id="${label.key}" aria-selected="${this.value.includes(label.key)}"><span class="label-check" aria-hidden="true"></span>${labelChip(label)}</li>`,
    )}${this.creating !== null && html`<li role="option" id="${this.fieldId}-option-new" class="label-create" aria-selected="false"><span class="label-check" aria-hidden="true">+</span>New label ${quotedName(this.creating)}</li>`}`.value;
    this.shownOpen(keep);
    // What was just chosen stays said while there is a list; an empty one says why.
    if (this.shown.length === 0) {
      this.find('.picker-note').innerHTML =
        this.creating !== null
          ? html`No label is named ${quotedName(this.creating)}: choose “New label” to add it.`.value
          : 'The board has no labels yet: add them with the Labels button on the board.';
    }
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
    if (index === this.shown.length && this.creating !== null) return void this.create(this.creating);
    const label = this.shown[index];
    if (!label) return;
    const filtered = this.input.value !== '';
    this.input.value = '';
    this.toggleLabel(label);
    this.open(filtered ? this.labels.indexOf(label) : index);
  }

  /** A new label of this name (the palette's first colour; the Labels dialog changes it), chosen at once; the API's refusal said in words. */
  private async create(name: string): Promise<void> {
    const label = new Label({ name }, { collection: this.labels });
    this.find('.picker-note').textContent = `Adding the label “${name}”…`;
    try {
      await save(label, null);
    } catch (error) {
      this.find('.picker-note').innerHTML = html`Could not add the label ${quotedName(name)}: ${error instanceof ApiError || error instanceof Error ? error.message : String(error)}`.value;
      return;
    }
    this.labels.add(label, { merge: true }); // the live channel may have brought it already
    const added = this.labels.get(label.key) ?? label;
    this.input.value = '';
    this.toggleLabel(added);
    this.open(this.labels.indexOf(added));
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
