// Showing the API's validation errors where they belong: each field's
// messages beside it (`[data-error-for=<field>]`), the rest above the form.
import { ApiError, request } from './api.ts';
import { html } from './view.ts';

const messagesOf = (value: unknown): string[] => (Array.isArray(value) ? value : [value]).filter((m): m is string => typeof m === 'string');

export function clearErrors(form: HTMLElement): void {
  for (const slot of form.querySelectorAll<HTMLElement>('[data-error-for], .form-errors')) slot.replaceChildren();
  for (const field of form.querySelectorAll('[aria-invalid]')) field.removeAttribute('aria-invalid');
}

export function showErrors(form: HTMLElement, error: unknown): void {
  clearErrors(form);
  const top = form.querySelector<HTMLElement>('.form-errors');
  const general: string[] = [];
  if (!(error instanceof ApiError)) {
    general.push(String(error));
  } else if (Object.keys(error.body).length === 0) {
    general.push(error.message);
  } else {
    for (const [field, value] of Object.entries(error.body)) {
      const slot = form.querySelector<HTMLElement>(`[data-error-for="${CSS.escape(field)}"]`);
      if (!slot) {
        general.push(...messagesOf(value));
        continue;
      }
      slot.innerHTML = html`${messagesOf(value).map((message) => html`<span>${message}</span>`)}`.value;
      form.querySelector(`[data-field="${CSS.escape(field)}"], [name="${CSS.escape(field)}"]`)?.setAttribute('aria-invalid', 'true');
    }
  }
  if (top) top.innerHTML = html`${general.map((message) => html`<p>${message}</p>`)}`.value;
  form.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus();
}

/**
 * A form's text fields as an object, as typed (the API trims what it trims;
 * passwords keep their spaces). A required field left empty is not sent, so
 * the API says "This field is required." rather than judge an empty value.
 */
export function formValues(form: HTMLFormElement): Record<string, string> {
  const values: Record<string, string> = {};
  for (const [name, value] of new FormData(form)) {
    if (typeof value !== 'string') continue;
    if (value === '' && form.querySelector(`[name="${CSS.escape(name)}"]`)?.hasAttribute('required')) continue;
    values[name] = value;
  }
  return values;
}

/**
 * Fields longer than their `data-max-chars` (counted as the API counts, in
 * characters, not UTF-16 units), as the API's 400 would report them, with
 * how many were typed; null when all fit. Never cut what a person typed
 * (as `maxlength` would, silently).
 */
export function tooLong(form: HTMLFormElement): ApiError | null {
  const errors: Record<string, string[]> = {};
  for (const field of form.querySelectorAll<HTMLInputElement | HTMLTextAreaElement>('[data-max-chars]')) {
    const limit = Number(field.dataset.maxChars);
    const typed = [...field.value].length;
    if (typed > limit) errors[field.name] = [`Ensure this field has no more than ${limit} characters (it has ${typed}).`];
  }
  return Object.keys(errors).length ? new ApiError(400, 'Too long.', errors) : null;
}

/** Disable a form's buttons while its request runs, with a label saying what is happening. */
export async function busy<T>(form: HTMLElement, label: string, work: () => Promise<T>): Promise<T> {
  const submit = form.querySelector<HTMLButtonElement>('button[type="submit"]');
  const buttons = [...form.querySelectorAll<HTMLButtonElement>('button')];
  const original = submit?.textContent ?? '';
  buttons.forEach((button) => (button.disabled = true));
  if (submit) submit.textContent = label;
  form.setAttribute('aria-busy', 'true');
  try {
    return await work();
  } finally {
    buttons.forEach((button) => (button.disabled = false));
    if (submit) submit.textContent = original;
    form.removeAttribute('aria-busy');
  }
}

/**
 * A confirmation form's Delete: DELETE the URL with the form busy meanwhile.
 * True once deleted; false when refused, the API's error then shown in the form.
 */
export async function deleteFrom(form: HTMLFormElement, url: string): Promise<boolean> {
  clearErrors(form);
  try {
    await busy(form, 'Deleting…', () => request(url, { method: 'DELETE' }));
    return true;
  } catch (error) {
    showErrors(form, error);
    return false;
  }
}
