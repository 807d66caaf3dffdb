// A modal dialog of the board as a view: shown with showModal (so Escape
// and the backdrop behave natively), removed when it closes, after which it
// triggers `closed` so its opener can put the focus back.
import type Backbone from 'backbone';
import { View } from './view.ts';

export class DialogView<TModel extends Backbone.Model | undefined = undefined> extends View<TModel> {
  open(): void {
    document.body.append(this.el);
    (this.el as HTMLDialogElement).showModal();
  }

  close(): void {
    const dialog = this.el as HTMLDialogElement;
    if (dialog.open) dialog.close(); // its `close` event removes the view
    else this.remove();
  }

  override remove(): this {
    super.remove();
    this.trigger('closed');
    return this;
  }
}
