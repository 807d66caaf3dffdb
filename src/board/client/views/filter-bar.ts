// The board's filter bar: text search over names and descriptions, the
// assignee (anyone, me, nobody, a person), a label (any, none, one of the
// board's) and "overdue only". Every control
// is named after its filter's URL parameter (filters.ts), and the bar reads
// them all alike: a new filter is a FILTERS entry and a control here.
// Triggers `change` with the filters as set; `/` focuses the search (the
// board's shortcut) and Escape clears it.
import { filtering, FILTERS, ME, NO_LABEL, NOBODY, type Filters } from '../filters.ts';
import type { Labels } from '../labels.ts';
import { displayName, type People } from '../people.ts';
import { html, View } from '../view.ts';

export class FilterBar extends View {
  private filters: Filters;

  private readonly people: People;
  private readonly labels: Labels;
  constructor(people: People, labels: Labels, filters: Filters) {
    super({
      tagName: 'form',
      className: 'filter-bar',
      attributes: { role: 'search', 'aria-label': 'Filter tasks', novalidate: '' },
      events: {
        'input input': 'read',
        'change select, input[type="checkbox"]': 'read',
        'keydown #filter-text': 'escape',
        'click .clear-filters': 'clear',
        submit: 'submit',
      },
    });
    this.people = people;
    this.labels = labels;
    this.filters = filters;
    this.setHtml(html`
      <div class="filter-field filter-search">
        <label for="filter-text">Search tasks</label>
        <input id="filter-text" name="q" type="search" autocomplete="off" dir="auto" aria-keyshortcuts="/" aria-describedby="filter-text-hint">
        <span id="filter-text-hint" class="visually-hidden">Press Escape to clear.</span>
      </div>
      <div class="filter-field">
        <label for="filter-assignee">Assignee</label>
        <select id="filter-assignee" name="assignee"></select>
      </div>
      <div class="filter-field">
        <label for="filter-label">Label</label>
        <select id="filter-label" name="label"></select>
      </div>
      <div class="filter-field filter-check">
        <input id="filter-overdue" name="overdue" type="checkbox" value="1">
        <label for="filter-overdue">Overdue only</label>
      </div>
      <button type="button" class="clear-filters" hidden>Clear filters</button>`);
    this.listenTo(people, 'change', this.renderAssignees);
    this.renderAssignees();
    this.listenTo(labels, 'load add remove change:name sort', this.renderLabels);
    this.renderLabels();
    this.show(filters);
  }

  private renderAssignees(): void {
    const select = this.find<HTMLSelectElement>('#filter-assignee');
    const chosen = this.filters.assignee ?? '';
    const people = this.people.list;
    // A username in a shared URL that is not (yet) in the list stays chosen.
    const unknown = chosen && chosen !== ME && chosen !== NOBODY && !people.some((person) => person.username === chosen);
    select.innerHTML = html`<option value="">Anyone</option><option value="${ME}">Me</option><option value="${NOBODY}">Nobody</option>
      ${people.map((person) => html`<option value="${person.username}">${displayName(person)} (@${person.username})</option>`)}
      ${unknown && html`<option value="${chosen}">@${chosen}</option>`}`.value;
    select.value = chosen;
  }

  private renderLabels(): void {
    const select = this.find<HTMLSelectElement>('#filter-label');
    const chosen = this.filters.label ?? '';
    // A label in a shared URL that is not (yet, or any more) on the board stays chosen, by its id.
    const unknown = chosen && chosen !== NO_LABEL && !this.labels.get(chosen);
    select.innerHTML = html`<option value="">Any label</option><option value="${NO_LABEL}">No label</option>
      ${this.labels.map((label) => html`<option value="${label.key}">${label.get('name')}</option>`)}
      ${unknown && html`<option value="${chosen}">${this.labels.loaded ? `Deleted label #${chosen}` : `Label #${chosen}`}</option>`}`.value;
    select.value = chosen;
  }

  /** Set the controls to these filters (the URL changed: back, forward, a link). */
  show(filters: Filters): void {
    this.filters = filters;
    const text = this.find<HTMLInputElement>('#filter-text');
    if (text.value.trim() !== (filters.q ?? '')) text.value = filters.q ?? '';
    this.find<HTMLSelectElement>('#filter-assignee').value = filters.assignee ?? '';
    if (this.find<HTMLSelectElement>('#filter-assignee').value !== (filters.assignee ?? '')) this.renderAssignees();
    this.renderLabels();
    this.find<HTMLInputElement>('#filter-overdue').checked = !!filters.overdue;
    this.find('.clear-filters').hidden = !filtering(filters);
  }

  read(): void {
    const values = new FormData(this.el as HTMLFormElement);
    const filters: Filters = {};
    for (const { key } of FILTERS) {
      const value = values.get(key);
      if (typeof value === 'string' && value.trim()) filters[key] = value.trim();
    }
    this.filters = filters;
    this.find('.clear-filters').hidden = !filtering(filters);
    this.trigger('change', filters);
  }

  focusSearch(): void {
    const text = this.find<HTMLInputElement>('#filter-text');
    text.focus();
    text.select();
  }

  escape(event: KeyboardEvent, input: HTMLInputElement): void {
    if (event.key !== 'Escape' || input.value === '') return;
    event.preventDefault(); // the browser's own clearing of a search field does not fire `input` everywhere
    input.value = '';
    this.read();
  }

  clear(): void {
    (this.el as HTMLFormElement).reset();
    this.read();
    this.find<HTMLInputElement>('#filter-text').focus();
  }

  submit(event: SubmitEvent): void {
    event.preventDefault(); // filters apply as they are typed; Enter sends nothing anywhere
  }
}
