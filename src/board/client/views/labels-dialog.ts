// The board's labels, managed from its "Labels" button: a form that adds one
// (a name and a colour from the palette, chosen by radio buttons that say the
// colour's name), and the list, where each label is renamed, recoloured or
// deleted (after a confirmation saying it comes off every task). The API's
// refusals (a name another label has, a name too long) show beside their
// field, in words. The list follows every board's changes while it is open.
import { DialogView } from '../dialog.ts';
import { busy, clearErrors, deleteFrom, formValues, showErrors, tooLong } from '../forms.ts';
import { colourSwatch, Label, labelChip, type Labels } from '../labels.ts';
import { save } from '../models.ts';
import { LABEL_COLOURS } from '../../palette.ts';
import { html, quotedName, View } from '../view.ts';

/** A name field and the palette as radio buttons; `prefix` keeps the ids of several forms apart. */
function labelFields(prefix: string, name: string, colour: string) {
  return html`
    <label for="${prefix}-name">Name</label>
    <input id="${prefix}-name" name="name" data-max-chars="50" required autocomplete="off" dir="auto" value="${name}">
    <p class="field-error" data-error-for="name"></p>
    <fieldset class="label-colours">
      <legend>Colour</legend>
      ${LABEL_COLOURS.map(
        (option) => html`<span class="label-colour">
          <input type="radio" id="${prefix}-colour-${option.name}" name="colour" value="${option.name}" ${option.name === colour ? 'checked' : ''}>
          <label for="${prefix}-colour-${option.name}">${colourSwatch(option)}${option.label}</label>
        </span>`,
      )}
    </fieldset>
    <p class="field-error" data-error-for="colour"></p>`;
}

/** One label in the dialog's list: shown, edited in place, or asking before it is deleted. */
class LabelRow extends View<Label> {
  private mode: 'show' | 'edit' | 'confirm' = 'show';
  private readonly taskCount: (label: Label) => number;

  constructor(label: Label, taskCount: (label: Label) => number) {
    super({
      model: label,
      tagName: 'li',
      className: 'label-row',
      events: {
        'click .edit-label': 'edit',
        'click .delete-label': 'confirm',
        'click .cancel': 'cancel',
        'submit .label-edit': 'saveEdit',
        'submit .label-delete': 'delete',
        'keydown .label-edit, .label-delete': 'escape',
      },
    });
    this.taskCount = taskCount;
    // Another board renamed or recoloured it: shown at once, except in the form being filled in.
    this.listenTo(label, 'change', () => this.mode !== 'edit' && this.render());
    this.render();
  }

  override render(): this {
    // Drawn again under the keyboard (another board renamed it): focus stays on the button of the same kind.
    const focused = this.el.contains(document.activeElement) ? document.activeElement!.classList[0] : undefined;
    this.draw();
    if (focused) this.el.querySelector<HTMLElement>(`.${CSS.escape(focused)}`)?.focus();
    return this;
  }

  private draw(): void {
    const label = this.model;
    const id = `label-${label.key}`;
    const name = label.get('name') ?? '';
    if (this.mode === 'edit') {
      this.setHtml(html`<form class="label-edit" novalidate aria-labelledby="${id}-edit-title">
        <p id="${id}-edit-title" class="label-form-title">Edit the label ${quotedName(name)}</p>
        <div class="form-errors" role="alert"></div>
        ${labelFields(id, name, label.get('colour') ?? '')}
        <div class="actions"><button type="submit" class="primary">Save</button><button type="button" class="cancel">Cancel</button></div>
      </form>`);
    } else if (this.mode === 'confirm') {
      const count = this.taskCount(label);
      this.setHtml(html`<form class="label-delete" novalidate aria-labelledby="${id}-delete-title" aria-describedby="${id}-delete-what">
        <p id="${id}-delete-title" class="label-form-title">Delete the label ${quotedName(name)}?</p>
        <p id="${id}-delete-what">It comes off every task that has it${count ? ` (${count === 1 ? '1 task' : `${count} tasks`} on this board)` : ''}. This cannot be undone.</p>
        <div class="form-errors" role="alert"></div>
        <div class="actions"><button type="submit" class="danger">Delete label</button><button type="button" class="cancel primary">Keep it</button></div>
      </form>`);
    } else {
      this.setHtml(html`${labelChip(label)}
        <span class="label-row-actions">
          <button type="button" class="edit-label" aria-label="Edit label ${name}">Edit</button>
          <button type="button" class="delete-label danger" aria-label="Delete label ${name}">Delete</button>
        </span>`);
    }
  }

  private switchTo(mode: LabelRow['mode'], focus: string): void {
    this.mode = mode;
    this.render();
    this.find(focus).focus();
  }

  edit(): void {
    this.switchTo('edit', 'input[name="name"]');
  }

  confirm(): void {
    this.switchTo('confirm', '.cancel'); // the safe answer first
  }

