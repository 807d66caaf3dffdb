// Home `#` (chapter 5): the sprints that end from a week ago onward, the
// "Add Sprint" form that creates one and goes to it, and below them the
// earlier sprints, newest first, so that none becomes unreachable.
import { withQuery } from '../api.ts';
import type { App } from '../app.ts';
import { localToday, showDate } from '../dates.ts';
import { busy, clearErrors, formValues, showErrors, tooLong } from '../forms.ts';
import { save, Sprint, Sprints } from '../models.ts';
import { VelocityView } from '../velocity.ts';
import { html, View } from '../view.ts';
import { failure, loading } from './states.ts';

/** Sprints that ended more than a week ago are earlier ones. */
const CURRENT_DAYS = -7;

const sprintLink = (sprint: Sprint, when: string) => html`<li><a class="sprint" href="#sprint/${sprint.key}">
    <span class="sprint-name" dir="auto">${sprint.get('name') || 'Unnamed sprint'}</span>
    <span class="sprint-due">${when} ${showDate(sprint.get('end'))}</span>
  </a></li>`;

export class HomeView extends View {
  private readonly sprints = new Sprints();
  private readonly earlier = new Sprints();
  private readonly velocity = new VelocityView();

  private readonly app: App;
  constructor(app: App) {
    super({
      tagName: 'section',
      className: 'home',
      events: {
        'click .add-sprint': 'openForm',
        'click .cancel': 'closeForm',
        'submit .new-sprint': 'create',
        'click .retry': 'load',
      },
    });
    this.app = app;
    document.title = 'Your Sprints · Scrum Board';
    this.setHtml(html`
      <div class="toolbar">
        <h1>Your Sprints</h1>
        <button type="button" class="add-sprint primary" aria-expanded="false" aria-controls="new-sprint">Add Sprint</button>
      </div>
      <form class="new-sprint card" id="new-sprint" hidden novalidate>
        <h2>New sprint</h2>
        <div class="form-errors" role="alert"></div>
        <label for="sprint-name">Name</label>
        <input id="sprint-name" name="name" data-max-chars="100" dir="auto">
        <p class="field-error" data-error-for="name"></p>
        <label for="sprint-end">End date</label>
        <input id="sprint-end" name="end" type="date" required>
        <p class="field-error" data-error-for="end"></p>
        <label for="sprint-description">Description</label>
        <textarea id="sprint-description" name="description" rows="3" dir="auto"></textarea>
        <p class="field-error" data-error-for="description"></p>
        <div class="actions">
          <button type="submit" class="primary">Create Sprint</button>
          <button type="button" class="cancel">Cancel</button>
        </div>
      </form>
      <div class="sprints"></div>
      <section class="earlier-sprints" aria-labelledby="earlier-title" hidden>
        <h2 id="earlier-title">Earlier sprints</h2>
        <div class="earlier-list"></div>
      </section>`);
    this.el.append(this.velocity.el);
    this.listenTo(this.sprints, 'update reset sort change', this.renderSprints);
    void this.load();
  }

  async load(): Promise<void> {
    const list = this.find('.sprints');
    list.innerHTML = loading('Loading sprints…').value;
    try {
      const root = await this.app.root();
      this.sprints.url = root.sprints;
      void this.velocity.load(`${root.sprints}velocity/`);
      await Promise.all([
        this.sprints.load([withQuery(root.sprints, { end_min: localToday(CURRENT_DAYS) })]),
        this.earlier.load([withQuery(root.sprints, { end_max: localToday(CURRENT_DAYS - 1) })]),
      ]);
      this.renderSprints();
    } catch (error) {
      list.innerHTML = failure('Could not load your sprints.', error).value;
    }
  }

  private renderSprints(): void {
    const items = this.sprints.map((sprint) => sprintLink(sprint, 'DUE BY'));
    this.find('.sprints').innerHTML = (
      items.length ? html`<ul class="sprint-list">${items}</ul>` : html`<p class="empty">No current sprints. Add one to start planning.</p>`
    ).value;
    const earlier = this.find('.earlier-sprints');
    earlier.hidden = this.earlier.length === 0;
    // Newest first: the collection sorts by end, the way back goes from the last one.
    this.find('.earlier-list').innerHTML = html`<ul class="sprint-list earlier">${[...this.earlier.models].reverse().map((sprint) => sprintLink(sprint, 'ENDED'))}</ul>`.value;
  }

  openForm(): void {
    const form = this.find<HTMLFormElement>('.new-sprint');
    form.hidden = false;
    this.find('.add-sprint').setAttribute('aria-expanded', 'true');
    this.find<HTMLInputElement>('#sprint-name').focus();
  }

  closeForm(): void {
    const form = this.find<HTMLFormElement>('.new-sprint');
    form.reset();
    clearErrors(form);
    form.hidden = true;
    const button = this.find('.add-sprint');
    button.setAttribute('aria-expanded', 'false');
    button.focus();
  }

  async create(event: SubmitEvent, form: HTMLFormElement): Promise<void> {
    event.preventDefault();
    clearErrors(form);
    const long = tooLong(form);
    if (long) return showErrors(form, long);
    const sprint = new Sprint(formValues(form), { collection: this.sprints });
    try {
      await busy(form, 'Creating…', () => save(sprint, null));
      this.app.navigate(`sprint/${sprint.key}`);
    } catch (error) {
      showErrors(form, error);
    }
  }
}
