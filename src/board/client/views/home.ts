// Home `#` (chapter 5): the sprints that end from a week ago onward, and the
// "Add Sprint" form that creates one and goes to it.
import { withQuery } from '../api.ts';
import type { App } from '../app.ts';
import { localToday, showDate } from '../dates.ts';
import { busy, clearErrors, formValues, showErrors, tooLong } from '../forms.ts';
import { save, Sprint, Sprints } from '../models.ts';
import { VelocityView } from '../velocity.ts';
import { html, View } from '../view.ts';
import { failure, loading } from './states.ts';

export class HomeView extends View {
  private readonly sprints = new Sprints();
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
      <div class="sprints"></div>`);
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
      await this.sprints.load([withQuery(root.sprints, { end_min: localToday(-7) })]);
      this.renderSprints();
    } catch (error) {
      list.innerHTML = failure('Could not load your sprints.', error).value;
    }
  }

  private renderSprints(): void {
    const items = this.sprints.map(
      (sprint) => html`<li><a class="sprint" href="#sprint/${sprint.key}">
          <span class="sprint-name" dir="auto">${sprint.get('name') || 'Unnamed sprint'}</span>
          <span class="sprint-due">DUE BY ${showDate(sprint.get('end'))}</span>
        </a></li>`,
    );
    this.find('.sprints').innerHTML = (
      items.length ? html`<ul class="sprint-list">${items}</ul>` : html`<p class="empty">No current sprints. Add one to start planning.</p>`
    ).value;
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
