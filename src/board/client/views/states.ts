// Loading and error states, the same on every screen.
import { ApiError } from '../api.ts';
import { html, type SafeHtml } from '../view.ts';

export const loading = (label: string): SafeHtml => html`<p class="loading" role="status"><span class="spinner" aria-hidden="true"></span>${label}</p>`;

/** What went wrong, and a Retry button for the view's `.retry` handler. */
export function failure(what: string, error: unknown): SafeHtml {
  if (!(error instanceof ApiError)) console.error(error); // a bug here, not a refusal by the API
  const reason = error instanceof ApiError ? error.message : 'Something went wrong in the page.';
  return html`<div class="failure" role="alert"><p>${what} ${reason}</p><button type="button" class="retry">Retry</button></div>`;
}
