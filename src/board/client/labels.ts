// The board's labels (GET /api/labels/): a name, unique on the board, and a
// colour from the server's palette (../palette.ts, bundled here), whose text
// meets AA contrast on its chip. Loaded with the board and kept live from the
// channel's `label` events; a chip always says the label's name in words, the
// colour only repeats it.
import { LABEL_COLOURS, type LabelColour } from '../palette.ts';
import type { BoardMessage } from './live.ts';
import { ApiCollection, ApiModel } from './models.ts';
import { folded } from './people.ts';
import { html, type SafeHtml } from './view.ts';

export interface LabelAttributes {
  id: number;
  name: string;
  /** A palette colour's name: "blue". */
  colour: string;
  links: { self: string; tasks: string };
}

export class Label extends ApiModel<LabelAttributes> {}

/** The palette's colour of this name; the first (grey) for a name the palette no longer has. */
export const colourOf = (name: string | undefined): LabelColour => LABEL_COLOURS.find((colour) => colour.name === name) ?? LABEL_COLOURS[0]!;

/**
 * The palette as classes (`.label-colour-blue`), made once from the same
 * table the API checks against: the page's Content-Security-Policy refuses
 * style attributes, and a copy in board.css could drift from the server's.
 */
function installColours(): void {
  if (typeof CSSStyleSheet === 'undefined' || installColours.done) return;
  installColours.done = true;
  const sheet = new CSSStyleSheet();
  sheet.replaceSync(LABEL_COLOURS.map((colour) => `.label-colour-${colour.name} { background: ${colour.background}; color: ${colour.text}; }`).join('\n'));
  document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];
}
installColours.done = false;

/** A chip: the name in text on its colour. */
export function labelChip(label: Label): SafeHtml {
  installColours();
  return html`<span class="label-chip label-colour-${colourOf(label.get('colour')).name}" dir="auto">${label.get('name')}</span>`;
}

/** A colour's swatch beside its name (the name says it; the swatch shows it). */
export function colourSwatch(colour: LabelColour): SafeHtml {
  installColours();
  return html`<span class="label-swatch label-colour-${colour.name}" aria-hidden="true"></span>`;
}

/** Whether typed text finds a label: anywhere in its name, case and accents aside. */
export const labelMatches = (label: Label, typed: string): boolean => folded(label.get('name') ?? '').includes(folded(typed.trim()));

/** The labels of the board last shown: for words outside a board (the conflict dialog of a queued write). */
let shownLabels: Labels | null = null;

/** A label's name by its id, or "label #4" for one not known (deleted, or not loaded). */
export const labelName = (id: unknown): string => shownLabels?.get(Number(id))?.get('name') ?? `label #${String(id)}`;

/** Triggers Backbone's `add`, `remove`, `change` and `sort`, and `load` once the list is known (and after each reload). */
export class Labels extends ApiCollection<Label> {
  /** The list has been loaded at least once: until then, ids the board does not know may still be labels. */
  loaded = false;

  override preinitialize(): void {
    this.model = Label;
    this.comparator = (a: Label, b: Label) => (a.get('name') ?? '').localeCompare(b.get('name') ?? '');
  }

  /** The whole list again (after a dropped connection, whatever changed meanwhile). */
  async reload(): Promise<void> {
    if (!this.url) return;
    await this.load([String(this.url)]);
    this.loaded = true;
    shownLabels = this;
    this.trigger('load');
  }

  /** A live event of model `label`: created, renamed, recoloured or deleted on any board. */
  receive(message: BoardMessage): void {
    if (message.action === 'remove') this.remove(message.id);
    else if (message.action === 'add' || message.action === 'update') {
      this.add(message.body as LabelAttributes, { merge: true });
      this.sort(); // a rename may move it in the list
    }
  }

  /** These ids' labels, by name, leaving out ids that are no label (deleted). */
  of(ids: readonly number[] | undefined): Label[] {
    return (ids ?? []).map((id) => this.get(id)).filter((label): label is Label => !!label).sort((a, b) => this.indexOf(a) - this.indexOf(b));
  }
}
