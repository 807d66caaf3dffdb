// A sprint edited or deleted from its board. The edit dialog sends only the
// fields changed, and the API's refusals (an end date in the past, one
// another sprint has) are shown beside their field in its words. Deleting
// asks first, saying where the sprint's tasks go: back to the backlog.
import { DialogView } from '../dialog.ts';
import { busy, clearErrors, deleteFrom, formValues, showErrors, tooLong } from '../forms.ts';
import { save, type Sprint, type SprintAttributes } from '../models.ts';
import { html, quotedName } from '../view.ts';

export class SprintEditDialog extends DialogView<Sprint> {
  constructor(sprint: Sprint) {
    super({
      model: sprint,
      tagName: 'dialog',
      className: 'sprint-edit',
      attributes: { 'aria-labelledby': 'sprint-edit-title' },
      events: { 'submit form': 'submit', 'click .cancel': 'close', close: 'remove' },
    });
    this.setHtml(html`
      <form novalidate>
        <h2 id="sprint-edit-title">Edit sprint</h2>
        <div class="form-errors" role="alert"></div>
        <label for="sprint-edit-name">Name</label>
        <input id="sprint-edit-name" name="name" data-max-chars="100" dir="auto" value="${sprint.get('name')}">
        <p class="field-error" data-error-for="name"></p>
        <label for="sprint-edit-end">End date</label>
        <input id="sprint-edit-end" name="end" type="date" required value="${sprint.get('end')}">
        <p class="field-error" data-error-for="end"></p>
        <label for="sprint-edit-description">Description</label>
        <textarea id="sprint-edit-description" name="description" rows="3" dir="auto">${sprint.get('description')}</textarea>
        <p class="field-error" data-error-for="description"></p>
        <div class="actions">
          <button type="submit" class="primary">Save</button>
          <button type="button" class="cancel">Cancel</button>
        </div>
      </form>`);
  }

  async submit(event: SubmitEvent, form: HTMLFormElement): Promise<void> {
    event.preventDefault();
    clearErrors(form);
    const long = tooLong(form);
    if (long) return showErrors(form, long);
    const values = formValues(form) as Partial<Record<keyof SprintAttributes, string>>;
    if (!values.end) values.end = ''; // a cleared date: the API says it is required
    const changes = Object.fromEntries(Object.entries(values).filter(([field, value]) => value !== this.model.get(field as keyof SprintAttributes)));
    if (Object.keys(changes).length === 0) return this.close();
    try {
      await busy(form, 'Saving…', () => save(this.model, changes as Partial<SprintAttributes>, { patch: true }));
      this.close();
    } catch (error) {
      showErrors(form, error);
    }
  }
}

const tasksGo = (count: number): string =>
  count === 0 ? 'It has no tasks.' : `Its ${count === 1 ? 'task goes' : `${count} tasks go`} back to the backlog, as Not Started; ${count === 1 ? 'its' : 'their'} history stays.`;

/** "Delete sprint “X”?": triggers `deleted` once the API has deleted it. */
export class SprintDeleteDialog extends DialogView<Sprint> {
  constructor(sprint: Sprint, taskCount: number) {
    super({
      model: sprint,
      tagName: 'dialog',
      className: 'sprint-delete',
      attributes: { 'aria-labelledby': 'sprint-delete-title', 'aria-describedby': 'sprint-delete-what' },
      events: { 'submit form': 'submit', 'click .cancel': 'close', close: 'remove' },
    });
    this.setHtml(html`
      <form novalidate>
        <h2 id="sprint-delete-title">Delete sprint ${quotedName(sprint.get('name') || `Sprint ${sprint.key}`)}?</h2>
        <p id="sprint-delete-what">${tasksGo(taskCount)} This cannot be undone.</p>
        <div class="form-errors" role="alert"></div>
        <div class="actions">
          <button type="submit" class="danger">Delete sprint</button>
          <button type="button" class="cancel primary">Keep it</button>
        </div>
      </form>`);
  }

  override open(): void {
    super.open();
    this.find<HTMLButtonElement>('.cancel').focus(); // the safe answer first
  }

  async submit(event: SubmitEvent, form: HTMLFormElement): Promise<void> {
    event.preventDefault();
    if (!(await deleteFrom(form, this.model.url()))) return;
    this.trigger('deleted');
    this.close();
  }
}
