// The view layer: Backbone.View on the DOM itself instead of jQuery, and
// `html` templates that escape every value they are given.
import Backbone from 'backbone';

/** Markup that is already safe; `html` inserts it as it is. */
export class SafeHtml {
  readonly value: string;
  constructor(value: string) {
    this.value = value;
  }
}

const escapeHtml = (text: string): string =>
  text.replace(/[&<>"']/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch]!);

const render = (value: unknown): string => {
  if (value instanceof SafeHtml) return value.value;
  if (Array.isArray(value)) return value.map(render).join('');
  if (value === null || value === undefined || value === false) return '';
  return escapeHtml(String(value));
};

/** Template literal tag: `html\`<p>${name}</p>\`` escapes `name`; nested `html` and arrays of it stay markup. */
export function html(strings: TemplateStringsArray, ...values: unknown[]): SafeHtml {
  return new SafeHtml(strings.reduce((out, text, i) => out + text + (i < values.length ? render(values[i]) : ''), ''));
}

/**
 * A sentence whose names are quoted (“…”), each name isolated in <bdi>: a
 * right-to-left name keeps its own order without reordering the words
 * around it.
 */
export const isolateNames = (sentence: string): SafeHtml => html`${sentence.split(/“([^”]*)”/).map((part, i) => (i % 2 ? quotedName(part) : part))}`;

/** A name quoted inside a sentence, isolated (see isolateNames). */
export const quotedName = (name: unknown): SafeHtml => html`“<bdi>${String(name)}</bdi>”`;

/** Where keys are typing (text inputs, text areas, lists to choose from, contenteditable): no shortcut there, and the browser's own undo. */
export const isTextField = (target: EventTarget | null): boolean =>
  target instanceof HTMLElement &&
  (target.isContentEditable || target.matches('textarea, select, input:not([type="checkbox"], [type="radio"], [type="button"], [type="submit"], [type="reset"])'));

// Focus and blur do not bubble; delegated listeners for them listen while capturing.
const CAPTURED = new Set(['focus', 'blur', 'mouseenter', 'mouseleave']);

type Delegated = { eventName: string; listener: EventListener; capture: boolean };
const delegatedListeners = new WeakMap<object, Delegated[]>();

/**
 * Backbone.View without jQuery. Handlers named in `events` receive the DOM
 * event and the element their selector matched (jQuery's `currentTarget`).
 */
export class View<TModel extends Backbone.Model | undefined = undefined> extends Backbone.View<TModel> {
  protected override _setElement(el: HTMLElement): void {
    this.el = el;
  }

  protected override _setAttributes(attributes: Record<string, string>): void {
    for (const [name, value] of Object.entries(attributes)) this.el.setAttribute(name, value);
  }

  protected override _removeElement(): void {
    this.el.remove();
  }

  override delegate(eventName: string, selector: string, listener: Backbone.ViewEventListener): this {
    const handle = listener as unknown as (event: Event, target: HTMLElement) => void;
    const root = this.el;
    const wrapped: EventListener = (event) => {
      if (!selector) return handle(event, root);
      const start = event.target instanceof Element ? event.target : null;
      const target = start?.closest<HTMLElement>(selector);
      if (target && root.contains(target)) handle(event, target);
    };
    const capture = CAPTURED.has(eventName);
    root.addEventListener(eventName, wrapped, capture);
    const list = delegatedListeners.get(this) ?? [];
    list.push({ eventName, listener: wrapped, capture });
    delegatedListeners.set(this, list);
    return this;
  }

  override undelegateEvents(): this {
    for (const { eventName, listener, capture } of delegatedListeners.get(this) ?? []) {
      this.el?.removeEventListener(eventName, listener, capture);
    }
    delegatedListeners.delete(this);
    return this;
  }

  /** The first element matching the selector inside this view. */
  find<E extends Element = HTMLElement>(selector: string): E {
    const found = this.el.querySelector<E>(selector);
    if (!found) throw new Error(`No ${selector} in ${this.el.className || this.el.tagName}`);
    return found;
  }

  protected setHtml(markup: SafeHtml): void {
    this.el.innerHTML = markup.value;
  }
}