  cancel(): void {
    this.switchTo('show', this.mode === 'edit' ? '.edit-label' : '.delete-label');
  }

  /** Escape leaves the form, not the dialog. */
  escape(event: KeyboardEvent): void {
    if (event.key !== 'Escape') return;
    event.preventDefault();
    event.stopPropagation();
    this.cancel();
  }

  async saveEdit(event: SubmitEvent, form: HTMLFormElement): Promise<void> {
    event.preventDefault();
    clearErrors(form);
    const long = tooLong(form);
    if (long) return showErrors(form, long);
    const values = formValues(form);
    const changes = Object.fromEntries(Object.entries(values).filter(([field, value]) => value !== this.model.get(field as 'name' | 'colour')));
    if (!('name' in values)) changes.name = ''; // cleared: the API says a name is required
    if (Object.keys(changes).length) {
      try {
        await busy(form, 'Saving…', () => save(this.model, changes, { patch: true }));
      } catch (error) {
        return showErrors(form, error);
      }
    }
    this.switchTo('show', '.edit-label');
  }

  async delete(event: SubmitEvent, form: HTMLFormElement): Promise<void> {
    event.preventDefault();
    if (!(await deleteFrom(form, this.model.url()))) return;
    // The live event removes it too; this board need not wait for it.
    this.trigger('deleted', this.model);
    this.model.collection?.remove(this.model);
  }
}

/** The "Labels" dialog. */
export class LabelsDialog extends DialogView {
  private readonly rows = new Map<number, LabelRow>();
  private readonly labels: Labels;
  private readonly taskCount: (label: Label) => number;

  constructor(labels: Labels, taskCount: (label: Label) => number) {
    super({
      tagName: 'dialog',
      className: 'labels-dialog',
      attributes: { 'aria-labelledby': 'labels-title' },
      events: { 'submit .label-new': 'create', 'click .close': 'close', close: 'remove' },
    });
    this.labels = labels;
    this.taskCount = taskCount;
    this.setHtml(html`
      <div class="detail-head">
        <h2 id="labels-title">Labels</h2>
        <button type="button" class="close icon" aria-label="Close">×</button>
      </div>
      <form class="label-new" novalidate aria-labelledby="label-new-title">
        <h3 id="label-new-title">New label</h3>
        <div class="form-errors" role="alert"></div>
        ${labelFields('label-new', '', LABEL_COLOURS[0]!.name)}
        <div class="actions"><button type="submit" class="primary">Add label</button></div>
        <p class="label-said" role="status"></p>
      </form>
      <section aria-labelledby="label-list-title">
        <h3 id="label-list-title">On this board</h3>
        <p class="label-empty">No labels yet.</p>
        <ul class="label-list" aria-labelledby="label-list-title"></ul>
      </section>
      <div class="actions"><button type="button" class="close">Close</button></div>`);
    this.listenTo(labels, 'load add remove sort', this.renderList);
    this.renderList();
  }

  override open(): void {
    super.open();
    this.find<HTMLInputElement>('#label-new-name').focus();
  }

  /** Rows in the list's order, each kept (with whatever is being typed in it) while its label lasts. */
  private renderList(): void {
    const list = this.find('.label-list');
    const focused = document.activeElement;
    for (const label of this.labels) {
      let row = this.rows.get(label.key);
      if (!row) {
        row = new LabelRow(label, this.taskCount);
        this.listenTo(row, 'deleted', (gone: Label) => (this.find('.label-said').innerHTML = html`Deleted the label ${quotedName(gone.get('name'))}.`.value));
        this.rows.set(label.key, row);
      }
      list.append(row.el);
    }
    // Moving a row in the list (a rename sorts it elsewhere) blurs what had focus in it.
    if (focused instanceof HTMLElement && focused !== document.activeElement && this.el.contains(focused)) focused.focus();
    for (const [id, row] of this.rows) {
      if (this.labels.get(id)) continue;
      const hadFocus = row.el.contains(document.activeElement);
      row.remove();
      this.rows.delete(id);
      if (hadFocus) this.find<HTMLInputElement>('#label-new-name').focus();
    }
    this.find('.label-empty').hidden = this.labels.length > 0;
  }

  async create(event: SubmitEvent, form: HTMLFormElement): Promise<void> {
    event.preventDefault();
    clearErrors(form);
    const long = tooLong(form);
    if (long) return showErrors(form, long);
    const label = new Label(formValues(form), { collection: this.labels });
    try {
      await busy(form, 'Adding…', () => save(label, null));
    } catch (error) {
      return showErrors(form, error);
    }
    this.labels.add(label, { merge: true }); // the live channel may have brought it already
    this.find('.label-said').innerHTML = html`Added the label ${quotedName(label.get('name'))}.`.value;
    const name = this.find<HTMLInputElement>('#label-new-name');
    name.value = '';
    name.focus();
  }

  override remove(): this {
    for (const row of this.rows.values()) row.remove();
    return super.remove();
  }
}
