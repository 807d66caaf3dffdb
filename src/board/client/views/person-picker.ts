// Choosing who a task is assigned to: an ARIA 1.2 combobox (an input that
// filters a listbox of people) for keyboard, mouse and touch. Only a person
// in the list, or nobody, can be chosen: text that names no one is put back
// to the choice when the field is left, and the list says nobody matches.
//
// Keys: ↓/↑ open the list and move through it, Enter (or Tab) takes the
// highlighted person, Escape closes the list (a second Escape is the
// dialog's), Home/End go to the first/last person.
import { avatar, displayName, personMatches, type People, type Person } from '../people.ts';
import { html } from '../view.ts';
import { Combobox, COMBOBOX_EVENTS } from './combobox.ts';

/** "Nobody": the first option, to unassign. */
const NOBODY = '';

export class PersonPicker extends Combobox<Person | null> {
  /** The chosen username; null for nobody. */
  value: string | null;
  /** The person changed the choice (the details save only what changed). */
  touched = false;

  private readonly people: People;
  private readonly fieldId: string;
  constructor(people: People, value: string | null, id = 'task-assigned') {
    super({
      className: 'picker',
      events: COMBOBOX_EVENTS,
    });
    this.people = people;
    this.value = value;
    this.fieldId = id;
    this.setHtml(html`
      <label for="${id}" id="${id}-label">Assigned to</label>
      <div class="picker-field">
        <span class="picker-avatar"></span>
        <input id="${id}" name="assigned" data-field="assigned" role="combobox" aria-autocomplete="list" aria-expanded="false"
          aria-controls="${id}-list" autocomplete="off" autocapitalize="none" spellcheck="false" dir="auto" placeholder="Nobody" aria-describedby="${id}-note">
        <button type="button" class="picker-toggle" tabindex="-1" aria-label="Show people" aria-controls="${id}-list" aria-expanded="false">▾</button>
      </div>
      <ul class="picker-list" id="${id}-list" role="listbox" aria-labelledby="${id}-label" hidden></ul>
      <p class="picker-note" id="${id}-note" role="status"></p>
      <p class="field-error" data-error-for="assigned"></p>`);
    this.listenTo(people, 'change', () => this.showChoice());
    this.showChoice();
  }

  /** Show the chosen person in the field (and leave what is being typed alone). */
  private showChoice(): void {
    const person = this.value === null ? null : this.people.find(this.value);
    if (document.activeElement !== this.input || !this.isOpen()) this.input.value = person ? displayName(person) : '';
    this.find('.picker-avatar').innerHTML = person ? avatar(person, { named: false }).value : '';
  }

  /** Set from outside (another board changed the task), unless the person is choosing. */
  set(value: string | null): void {
    if (this.touched) return;
    this.value = value;
    this.showChoice();
  }

  focus(open = false): void {
    this.input.focus();
    this.input.select();
    if (open) this.open('');
  }

  protected openList(): void {
    this.open('');
  }

  private open(filter: string): void {
    const list = this.find('.picker-list');
    const people = this.people.choices.filter((person) => personMatches(person, filter));
    this.shown = filter.trim() ? people : [null, ...people];
    list.innerHTML = html`${this.shown.map((person, i) =>
      person === null
        ? html`<li role="option" id="${this.fieldId}-option-${i}" data-username="${NOBODY}" aria-selected="${this.value === null}"><span class="avatar avatar-none" aria-hidden="true">–</span><span class="picker-name">Nobody</span></li>`
        : html`<li role="option" id="${this.fieldId}-option-${i}" data-username="${person.username}" aria-selected="${this.value === person.username}">${avatar(person, { named: false })}<span class="picker-name" dir="auto">${displayName(person)}</span> <span class="picker-username" dir="auto">@${person.username}</span></li>`,
    )}`.value;
    const chosen = this.shown.findIndex((person) => (person?.username ?? null) === this.value);
    this.shownOpen(filter.trim() ? 0 : Math.max(0, chosen));
    this.find('.picker-note').textContent = this.shown.length
      ? filter.trim() ? `${this.shown.length} ${this.shown.length === 1 ? 'person matches' : 'people match'}.` : ''
      : `No one matches “${filter.trim()}”.`;
  }

  protected choose(index: number): void {
    const person = this.shown[index];
    if (person === undefined) return;
    this.value = person?.username ?? null;
    this.touched = true;
    this.close();
    this.showChoice();
    this.find('.picker-note').textContent = '';
    this.trigger('chosen', this.value);
  }

  typed(): void {
    this.open(this.input.value);
  }

  key(event: KeyboardEvent): void {
    if (this.listKey(event)) return;
    if (event.key === 'Tab' && this.isOpen() && this.active >= 0 && this.input.value.trim()) this.choose(this.active);
  }

  /** Escape: the list closes, and what was typed goes back to the choice. */
  protected override dismiss(): void {
    this.close();
    this.showChoice();
  }

  /** Leaving the field: typed text that chose no one goes back to the choice. */
  left(event: FocusEvent): void {
    if (this.el.contains(event.relatedTarget as Node | null)) return;
    this.close();
    this.showChoice();
  }
}
